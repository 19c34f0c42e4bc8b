package forms_test

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/i18n"
)

// Forms shaped like the handlers' (the handlers package brings in gin, so they are
// restated here): every field kind, notrim, keepblank, dive, and the validator rules the
// handlers use.
type (
	fuzzRequestForm struct {
		Kind        string   `form:"kind" validate:"required,oneof=view copy correct stop delete" label:"request.kind"`
		Scope       string   `form:"scope" validate:"max=2000" label:"request.scope"`
		Purposes    []string `form:"purposes" validate:"max=50,dive,max=40" label:"request.purposes"`
		Field       string   `form:"field" validate:"omitempty,oneof=name phone address email other" label:"request.field"`
		ScopeFiles  []string `form:"scope_files" validate:"max=50,dive,max=64" label:"request.scope_files"`
		OnBehalf    bool     `form:"on_behalf"`
		Principal   string   `form:"principal" validate:"max=200" label:"request.principal"`
		Explanation string   `form:"explanation" validate:"max=2000" label:"request.explanation"`
	}
	fuzzIntakeForm struct {
		Email    string    `form:"email" validate:"required,email,max=254" label:"intake.email"`
		Channel  string    `form:"channel" validate:"required,oneof=paper counter" label:"intake.channel"`
		Received time.Time `form:"received" validate:"required" label:"intake.received"`
		Name     string    `form:"name" validate:"max=100" label:"intake.name"`
	}
	fuzzSignupForm struct {
		Password        string `form:"password,notrim" validate:"required,max=256" label:"signup.password"`
		PasswordConfirm string `form:"password_confirm,notrim" validate:"required,max=256" label:"signup.password_confirm"`
		Version         int    `form:"version"`
	}
	fuzzQueueFilter struct {
		Due    string `form:"due" validate:"omitempty,oneof=overdue today 3 7 14" label:"queue.due"`
		Q      string `form:"q" validate:"max=40" label:"queue.search"`
		Page   int    `form:"page" validate:"min=0,max=100000" label:"queue.page"`
		From   string `form:"from" validate:"omitempty,datetime=2006-01-02" label:"audit.from"`
		Before int64  `form:"before" validate:"min=0" label:"audit.before"`
	}
	fuzzStaffForm struct {
		Roles   []string  `form:"roles" validate:"max=3,dive,oneof=officer webmaster administrator" label:"staff.roles"`
		Expires time.Time `form:"expires" label:"staff.expires"`
		Version int64     `form:"version"`
		Code    string    `form:"code" validate:"required,len=6,numeric" label:"guest.code"`
	}
	fuzzFeesForm struct {
		ID   []string `form:"id,keepblank" validate:"max=25,dive,max=40" label:"fees.id"`
		Unit []string `form:"unit,keepblank" validate:"max=25,dive,max=7" label:"fees.unit"`
	}
)

func fuzzForms() []any {
	return []any{&fuzzRequestForm{}, &fuzzIntakeForm{}, &fuzzSignupForm{}, &fuzzQueueFilter{}, &fuzzStaffForm{}, &fuzzFeesForm{}}
}

const urlencoded = "application/x-www-form-urlencoded"

