package forms_test

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/i18n"
)

var cat = i18n.MustLoad()

type signupForm struct {
	Email    string `form:"email" label:"setup.email" validate:"required,email,max=254"`
	Name     string `form:"name" label:"setup.name" validate:"required,max=10"`
	Password string `form:"password,notrim" label:"setup.password" validate:"required,min=8,max=64"`
	Kind     string `form:"kind" label:"home.rights_title" validate:"omitempty,oneof=view copy"`
	Notes    string `form:"notes"`
}

func post(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/form", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func enc(kv ...string) string {
	var b strings.Builder
	for i := 0; i < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// rendered shows err's problems the way the view does: form key → text in lang.
func rendered(t *testing.T, err error, lang string) map[string]string {
	t.Helper()
	if err == nil {
		return map[string]string{}
	}
	var inv *apperr.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("want *apperr.Invalid, got %T %v", err, err)
	}
	out := map[string]string{}
	for _, p := range inv.Problems {
		if _, dup := out[p.Field]; dup {
			t.Errorf("two problems for %q", p.Field)
		}
		out[p.Field] = cat.T(lang, p.Key, p.Args...)
	}
	return out
}

// problemKeys maps form key → problem key.
func problemKeys(t *testing.T, err error) map[string]string {
	t.Helper()
	got := map[string]string{}
	var inv *apperr.Invalid
	if err != nil && !errors.As(err, &inv) {
		t.Fatalf("want *apperr.Invalid, got %T %v", err, err)
	}
	if inv != nil {
		for _, p := range inv.Problems {
			got[p.Field] = p.Key
		}
	}
	return got
}

func label(lang, key string) string { return cat.T(lang, key) }

func TestValidatorMessagesInBothLanguages(t *testing.T) {
	ok := []string{"email", "a@b.example", "name", "王小明", "password", "Str0ng!Passw0rd"}
	with := func(kv ...string) string {
		m := map[string]string{}
		for i := 0; i < len(ok); i += 2 {
			m[ok[i]] = ok[i+1]
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		var flat []string
		for _, k := range []string{"email", "name", "password", "kind"} {
			if v, ok := m[k]; ok {
				flat = append(flat, k, v)
			}
		}
		return enc(flat...)
	}
	zh, en := i18n.ZH, i18n.EN
	tests := []struct {
		name, body, field string
		want              map[string]string // lang → message
	}{
		{"required", with("email", ""), "email", map[string]string{
			zh: label(zh, "setup.email") + "為必填欄位",
			en: label(en, "setup.email") + " is a required field",
		}},
		{"required after trimming", with("name", " \u3000\t "), "name", map[string]string{
			zh: label(zh, "setup.name") + "為必填欄位",
			en: label(en, "setup.name") + " is a required field",
		}},
		{"email", with("email", "not-an-address"), "email", map[string]string{
			zh: label(zh, "setup.email") + "必須是一個有效的信箱",
			en: label(en, "setup.email") + " must be a valid email address",
		}},
		{"max counts characters, not bytes", with("name", strings.Repeat("王", 11)), "name", map[string]string{
			zh: label(zh, "setup.name") + "長度不能超過10個字元",
			en: label(en, "setup.name") + " must be a maximum of 10 characters in length",
		}},
		{"min", with("password", "Sh0rt!"), "password", map[string]string{
			zh: label(zh, "setup.password") + "長度必須至少為8個字元",
			en: label(en, "setup.password") + " must be at least 8 characters in length",
		}},
		{"oneof", with("kind", "delete"), "kind", map[string]string{
			zh: label(zh, "home.rights_title") + "必須是[view copy]中的一個",
			en: label(en, "home.rights_title") + " must be one of [view copy]",
		}},
		{"very long value", with("name", strings.Repeat("a", 200_000)), "name", map[string]string{
			zh: label(zh, "setup.name") + "長度不能超過10個字元",
			en: label(en, "setup.name") + " must be a maximum of 10 characters in length",
		}},
	}
	for _, tt := range tests {
		for _, lang := range []string{zh, en} {
			t.Run(tt.name+"/"+lang, func(t *testing.T) {
				var f signupForm
				got := rendered(t, forms.Decode(post(tt.body), &f, lang), lang)
				if len(got) != 1 || got[tt.field] != tt.want[lang] {
					t.Errorf("problems %q, want only %s: %q", got, tt.field, tt.want[lang])
				}
			})
		}
	}
}

func TestEveryProblemInFieldOrder(t *testing.T) {
	err := forms.Decode(post(""), &signupForm{}, "en")
	var inv *apperr.Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("got %v", err)
	}
	var fields []string
	for _, p := range inv.Problems {
		fields = append(fields, p.Field)
		if p.Key != forms.KeyMessage {
			t.Errorf("%s: key %q", p.Field, p.Key)
		}
	}
	if want := []string{"email", "name", "password"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v (form keys, not Go names, in form order)", fields, want)
	}
}

