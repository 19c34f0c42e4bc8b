package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/rights"
)

// View is what every page template receives: the language, the user, flash messages,
// asset URLs and the page's own data in Page.
type View struct {
	Lang       string
	AltLang    string
	AltLangURL string
	Path       string
	TitleKey   string
	RequestID  string
	User       *account.User
	Flashes    []Flash
	Problems   []apperr.Problem
	Page       any
	// Banner is a new notice version to announce prominently (0: none).
	Banner int
	// CookieBanner asks about the analytics cookie (not asked yet, no browser signal),
	// on pages reached by GET, so answering returns to RequestURI.
	CookieBanner bool
	RequestURI   string
	// Announcing links the public incident announcements from the footer (the home
	// page while one is recent, and the announcements themselves).
	Announcing bool
	// Nav is the header menu's state, set just before the page renders.
	Nav navState

	s *Core
}

// navState is what the header menu asks of every page: which link is the current page
// and which roles' links to show. Worked out once here; the layout asked `eq .Path` per
// link and hasRole per role, each a call through reflection on every page.
type navState struct {
	At struct {
		Home, Privacy, Staff, Queue, Disclosures, Traffic, AdminStaff, Audit bool
		Requests, Account, Inbox, SignIn, SignUp                             bool
	}
	Is struct{ Staff, Officer, Webmaster, Administrator bool }
	// SignedInAs names the signed-in person ("" for a visitor).
	SignedInAs template.HTML
}

func navFor(v *View) navState {
	var n navState
	switch v.Path {
	case "/":
		n.At.Home = true
	case "/privacy":
		n.At.Privacy = true
	case "/staff":
		n.At.Staff = true
	case "/officer/queue":
		n.At.Queue = true
	case "/officer/disclosures":
		n.At.Disclosures = true
	case "/webmaster/traffic":
		n.At.Traffic = true
	case "/admin/staff":
		n.At.AdminStaff = true
	case "/admin/audit":
		n.At.Audit = true
	case "/requests":
		n.At.Requests = true
	case "/account":
		n.At.Account = true
	case "/account/inbox":
		n.At.Inbox = true
	case "/signin":
		n.At.SignIn = true
	case "/signup":
		n.At.SignUp = true
	}
	u := v.User
	n.Is.Officer, n.Is.Webmaster, n.Is.Administrator = hasRole(u, "officer"), hasRole(u, "webmaster"), hasRole(u, "administrator")
	if u != nil {
		n.Is.Staff, n.SignedInAs = u.IsStaff(), v.TE("layout.signed_in_as", u.Name)
	}
	return n
}

// T translates a catalogue key into the page's language.
func (v *View) T(key string, args ...any) string { return v.s.Cat.T(v.Lang, key, args...) }

// TIn translates a key into another language than the page's: a language's own name in
// a list of languages, marked with its lang.
func (v *View) TIn(lang, key string) string { return v.s.Cat.T(lang, key) }

// TArgs is T with the values in a slice, for templates.
func (v *View) TArgs(key string, args []any) string { return v.T(key, args...) }

// Entered marks text a person typed (a name, a note): it is shown as typed, in whatever
// Language it was written, isolated from the sentence around it; class "entered" tells
// readers and tests it is no word of the portal's.
func (v *View) Entered(s string) template.HTML {
	return template.HTML(`<bdi class="entered">` + template.HTMLEscapeString(s) + `</bdi>`) // #nosec G203 -- escaped just above
}

// TE is T whose text arguments are texts people typed, each marked as Entered.
func (v *View) TE(key string, args ...any) template.HTML { return v.marked(key, v.Entered, args) }

// TZH is T whose text arguments are Chinese whatever the page's language (a Chinese
// document number), each marked as such for screen readers.
func (v *View) TZH(key string, args ...any) template.HTML {
	return v.marked(key, func(s string) template.HTML {
		return template.HTML(`<span lang="zh-TW">` + template.HTMLEscapeString(s) + `</span>`) // #nosec G203 -- escaped
	}, args)
}

// marked formats key's escaped message with its text arguments marked by mark; other
// arguments (numbers) are formatted as they are.
func (v *View) marked(key string, mark func(string) template.HTML, args []any) template.HTML {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			out[i] = mark(s)
		} else {
			out[i] = a
		}
	}
	return template.HTML(fmt.Sprintf(template.HTMLEscapeString(v.T(key)), out...)) // #nosec G203 -- the message is escaped, the texts by mark
}

// filedPanel is what the confirmation panel of a filing shows.
type filedPanel struct {
	Ref, Kind string
	Due       time.Time
	Guest     bool
}

// Filed is the filing this page confirms, if the form before it filed one.
func (v *View) Filed() *filedPanel {
	for _, f := range v.Flashes {
		if f.Kind != FlashFiled || len(f.Args) != 4 {
			continue
		}
		ref, _ := f.Args[0].(string)
		due, _ := f.Args[1].(string)
		kind, _ := f.Args[2].(string)
		guest, _ := f.Args[3].(bool)
		d, err := rights.ParseDate(due)
		if err != nil || !rights.ValidRef(ref) {
			continue
		}
		return &filedPanel{Ref: ref, Kind: kind, Due: d.Start(), Guest: guest}
	}
	return nil
}

// Messages are the flashes shown as messages (a filing's panel is shown on its own).
func (v *View) Messages() []Flash {
	var out []Flash
	for _, f := range v.Flashes {
		if f.Kind != FlashFiled {
			out = append(out, f)
		}
	}
	return out
}