func multipartBody(fields ...string) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.SetBoundary("fuzzboundary")
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	fw, _ := w.CreateFormFile("file", "a.pdf")
	fw.Write([]byte("%PDF-1.4"))
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// FuzzDecode: any body, content type and method given to Decode for each form above
// never panics and ends in nil, *apperr.Invalid, an error wrapping ErrMalformed or the
// *http.MaxBytesError; problems carry only the package's keys, one per form key, and
// render in the visitor's language without validator's raw text or a label key. A form Decode
// accepts holds exactly the (trimmed) values the body sent under the struct's keys —
// never a value sent under "$where", "kind.x" or a repeated key's later copies — and
// satisfies its validate tags as checkTags reads them. Seeds are in
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(0), urlencoded, []byte(enc("kind", "view", "scope", "  全部  ", "purposes", "a", "purposes", " ", "purposes", "b")))
	f.Add(uint8(0), urlencoded, []byte("kind=copy&kind=view&$where=1&kind.x=delete&kind[$ne]=x&purposes[]=a&email=a%40b.tw&channel=paper&received=%EF%BC%92026-01-02"))
	f.Add(uint8(0), urlencoded+"; charset=utf-8", []byte("password=+x+&password_confirm=%00&version=%EF%BC%91%EF%BC%92&page=-1&before=9223372036854775808"))
	f.Add(uint8(1), "", []byte("due=today&q=%E5%85%A8%E5%8F%B0&page=100001&from=2026-02-30&roles=officer&roles=root&code=12345%C3%A9"))
	f.Add(uint8(0), urlencoded, []byte("id=&id=a&unit=&unit=%E4%BB%B6%E4%BB%B6%E4%BB%B6%E4%BB%B6%E4%BB%B6%E4%BB%B6%E4%BB%B6%E4%BB%B6&scope=%FF%FE&name=%E2%80%AE"))
	f.Add(uint8(0), urlencoded, []byte("kind=%zz&scope=1"))
	f.Add(uint8(0), urlencoded, []byte("expires=0001-01-01&received=9999-12-31&code=123456"))
	f.Add(uint8(0), "text/plain", []byte("kind=view"))
	f.Add(uint8(0), urlencoded, bytes.Repeat([]byte("purposes=%F0%9F%98%80&"), 60))
	ct, body := multipartBody("kind", "delete", "roles", "webmaster", "$set", "x", "code", "０１２３４５")
	f.Add(uint8(2), ct, body)
	f.Fuzz(func(t *testing.T, method uint8, ct string, body []byte) {
		m := [...]string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodPatch}[method%4]
		for _, dst := range fuzzForms() {
			var r *http.Request
			if m == http.MethodGet {
				r = httptest.NewRequest(m, "/form", nil)
				r.URL.RawQuery = string(body)
			} else {
				r = httptest.NewRequest(m, "/form", bytes.NewReader(body))
				r.Header.Set("Content-Type", ct)
				r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 16<<10)
			}
			lang := [...]string{i18n.ZH, i18n.EN}[method/4%2]
			err := forms.Decode(r, dst, lang)
			if r.MultipartForm != nil {
				r.MultipartForm.RemoveAll()
			}
			checkDecoded(t, m, lang, ct, body, dst, err)
		}
	})
}

var knownProblemKeys = []string{forms.KeyMessage, forms.KeyInvalidText, forms.KeyInvalidValue, forms.KeyInteger, forms.KeyDate, forms.KeyDateRange}

func checkDecoded(t *testing.T, method, lang, ct string, body []byte, dst any, err error) {
	t.Helper()
	typ := reflect.TypeOf(dst).Elem()
	var inv *apperr.Invalid
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
	case errors.As(err, &inv):
		seen := map[string]bool{}
		for _, p := range inv.Problems {
			if _, ok := formField(typ, p.Field); !ok || seen[p.Field] {
				t.Fatalf("%T: problem for unknown or repeated key %q: %+v", dst, p.Field, inv.Problems)
			}
			seen[p.Field] = true
			if !slices.Contains(knownProblemKeys, p.Key) {
				t.Fatalf("%T: problem key %q", dst, p.Key)
			}
			msg := cat.T(lang, p.Key, p.Args...)
			sf, _ := formField(typ, p.Field)
			label := sf.Tag.Get("label")
			if msg == "" || msg == p.Key || strings.Contains(msg, "Error:Field validation") || (label != "" && strings.Contains(msg, label)) {
				t.Fatalf("%T: problem %+v renders in %s as %q", dst, p, lang, msg)
			}
		}
		return
	case errors.Is(err, forms.ErrMalformed), errors.As(err, &mbe):
		return
	default:
		t.Fatalf("%T: unclassified error %T %v", dst, err, err)
	}

	// Accepted: the values are the ones sent, and they pass the tags.
	var sent url.Values
	if method == http.MethodGet {
		sent, _ = url.ParseQuery(string(body))
	} else if mt, _, _ := strings.Cut(ct, ";"); strings.EqualFold(strings.TrimSpace(mt), urlencoded) {
		var perr error
		if sent, perr = url.ParseQuery(string(body)); perr != nil {
			t.Fatalf("%T: accepted a body url.ParseQuery refuses (%v)", dst, perr)
		}
	}
	v := reflect.ValueOf(dst).Elem()
	for i := range typ.NumField() {
		sf := typ.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("form"), ",")
		fv := v.Field(i)
		texts := textsOf(fv)
		for _, s := range texts {
			if !utf8.ValidString(s) || !forms.ValidText(s) {
				t.Fatalf("%T.%s: accepted unclean text %q", dst, sf.Name, s)
			}
			if opts != "notrim" && s != strings.TrimSpace(s) {
				t.Fatalf("%T.%s: accepted untrimmed text %q", dst, sf.Name, s)
			}
		}
		if d, ok := fv.Interface().(time.Time); ok && !d.IsZero() && (d.Before(forms.EarliestDate) || d.After(forms.LatestDate)) {
			t.Fatalf("%T.%s: accepted date %v outside the bounds", dst, sf.Name, d)
		}
		if sent != nil {
			checkBound(t, dst, sf, fv, sent[name], opts)
		}
		if msg := checkTags(sf.Tag.Get("validate"), fv); msg != "" {
			t.Fatalf("%T.%s = %#v accepted, but %s", dst, sf.Name, fv.Interface(), msg)
		}
	}
}