func TestUnsupportedLanguageMeansChinese(t *testing.T) {
	got := rendered(t, forms.Decode(post(""), &signupForm{}, "fr"), i18n.ZH)
	if want := label(i18n.ZH, "setup.email") + "為必填欄位"; got["email"] != want {
		t.Errorf("got %q, want %q", got["email"], want)
	}
}

func TestValidFormIsTrimmedButPasswordIsKept(t *testing.T) {
	const pw = "  Str0ng!Passw0rd \u3000"
	var f signupForm
	err := forms.Decode(post(enc("email", "  a@b.example\n", "name", "\u3000王小明 ", "password", pw, "kind", " view ", "notes", " hi ")), &f, "zh-TW")
	if err != nil {
		t.Fatal(err)
	}
	want := signupForm{Email: "a@b.example", Name: "王小明", Password: pw, Kind: "view", Notes: "hi"}
	if f != want {
		t.Errorf("got %+v, want %+v", f, want)
	}
}

func TestHostileInput(t *testing.T) {
	good := enc("email", "a@b.example", "name", "王小明", "password", "Str0ng!Passw0rd")
	tests := []struct {
		name     string
		body     string
		want     signupForm        // the struct after Decode
		problems map[string]string // form key → problem key
	}{
		{"repeated keys take the first value",
			good + "&" + enc("email", "evil@x.example", "name", "Mallory"),
			signupForm{Email: "a@b.example", Name: "王小明", Password: "Str0ng!Passw0rd"}, nil},
		{"unknown keys are ignored",
			good + "&" + enc("role", "admin", "Email", "x@y.example", "Password", "x"),
			signupForm{Email: "a@b.example", Name: "王小明", Password: "Str0ng!Passw0rd"}, nil},
		{"operator-looking keys are not bound",
			enc("email[$ne]", "x", "$where", "sleep(5000)", "name[$gt]", "", "password[$regex]", ".*", "email.$", "1"),
			signupForm{}, map[string]string{"email": forms.KeyMessage, "name": forms.KeyMessage, "password": forms.KeyMessage}},
		{"operator-looking keys beside real ones",
			good + "&" + enc("email[$ne]", "x", "$where", "1", "name[]", "y"),
			signupForm{Email: "a@b.example", Name: "王小明", Password: "Str0ng!Passw0rd"}, nil},
		{"operator-looking values stay text",
			enc("email", "a@b.example", "name", `{"$gt": ""}`, "password", "Str0ng!Passw0rd"),
			signupForm{Email: "a@b.example", Name: `{"$gt": ""}`, Password: "Str0ng!Passw0rd"},
			map[string]string{"name": forms.KeyMessage}}, // longer than 10
		{"NUL byte",
			enc("email", "a@b.example", "name", "王\x00明", "password", "Str0ng!Passw0rd"),
			signupForm{Email: "a@b.example", Password: "Str0ng!Passw0rd"},
			map[string]string{"name": forms.KeyInvalidText}},
		{"NUL byte in an untrimmed password",
			enc("email", "a@b.example", "name", "王小明", "password", "Str0ng!Pass\x00w0rd"),
			signupForm{Email: "a@b.example", Name: "王小明"},
			map[string]string{"password": forms.KeyInvalidText}},
		{"invalid UTF-8",
			"email=a%40b.example&name=%ff%fe&password=Str0ng%21Passw0rd",
			signupForm{Email: "a@b.example", Password: "Str0ng!Passw0rd"},
			map[string]string{"name": forms.KeyInvalidText}},
		{"escape character",
			enc("email", "a@b.example", "name", "\x1b[31m王", "password", "Str0ng!Passw0rd"),
			signupForm{Email: "a@b.example", Password: "Str0ng!Passw0rd"},
			map[string]string{"name": forms.KeyInvalidText}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := signupForm{Notes: "stale"} // every bound field is overwritten
			err := forms.Decode(post(tt.body), &f, "en")
			if tt.want.Notes = ""; f != tt.want {
				t.Errorf("struct %+v, want %+v", f, tt.want)
			}
			if got := problemKeys(t, err); !maps.Equal(got, tt.problems) {
				t.Errorf("problems %v, want %v", got, tt.problems)
			}
		})
	}
}