// Flash renders a flash message with its values.
func (v *View) Flash(f Flash) string { return v.T(f.Key, f.Args...) }

// Has reports whether the catalogue has key in the page's language.
func (v *View) Has(key string) bool { return v.s.Cat.Has(v.Lang, key) }

// Asset returns the content-hashed URL of a static file.
func (v *View) Asset(name string) string { return assetURL(v.s.hashes, name) }

func assetURL(hashes map[string]string, name string) string {
	return "/static/" + hashes[name] + "/" + name
}

// Date formats a date the way readers of the page's language expect (Asia/Taipei).
func (v *View) Date(t time.Time) string {
	t = t.In(twtime.Zone)
	if v.Lang == i18n.EN {
		return t.Format("2 January 2006")
	}
	// As fmt.Sprintf("%d年%d月%d日") wrote it, without its formatting machinery: a
	// list shows two dates a row.
	var b [32]byte
	out := strconv.AppendInt(b[:0], int64(t.Year()), 10)
	out = append(out, "年"...)
	out = strconv.AppendInt(out, int64(t.Month()), 10)
	out = append(out, "月"...)
	out = strconv.AppendInt(out, int64(t.Day()), 10)
	return string(append(out, "日"...))
}

// Problem renders a validation problem in the page's language.
func (v *View) Problem(p apperr.Problem) string { return v.T(p.Key, p.Args...) }

// FieldError returns the first problem for a form field, or "".
func (v *View) FieldError(field string) string {
	for _, p := range v.Problems {
		if p.Field == field {
			return v.Problem(p)
		}
	}
	return ""
}

// View builds the common part of every page from the request.
func (s *Core) View(c *gin.Context, titleKey string, page any) *View {
	v := s.newView(c.Request, c.GetString(KeyLang), c.GetString(KeyRequestID), titleKey, page)
	v.User = CurrentUser(c)
	v.Flashes = s.takeFlashes(c)
	v.Banner = s.noticeBanner(c)
	// Staff are never counted, so they are not asked.
	v.CookieBanner = s.Counter != nil && c.Request.Method == http.MethodGet && s.AnalyticsChoice(c.Request) == ChoiceNone &&
		c.FullPath() != "/cookies" && (v.User == nil || !v.User.IsStaff())
	v.RequestURI = c.Request.URL.RequestURI()
	return v
}

// TextView is the catalogue in the request's language, for answers that are not pages
// (CSV exports): unlike view it neither takes the pending flash messages nor looks up
// the notice and cookie banners.
func (s *Core) TextView(c *gin.Context) *View {
	return s.newView(c.Request, c.GetString(KeyLang), c.GetString(KeyRequestID), "", nil)
}

func (s *Core) newView(r *http.Request, lang, requestID, titleKey string, page any) *View {
	if lang == "" {
		lang = requestLang(r)
	}
	alt := i18n.EN
	if lang == i18n.EN {
		alt = i18n.ZH
	}
	return &View{
		Lang: lang, AltLang: alt, Path: r.URL.Path, TitleKey: titleKey, RequestID: requestID, Page: page, s: s,
		AltLangURL: "/lang?" + url.Values{"to": {alt}, "next": {r.URL.RequestURI()}}.Encode(),
	}
}

// Render writes a page for a Gin handler.
// RenderForm renders a form page with the problems that stop it (inv nil: none), as
// every form shows itself again.
func (s *Core) RenderForm(c *gin.Context, status int, name, titleKey string, page any, inv *apperr.Invalid) {
	v := s.View(c, titleKey, page)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.Render(c, status, name, v)
}

func (s *Core) Render(c *gin.Context, status int, page string, v *View) {
	s.writePage(c.Writer, status, page, v)
}

// writePage executes a page into a buffer first, so a template failure becomes a clean
// 500 instead of half a page.
func (s *Core) writePage(w http.ResponseWriter, status int, page string, v *View) {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	v.Nav = navFor(v)
	if err := s.Templates.Execute(buf, v.Lang, page, v); err != nil {
		s.Log.Error("render", "page", page, "request_id", v.RequestID, "err", err)
		buf.Reset()
		status = http.StatusInternalServerError
		v.Page = ErrorPage{Status: status}
		v.TitleKey = "error.500.title"
		if page == "error" || s.Templates.Execute(buf, v.Lang, "error", v) != nil {
			buf.Reset()
			buf.WriteString("500 Internal Server Error")
		}
	}
	h := w.Header()
	htmlType.Set(h)
	noStore.Set(h)
	// The length is known: the response goes out as one piece, not chunked.
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

var htmlType, noStore = fixed("Content-Type", "text/html; charset=utf-8"), fixed("Cache-Control", "no-store")

// pageBuffers hold pages while they render: a page grew its buffer from nothing in
// several steps, about twice its size in garbage a request.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putPageBuffer returns buf to the pool unless an unusually large page (an export
// rendered as a page) grew it: that memory goes back to the collector.
func putPageBuffer(buf *bytes.Buffer) {
	if buf.Cap() > 1<<20 {
		return
	}
	buf.Reset()
	pageBuffers.Put(buf)
}

// ViewIn is the catalogue in lang, for words outside a page (a letter, a mail, an API answer).
func (s *Core) ViewIn(lang string) *View { return &View{Lang: lang, s: s} }