func formField(typ reflect.Type, key string) (reflect.StructField, bool) {
	for i := range typ.NumField() {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("form"), ","); name == key {
			return typ.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func textsOf(fv reflect.Value) []string {
	switch x := fv.Interface().(type) {
	case string:
		return []string{x}
	case []string:
		return x
	}
	return nil
}

// checkBound compares an accepted field with what the body sent under its key alone.
func checkBound(t *testing.T, dst any, sf reflect.StructField, fv reflect.Value, vals []string, opts string) {
	t.Helper()
	trim := func(s string) string {
		if opts == "notrim" {
			return s
		}
		return strings.TrimSpace(s)
	}
	switch x := fv.Interface().(type) {
	case string:
		want := ""
		if len(vals) > 0 {
			want = trim(vals[0])
		}
		if x != want {
			t.Fatalf("%T.%s = %q, the body sent %q", dst, sf.Name, x, vals)
		}
	case []string:
		var want []string
		for _, s := range vals {
			if s = trim(s); s != "" || opts == "keepblank" {
				want = append(want, s)
			}
		}
		if !slices.Equal(x, want) {
			t.Fatalf("%T.%s = %q, the body sent %q", dst, sf.Name, x, vals)
		}
	case bool:
		want := len(vals) > 0 && slices.Contains([]string{"on", "true", "1"}, strings.ToLower(trim(vals[0])))
		if x != want {
			t.Fatalf("%T.%s = %v, the body sent %q", dst, sf.Name, x, vals)
		}
	default:
		if len(vals) == 0 && !fv.IsZero() {
			t.Fatalf("%T.%s = %v with nothing sent", dst, sf.Name, fv.Interface())
		}
	}
}

// checkTags is an independent reading of the validate rules the forms above use; it
// returns what an accepted value breaks, or "".
func checkTags(tag string, fv reflect.Value) string {
	if tag == "" {
		return ""
	}
	rules := strings.Split(tag, ",")
	if i := slices.Index(rules, "dive"); i >= 0 {
		if msg := checkRules(rules[:i], fv); msg != "" {
			return msg
		}
		for j := range fv.Len() {
			if msg := checkRules(rules[i+1:], fv.Index(j)); msg != "" {
				return "element " + strconv.Itoa(j) + ": " + msg
			}
		}
		return ""
	}
	return checkRules(rules, fv)
}

func checkRules(rules []string, fv reflect.Value) string {
	if slices.Contains(rules, "omitempty") && fv.IsZero() {
		return ""
	}
	size := func() int64 {
		switch fv.Kind() {
		case reflect.String:
			return int64(utf8.RuneCountInString(fv.String()))
		case reflect.Slice:
			return int64(fv.Len())
		}
		return fv.Int()
	}
	for _, rule := range rules {
		name, arg, _ := strings.Cut(rule, "=")
		n, _ := strconv.ParseInt(arg, 10, 64)
		switch name {
		case "required":
			if fv.IsZero() {
				return "it is required"
			}
		case "max":
			if size() > n {
				return "it is over " + arg
			}
		case "min":
			if size() < n {
				return "it is under " + arg
			}
		case "len":
			if size() != n {
				return "its length is not " + arg
			}
		case "oneof":
			if !slices.Contains(strings.Fields(arg), fv.String()) {
				return "it is not one of " + arg
			}
		case "numeric":
			if _, err := strconv.ParseFloat(fv.String(), 64); err != nil {
				return "it is not numeric"
			}
		case "email":
			// Only what every reading of RFC 5322 agrees on (a quoted local part may
			// hold spaces and @): a local part, an @ and a domain without white space.
			i := strings.LastIndexByte(fv.String(), '@')
			if i <= 0 || i == len(fv.String())-1 || strings.ContainsFunc(fv.String()[i+1:], unicode.IsSpace) {
				return "it is not an address"
			}
		case "datetime":
			if _, err := time.Parse(arg, fv.String()); err != nil {
				return "it is not a date"
			}
		case "omitempty":
		default:
			return "checkTags does not know " + rule
		}
	}
	return ""
}