func TestInvalidTextReadsInBothLanguages(t *testing.T) {
	body := enc("email", "a@b.example", "name", "a\x00b", "password", "Str0ng!Passw0rd")
	for lang, want := range map[string]string{
		i18n.ZH: "此欄位含有無法處理的字元", i18n.EN: "This field contains characters we cannot process",
	} {
		got := rendered(t, forms.Decode(post(body), &signupForm{}, lang), lang)
		if !strings.HasPrefix(got["name"], want) {
			t.Errorf("%s: %q, want it to start %q", lang, got["name"], want)
		}
	}
}

type prefsForm struct {
	Agree    bool      `form:"agree"`
	Count    int       `form:"count" label:"setup.name" validate:"min=0,max=100"`
	Born     time.Time `form:"born"`
	Due      time.Time `form:"due" label:"setup.name" validate:"required"`
	Purposes []string  `form:"purposes" label:"setup.name" validate:"max=3,dive,max=5"`
}

func TestTypes(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	base := "due=2025-01-31"
	tests := []struct {
		name     string
		body     string
		want     prefsForm
		problems map[string]string
	}{
		{"checkbox on", base + "&agree=on", prefsForm{Agree: true, Due: day("2025-01-31")}, nil},
		{"checkbox true", base + "&agree=true", prefsForm{Agree: true, Due: day("2025-01-31")}, nil},
		{"checkbox 1", base + "&agree=1", prefsForm{Agree: true, Due: day("2025-01-31")}, nil},
		{"checkbox absent", base, prefsForm{Due: day("2025-01-31")}, nil},
		{"checkbox nonsense", base + "&agree=yes", prefsForm{Due: day("2025-01-31")}, map[string]string{"agree": forms.KeyInvalidValue}},
		{"int", base + "&count=42", prefsForm{Count: 42, Due: day("2025-01-31")}, nil},
		{"full-width int", base + "&" + enc("count", "４２"), prefsForm{Count: 42, Due: day("2025-01-31")}, nil},
		{"int not a number", base + "&count=4x", prefsForm{Due: day("2025-01-31")}, map[string]string{"count": forms.KeyInteger}},
		{"int overflow", base + "&count=99999999999999999999", prefsForm{Due: day("2025-01-31")}, map[string]string{"count": forms.KeyInteger}},
		{"int out of range", base + "&count=101", prefsForm{Count: 101, Due: day("2025-01-31")}, map[string]string{"count": forms.KeyMessage}},
		{"date", "due=2025-01-31&born=1990-12-01", prefsForm{Born: day("1990-12-01"), Due: day("2025-01-31")}, nil},
		{"date missing", "", prefsForm{}, map[string]string{"due": forms.KeyMessage}},
		{"date impossible", "due=2025-02-30", prefsForm{}, map[string]string{"due": forms.KeyDate}},
		{"date wrong format", "due=31%2F01%2F2025", prefsForm{}, map[string]string{"due": forms.KeyDate}},
		{"date without zero padding", "due=2025-1-31", prefsForm{}, map[string]string{"due": forms.KeyDate}},
		{"repeated values", base + "&purposes=a&purposes=+b+&purposes=&purposes=c",
			prefsForm{Due: day("2025-01-31"), Purposes: []string{"a", "b", "c"}}, nil},
		{"too many values", base + "&purposes=a&purposes=b&purposes=c&purposes=d",
			prefsForm{Due: day("2025-01-31"), Purposes: []string{"a", "b", "c", "d"}}, map[string]string{"purposes": forms.KeyMessage}},
		{"one value too long", base + "&purposes=a&purposes=abcdef&purposes=ghijkl",
			prefsForm{Due: day("2025-01-31"), Purposes: []string{"a", "abcdef", "ghijkl"}}, map[string]string{"purposes": forms.KeyMessage}},
		{"bad text in a value", base + "&purposes=a&purposes=%00",
			prefsForm{Due: day("2025-01-31")}, map[string]string{"purposes": forms.KeyInvalidText}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f prefsForm
			err := forms.Decode(post(tt.body), &f, "zh-TW")
			if !reflect.DeepEqual(f, tt.want) {
				t.Errorf("struct %+v, want %+v", f, tt.want)
			}
			if got := problemKeys(t, err); !maps.Equal(got, tt.problems) {
				t.Errorf("problems %v, want %v", got, tt.problems)
			}
		})
	}
}

