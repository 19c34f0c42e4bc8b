// Package forms decodes an HTML form (application/x-www-form-urlencoded) into a struct and
// validates it with go-playground/validator, reporting every problem as an apperr.Problem
// that renders in the visitor's language (zh-TW, the default, or en).
//
// A form is a struct; its fields say how they are bound and checked with tags:
//
//	form:"email"             the form key bound to the field. Only fields with a form tag
//	                         are bound; form:"-" or no tag means never bound.
//	form:"password,notrim"   keep the value exactly as sent (passwords). Other text loses
//	                         surrounding white space, the ideographic space U+3000 included.
//	validate:"required,max=254"
//	                         validator/v10 rules. For strings min/max count characters
//	                         (runes), not bytes; for []string they count values.
//	label:"setup.email"      catalogue key of the field's label. Messages name the field by
//	                         this label in the visitor's language. Required with validate.
//
// Supported field types: string, bool (a checkbox: "on", "true" or "1" is true, absence is
// false), int and its sized variants (full-width digits are accepted), []string (every
// value of a repeated key, for checkbox groups; blank values are dropped unless the tag
// says keepblank, which keeps repeated text areas aligned by position; cap the count
// with max=N), and time.Time for <input type="date"> (2006-01-02, a calendar date at
// midnight UTC). Every date read — a time.Time field, or a string field checked with
// validator's datetime=LAYOUT — must lie within EarliestDate and LatestDate, so no year
// 0001 or 9999 reaches the domain, where it would overflow durations or read for ever.
//
// Binding is deliberately narrow, because the input is hostile: a scalar takes the first
// value of a repeated key; keys the struct does not name (extra fields, "email[$ne]",
// "$where") are ignored; every bound field is overwritten, so an absent key leaves the
// zero value; text with invalid UTF-8, NUL or other control characters (tab and line
// breaks excepted) is refused with "validation.invalid_text". POST, PUT and PATCH read the
// body only; other methods read the query string.
//
// Problems use these catalogue keys: "validation.message" (validator's own sentence, in the
// visitor's language, as the single argument), "validation.invalid_text",
// "validation.invalid_value", "validation.integer", "validation.date" and
// "validation.date_range" (with the two bounds as arguments). A field gets at
// most one problem; problems follow the struct's field order.
package forms

import (
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/zh_Hant_TW"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	en_translations "github.com/go-playground/validator/v10/translations/en"
	zh_tw_translations "github.com/go-playground/validator/v10/translations/zh_tw"
	"golang.org/x/text/width"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
)

// ErrMalformed wraps a request whose form cannot be read at all (wrong content type, broken
// percent-encoding). Answer it with 400; the user cannot fix it by editing fields.
var ErrMalformed = errors.New("forms: malformed form")

// errUploadCut is a multipart body that stopped arriving before its end (the server's
// read deadline for uploads passed): the text typed is read back, the files are lost.
var errUploadCut = errors.New("forms: upload cut short")

// KeyUploadCut is the problem of an upload cut short; its argument is MinUploadRate in KB/s.
const KeyUploadCut = "files.upload_cut"

// MinUploadRate is the slowest upload (bytes a second, on average) the server waits for
// beyond its first minute.
const MinUploadRate = 20 << 10

// DateLayout is the value format of <input type="date">.
const DateLayout = "2006-01-02"

// Catalogue keys of the problems Decode reports.
const (
	KeyMessage      = "validation.message"
	KeyInvalidText  = "validation.invalid_text"
	KeyInvalidValue = "validation.invalid_value"
	KeyInteger      = "validation.integer"
	KeyDate         = "validation.date"
	KeyDateRange    = "validation.date_range"
)

// EarliestDate and LatestDate bound every date a form gives: nothing the portal records
// happened before 1970, and nothing it schedules is later than 2099.
var (
	EarliestDate = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestDate   = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

// DateInRange reports whether t's calendar date lies within EarliestDate and LatestDate.
func DateInRange(t time.Time) bool {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return !d.Before(EarliestDate) && !d.After(LatestDate)
}

// rangeProblem is the problem of a date outside the bounds, naming them.
func rangeProblem(field string) *apperr.Problem {
	return &apperr.Problem{Field: field, Key: KeyDateRange, Args: []any{EarliestDate.Format(DateLayout), LatestDate.Format(DateLayout)}}
}

// Decode reads r's form into dst, a non-nil pointer to a struct tagged as the package
// documentation describes, trims and checks the text and validates the result. It returns
//
//   - nil when the form is valid;
//   - *apperr.Invalid listing the problems, each with Field set to the form key;
//   - the *http.MaxBytesError itself when the body exceeds the limit set by middleware (413);
//   - an error wrapping ErrMalformed when the form cannot be parsed (400);
//   - any other error for a programming mistake in dst's type (500).
//
// lang is the visitor's language; anything unsupported means zh-TW.
func Decode(r *http.Request, dst any, lang string) error {
	e, err := loadEngine()
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("forms: Decode needs a non-nil pointer to a struct, got %T", dst)
	}
	sp, err := specFor(rv.Elem().Type())
	if err != nil {
		return err
	}
	vals, err := formValues(r)
	cut := errors.Is(err, errUploadCut)
	if err != nil && !cut {
		return err
	}
	if lang = i18n.Normalize(lang); lang == "" {
		lang = i18n.ZH
	}

	// problems[i] is the problem of field sp.fields[i], if any; one per field.
	problems := make([]*apperr.Problem, len(sp.fields))
	sv := rv.Elem()
	for i := range sp.fields {
		f := &sp.fields[i]
		if key := f.bind(sv.Field(f.index), vals[f.name]); key == KeyDateRange {
			problems[i] = rangeProblem(f.name)
		} else if key != "" {
			problems[i] = &apperr.Problem{Field: f.name, Key: key}
		}
	}

	var extra []apperr.Problem // failures on fields the form does not bind
	if err := e.v.Struct(dst); err != nil {
		var ves validator.ValidationErrors
		if !errors.As(err, &ves) {
			return fmt.Errorf("forms: validate %T: %w", dst, err)
		}
		for _, fe := range ves {
			i, ok := sp.byGoName[goName(fe.StructField())]
			if ok && problems[i] != nil {
				continue // already refused while binding, or a later element of a slice
			}
			label := fe.Field()
			if ok {
				label = e.cat.T(lang, sp.fields[i].label)
			}
			p := e.problem(fe, lang, label)
			if !ok {
				extra = append(extra, p)
				continue
			}
			p.Field = sp.fields[i].name
			problems[i] = &p
		}
	}

	// A date string the validator accepted must still lie within the bounds.
	for i := range sp.fields {
		f := &sp.fields[i]
		if f.layout == "" || problems[i] != nil {
			continue
		}
		if s := sv.Field(f.index).String(); s != "" {
			if d, err := time.Parse(f.layout, s); err == nil && !DateInRange(d) {
				problems[i] = rangeProblem(f.name)
			}
		}
	}

	inv := &apperr.Invalid{}
	if cut {
		inv.Add("", KeyUploadCut, MinUploadRate>>10)
	}
	for _, p := range problems {
		if p != nil {
			inv.Problems = append(inv.Problems, *p)
		}
	}
	inv.Problems = append(inv.Problems, extra...)
	return inv.OrNil()
}

// engine is the shared validator with both languages' translations; built once, then only
// read, so it is safe for concurrent use.
type engine struct {
	v     *validator.Validate
	trans map[string]ut.Translator // by i18n language tag
	cat   *i18n.Catalog
}

var loadEngine = sync.OnceValues(func() (*engine, error) {
	cat, err := i18n.Load()
	if err != nil {
		return nil, fmt.Errorf("forms: %w", err)
	}
	v := validator.New(validator.WithRequiredStructEnabled())
	// Messages name a field by its label's catalogue key; problem() swaps in the label's
	// text for the visitor's language, since this function cannot know the language.
	v.RegisterTagNameFunc(func(sf reflect.StructField) string {
		if l := sf.Tag.Get("label"); l != "" && l != "-" {
			return l
		}
		if name, _ := parseFormTag(sf.Tag.Get("form")); name != "" {
			return name
		}
		return sf.Name
	})
	uni := ut.New(zh_Hant_TW.New(), zh_Hant_TW.New(), en.New())
	zh, _ := uni.GetTranslator("zh_Hant_TW")
	eng, _ := uni.GetTranslator("en")
	if err := zh_tw_translations.RegisterDefaultTranslations(v, zh); err != nil {
		return nil, fmt.Errorf("forms: zh-TW translations: %w", err)
	}
	if err := en_translations.RegisterDefaultTranslations(v, eng); err != nil {
		return nil, fmt.Errorf("forms: en translations: %w", err)
	}
	return &engine{v: v, trans: map[string]ut.Translator{i18n.ZH: zh, i18n.EN: eng}, cat: cat}, nil
})