func TestTypeMessagesInBothLanguages(t *testing.T) {
	for _, tt := range []struct {
		body, field, zh, en string
	}{
		{"due=2025-13-01", "due", "請輸入有效的日期", "Enter a valid date"},
		{"due=2025-01-01&count=x", "count", "請輸入整數", "Enter a whole number"},
		{"due=2025-01-01&purposes=a&purposes=b&purposes=c&purposes=d", "purposes",
			label(i18n.ZH, "setup.name") + "最多只能包含3項", label(i18n.EN, "setup.name") + " must contain at maximum 3 items"},
		{"due=2025-01-01&purposes=abcdef", "purposes",
			label(i18n.ZH, "setup.name") + "長度不能超過5個字元", label(i18n.EN, "setup.name") + " must be a maximum of 5 characters in length"},
	} {
		for lang, want := range map[string]string{i18n.ZH: tt.zh, i18n.EN: tt.en} {
			got := rendered(t, forms.Decode(post(tt.body), &prefsForm{}, lang), lang)
			if !strings.HasPrefix(got[tt.field], want) {
				t.Errorf("%s %s: %q, want it to start %q", tt.body, lang, got[tt.field], want)
			}
		}
	}
}

func TestRuleWithoutTranslationFallsBack(t *testing.T) {
	type f struct {
		Code string `form:"code" label:"setup.name" validate:"lowercase"` // zh_tw has no text for it
	}
	got := rendered(t, forms.Decode(post("code=ABC"), &f{}, i18n.ZH), i18n.ZH)
	if want := cat.T(i18n.ZH, forms.KeyInvalidValue); got["code"] != want {
		t.Errorf("zh-TW: %q, want %q", got["code"], want)
	}
	got = rendered(t, forms.Decode(post("code=ABC"), &f{}, i18n.EN), i18n.EN)
	if want := label(i18n.EN, "setup.name") + " must be a lowercase string"; got["code"] != want {
		t.Errorf("en: %q, want %q", got["code"], want)
	}
}

func TestBodyLimitErrorIsReturnedAsIs(t *testing.T) {
	body := "notes=" + strings.Repeat("a", 1<<20)
	r := post(body)
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 4096)
	err := forms.Decode(r, &signupForm{}, "en")
	if _, ok := err.(*http.MaxBytesError); !ok {
		t.Fatalf("got %T %v, want *http.MaxBytesError", err, err)
	}
}