// problem turns a validator failure into a problem in lang, the field named by label.
func (e *engine) problem(fe validator.FieldError, lang, label string) apperr.Problem {
	msg := fe.Translate(e.trans[lang])
	if msg == fe.Error() { // no translation for this rule in lang
		return apperr.Problem{Key: KeyInvalidValue}
	}
	// fe.Field() is the label key (with "[n]" for a slice element), as the tag name
	// function returned it; the translation put it where the field's name belongs.
	msg = strings.ReplaceAll(msg, fe.Field(), label)
	return apperr.Problem{Key: KeyMessage, Args: []any{msg}}
}

// goName strips a slice index: "Purposes[3]" → "Purposes".
func goName(structField string) string {
	if i := strings.IndexByte(structField, '['); i >= 0 {
		return structField[:i]
	}
	return structField
}

// formValues parses the form: the body for POST, PUT and PATCH, the query otherwise.
func formValues(r *http.Request) (url.Values, error) {
	body := r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch
	if body {
		ct := r.Header.Get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		switch {
		case err == nil && mt == "multipart/form-data":
			// A form with file inputs: the text fields bind as usual; the files stay in
			// r.MultipartForm for the handler. Parts beyond 1 MiB go to temporary files.
			// A control character in a part's headers would lose the whole form.
			var cleaner *headerCleaner
			boundary := params["boundary"]
			if boundary != "" && r.Body != nil {
				cleaner = cleanPartHeaders(r.Body, boundary)
				r.Body = readCloser{cleaner, r.Body}
			}
			if err := r.ParseMultipartForm(1 << 20); err != nil { // #nosec G120 -- the body is capped by the server's MaxBytesReader (PORTAL_MAX_BODY)
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, mbe
				}
				if cleaner != nil && errors.Is(err, os.ErrDeadlineExceeded) {
					// The upload was too slow and cut off: no file is kept, but what was
					// typed comes back to the form.
					vals := typedValues(cleaner.text.Bytes(), boundary)
					r.MultipartForm = &multipart.Form{Value: vals, File: map[string][]*multipart.FileHeader{}}
					return url.Values(vals), errUploadCut
				}
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			return url.Values(r.MultipartForm.Value), nil
		case err != nil || mt != "application/x-www-form-urlencoded":
			return nil, fmt.Errorf("%w: content type %q", ErrMalformed, ct)
		}
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, mbe
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if body {
		return r.PostForm, nil
	}
	return r.Form, nil
}

type kind int

const (
	kindString kind = iota
	kindBool
	kindInt
	kindStrings
	kindDate
)

// field is how one struct field is bound.
type field struct {
	index     int
	name      string // form key
	label     string // catalogue key
	notrim    bool
	keepblank bool
	kind      kind
	layout    string // a string field's date layout, from validator's datetime=
}

type spec struct {
	fields   []field
	byGoName map[string]int // Go field name → index in fields
}

var specs sync.Map // reflect.Type → *spec or error

func specFor(t reflect.Type) (*spec, error) {
	if v, ok := specs.Load(t); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*spec), nil
	}
	sp, err := buildSpec(t)
	if err != nil {
		specs.Store(t, err)
		return nil, err
	}
	specs.Store(t, sp)
	return sp, nil
}

var timeType = reflect.TypeFor[time.Time]()

func buildSpec(t reflect.Type) (*spec, error) {
	sp := &spec{byGoName: map[string]int{}}
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts := parseFormTag(sf.Tag.Get("form"))
		validate, label := sf.Tag.Get("validate"), sf.Tag.Get("label")
		if name == "" {
			if validate != "" && validate != "-" && sf.IsExported() {
				return nil, fmt.Errorf("forms: %s.%s has a validate tag but no form tag", t, sf.Name)
			}
			continue
		}
		if !sf.IsExported() {
			return nil, fmt.Errorf("forms: %s.%s is unexported but has a form tag", t, sf.Name)
		}
		if validate != "" && validate != "-" && label == "" {
			return nil, fmt.Errorf("forms: %s.%s has a validate tag but no label tag", t, sf.Name)
		}
		if seen[name] {
			return nil, fmt.Errorf("forms: %s: form key %q is bound twice", t, name)
		}
		seen[name] = true
		f := field{index: i, name: name, label: label}
		for _, o := range opts {
			switch o {
			case "notrim":
				f.notrim = true
			case "keepblank":
				f.keepblank = true
			default:
				return nil, fmt.Errorf("forms: %s.%s: unknown form tag option %q", t, sf.Name, o)
			}
		}
		switch k := sf.Type.Kind(); {
		case sf.Type == timeType:
			f.kind = kindDate
		case k == reflect.String:
			f.kind = kindString
			for _, rule := range strings.Split(validate, ",") {
				if l, ok := strings.CutPrefix(rule, "datetime="); ok {
					f.layout = l
				}
			}
		case k == reflect.Bool:
			f.kind = kindBool
		case k >= reflect.Int && k <= reflect.Int64:
			f.kind = kindInt
		case k == reflect.Slice && sf.Type.Elem().Kind() == reflect.String:
			f.kind = kindStrings
		default:
			return nil, fmt.Errorf("forms: %s.%s: type %s cannot be bound", t, sf.Name, sf.Type)
		}
		sp.byGoName[sf.Name] = len(sp.fields)
		sp.fields = append(sp.fields, f)
	}
	return sp, nil
}

// parseFormTag splits `form:"name,opt,…"`; "-" means no name.
func parseFormTag(tag string) (name string, opts []string) {
	parts := strings.Split(tag, ",")
	if parts[0] == "-" {
		return "", nil
	}
	return parts[0], parts[1:]
}

// bind sets v from the form values of f's key; it returns a problem key, or "" when the
// values are acceptable. On a problem v keeps its zero value.
func (f *field) bind(v reflect.Value, vals []string) string {
	v.SetZero()
	if f.kind == kindStrings {
		var out []string
		for _, s := range vals {
			if !cleanText(s) {
				return KeyInvalidText
			}
			if s = f.trim(s); s != "" || f.keepblank {
				out = append(out, s)
			}
		}
		v.Set(reflect.ValueOf(out).Convert(v.Type()))
		return ""
	}
	if len(vals) == 0 {
		return ""
	}
	s := vals[0]
	if !cleanText(s) {
		return KeyInvalidText
	}
	s = f.trim(s)
	switch f.kind {
	case kindString:
		v.SetString(s)
	case kindBool:
		switch strings.ToLower(s) {
		case "on", "true", "1":
			v.SetBool(true)
		case "", "off", "false", "0":
		default:
			return KeyInvalidValue
		}
	case kindInt:
		if s == "" {
			return ""
		}
		n, err := strconv.ParseInt(width.Narrow.String(s), 10, v.Type().Bits())
		if err != nil {
			return KeyInteger
		}
		v.SetInt(n)
	case kindDate:
		if s == "" {
			return ""
		}
		d, err := time.Parse(DateLayout, width.Narrow.String(s))
		if err != nil {
			return KeyDate
		}
		if !DateInRange(d) {
			return KeyDateRange
		}
		v.Set(reflect.ValueOf(d))
	}
	return ""
}

func (f *field) trim(s string) string {
	if f.notrim {
		return s
	}
	return strings.TrimSpace(s)
}

// cleanText reports whether s is valid UTF-8 without control characters other than tab,
// line feed and carriage return (which a textarea may send).
// ValidText reports whether s is acceptable text: valid UTF-8 without NUL or other
// control characters (tab and line breaks excepted). The JSON API applies the same rule.
func ValidText(s string) bool { return cleanText(s) }

func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