func TestMalformedRequests(t *testing.T) {
	for name, r := range map[string]*http.Request{
		"bad escape": post("email=%zz"),
		"semicolon":  post("email=a;name=b"),
		"multipart without a boundary": func() *http.Request {
			r := post("--x\r\n")
			r.Header.Set("Content-Type", "multipart/form-data")
			return r
		}(),
		"multipart cut short": func() *http.Request {
			r := post("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b")
			r.Header.Set("Content-Type", "multipart/form-data; boundary=x")
			return r
		}(),
		"no content type": func() *http.Request {
			r := post("email=a@b.example")
			r.Header.Del("Content-Type")
			return r
		}(),
	} {
		if err := forms.Decode(r, &signupForm{}, "en"); !errors.Is(err, forms.ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

// A form with a file input arrives as multipart: its text fields bind and are checked
// exactly as in an ordinary form.
func TestMultipartTextFieldsBind(t *testing.T) {
	body := "--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n a@b.example \r\n" +
		"--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbad\x00name\r\n--x--\r\n"
	r := post(body)
	r.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	var f signupForm
	err := forms.Decode(r, &f, "en")
	var inv *apperr.Invalid
	if !errors.As(err, &inv) || f.Email != "a@b.example" || inv.Problems[0].Key != forms.KeyInvalidText {
		t.Fatalf("multipart: %v %+v", err, f)
	}
}

func TestGETReadsTheQueryAndPOSTOnlyTheBody(t *testing.T) {
	var f signupForm
	r := httptest.NewRequest(http.MethodGet, "/search?"+enc("notes", "q", "email", "a@b.example", "name", "x", "password", "Str0ng!Passw0rd"), nil)
	if err := forms.Decode(r, &f, "en"); err != nil || f.Notes != "q" {
		t.Errorf("GET: %+v, %v", f, err)
	}
	f = signupForm{}
	r = post(enc("email", "a@b.example", "name", "x", "password", "Str0ng!Passw0rd"))
	r.URL.RawQuery = enc("notes", "from-the-link", "name", "y")
	if err := forms.Decode(r, &f, "en"); err != nil || f.Notes != "" || f.Name != "x" {
		t.Errorf("POST: %+v, %v", f, err)
	}
}

func TestProgrammingMistakesAreNotUserProblems(t *testing.T) {
	type noLabel struct {
		A string `form:"a" validate:"required"`
	}
	type noForm struct {
		A string `validate:"required"`
	}
	type badType struct {
		A float64 `form:"a"`
	}
	type twice struct {
		A string `form:"a"`
		B string `form:"a"`
	}
	type badOpt struct {
		A string `form:"a,notrimm"`
	}
	var s signupForm
	for name, dst := range map[string]any{
		"not a pointer": s, "nil": (*signupForm)(nil), "not a struct": new(string),
		"validate without label": &noLabel{}, "validate without form": &noForm{},
		"unsupported type": &badType{}, "key bound twice": &twice{}, "unknown option": &badOpt{},
	} {
		err := forms.Decode(post("a=1"), dst, "en")
		var inv *apperr.Invalid
		if err == nil || errors.As(err, &inv) || errors.Is(err, forms.ErrMalformed) {
			t.Errorf("%s: got %v, want a programming error", name, err)
		}
	}
}

func TestConcurrentDecodingInBothLanguages(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lang := []string{i18n.ZH, i18n.EN}[i%2]
			var f signupForm
			body := enc("email", fmt.Sprintf("u%d@b.example", i), "name", strings.Repeat("名", 11), "password", "Str0ng!Passw0rd")
			got := rendered(t, forms.Decode(post(body), &f, lang), lang)
			want := map[string]string{
				i18n.ZH: label(i18n.ZH, "setup.name") + "長度不能超過10個字元",
				i18n.EN: label(i18n.EN, "setup.name") + " must be a maximum of 10 characters in length",
			}[lang]
			if len(got) != 1 || got["name"] != want || f.Email != fmt.Sprintf("u%d@b.example", i) {
				t.Errorf("%d %s: %q %+v", i, lang, got, f)
			}
		}()
	}
	wg.Wait()
}
