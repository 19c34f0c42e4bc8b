package handlers

import (
	"context"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/mail"
)

type profileForm struct {
	Name    string `form:"name" validate:"required,max=100" label:"profile.name"`
	Phone   string `form:"phone" validate:"max=30" label:"profile.phone"`
	Address string `form:"address" validate:"max=200" label:"profile.address"`
	Lang    string `form:"lang" validate:"omitempty,oneof=zh-TW en" label:"profile.lang"`
}

// langOption is one language of the profile's list: its code, its name in itself, and
// whether it is the chosen one (worked out here, not by eq and TIn per option).
type langOption struct {
	Code, Name string
	Selected   bool
}

func (s *Server) langOptions(chosen string) []langOption {
	out := []langOption{{Code: i18n.ZH}, {Code: i18n.EN}}
	for i := range out {
		out[i].Name, out[i].Selected = s.cat.T(out[i].Code, "lang."+out[i].Code), out[i].Code == chosen
	}
	return out
}

type profilePage struct {
	Prefix  string
	Values  map[string]string
	Langs   []langOption
	Session *account.Session
	// Stopped are the purposes an approved stop request restricted, each liftable.
	Stopped []stoppedRow
}

type stoppedRow struct {
	ID, Name string
	Since    time.Time
}

// stoppedRows names the person's stopped purposes in the page's language.
func (s *Server) stoppedRows(c *gin.Context, u *account.User) ([]stoppedRow, error) {
	if len(u.Stopped) == 0 {
		return nil, nil
	}
	names, err := s.purposeNames(c.Request.Context())
	if err != nil {
		return nil, err
	}
	v := &View{Lang: c.GetString(keyLang), s: s}
	var out []stoppedRow
	for id, at := range u.Stopped {
		out = append(out, stoppedRow{ID: id, Name: v.PurposeName(id, names), Since: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *Server) profileValues(u *account.User) map[string]string {
	lang := u.Lang
	if lang == "" {
		lang = i18n.ZH
	}
	return map[string]string{"name": u.Name, "phone": u.Phone, "address": u.Address, "lang": lang}
}

// accountPage shows the signed-in person's details and the form to change them.
func (s *Server) accountPage(c *gin.Context) {
	u := currentUser(c)
	p := profilePage{Prefix: "profile", Values: s.profileValues(u)}
	p.Langs = s.langOptions(p.Values["lang"])
	var err error
	if p.Stopped, err = s.stoppedRows(c, u); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "account", s.view(c, "account.title", p))
}

func (s *Server) profileSubmit(c *gin.Context) {
	u := currentUser(c)
	var f profileForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) == 0 {
		_, err := s.Accounts.UpdateProfile(c.Request.Context(), u.ID, account.Profile{Name: f.Name, Phone: f.Phone, Address: f.Address, Lang: f.Lang})
		if inv, err = merge(inv, err); err != nil {
			s.fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			s.addFlash(c, flashSuccess, "flash.profile_saved")
			c.Redirect(http.StatusSeeOther, "/account")
			return
		}
	}
	p := profilePage{Prefix: "profile", Values: map[string]string{"name": f.Name, "phone": f.Phone, "address": f.Address, "lang": f.Lang}}
	p.Langs = s.langOptions(f.Lang)
	p.Stopped, _ = s.stoppedRows(c, u) // the form's problems matter more than this list
	v := s.view(c, "account.title", p)
	inFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.render(c, http.StatusBadRequest, "account", v)
}

// resendVerification mails a fresh verification link.
func (s *Server) resendVerification(c *gin.Context) {
	if s.limited(c, s.signUpLimit) {
		return
	}
	if err := s.Accounts.ResendVerification(c.Request.Context(), currentUser(c)); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.verification_sent")
	c.Redirect(http.StatusSeeOther, "/account")
}

type passwordForm struct {
	Current         string `form:"current_password,notrim" validate:"required,max=256" label:"password.current_password"`
	Password        string `form:"password,notrim" validate:"required,max=256" label:"password.password"`
	PasswordConfirm string `form:"password_confirm,notrim" validate:"required,max=256" label:"password.password_confirm"`
}

type passwordPage struct {
	Prefix string
	Forced bool
}

func (s *Server) passwordPage(c *gin.Context) {
	p := passwordPage{Prefix: "password", Forced: s.Accounts.NeedsPasswordChange(currentUser(c))}
	s.render(c, http.StatusOK, "password", s.view(c, "password.title", p))
}

// passwordSubmit changes the password; the account's other sessions end.
func (s *Server) passwordSubmit(c *gin.Context) {
	u := currentUser(c)
	// The current password is checked here as at sign-in: whoever holds a session
	// (a borrowed computer) must not guess it without limit, from any number of addresses.
	if s.limited(c, s.passwordLimit, "account:"+u.ID) {
		return
	}
	var f passwordForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.Password != f.PasswordConfirm {
		addOnce(inv, "password_confirm", "password.mismatch")
	}
	if len(inv.Problems) == 0 {
		keep := ""
		if se, ok := c.Get(keySession); ok {
			keep = se.(*account.Session).ID
		}
		_, err := s.Accounts.ChangePassword(c.Request.Context(), u, keep, f.Current, f.Password)
		if inv, err = merge(inv, err); err != nil {
			s.fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			s.addFlash(c, flashSuccess, "flash.password_changed")
			target := "/account"
			if u.IsStaff() {
				target = "/staff"
			}
			c.Redirect(http.StatusSeeOther, target)
			return
		}
	}
	v := s.view(c, "password.title", passwordPage{Prefix: "password", Forced: s.Accounts.NeedsPasswordChange(u)})
	inFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.render(c, http.StatusBadRequest, "password", v)
}

// inboxMessage is a message as the inbox shows it: worded in the page's language, or,
// for one stored worded, in the language it was sent in (Lang, then marked on the page).
type inboxMessage struct {
	*mail.Message
	Subject, Body template.HTML
	Lang          string // "" when worded in the page's language
	Hidden        bool   // the body carries a link meant only for the mailbox
}

// inboxText marks what people wrote in a worded mail as such.
func inboxText(t mail.Worded) template.HTML {
	var b strings.Builder
	for _, r := range t {
		if r.Entered {
			b.WriteString(`<bdi class="entered">` + template.HTMLEscapeString(r.S) + `</bdi>`)
		} else {
			b.WriteString(template.HTMLEscapeString(r.S))
		}
	}
	return template.HTML(b.String()) // #nosec G203 -- every run escaped just above
}

// worded words m for the inbox in lang, the same wording as the mail sent.
// A list words subjects only (body false): bodies may name purposes, which costs a read.
func (s *Server) worded(ctx context.Context, m *mail.Message, lang string, body bool) (*inboxMessage, error) {
	subject, in := s.MailWords.Subject(ctx, m, lang)
	out := &inboxMessage{Message: m, Subject: inboxText(subject), Hidden: secretKinds[m.Kind]}
	if body && !out.Hidden {
		_, text, _, err := s.MailWords.Word(ctx, m, lang)
		if err != nil {
			return nil, err
		}
		out.Body = inboxText(trimText(text))
	}
	if in != lang {
		out.Lang = in
	}
	return out, nil
}

// trimText drops the blank lines around a body.
func trimText(t mail.Worded) mail.Worded {
	if len(t) == 0 {
		return t
	}
	t = append(mail.Worded(nil), t...)
	t[0].S = strings.TrimLeft(t[0].S, " \n")
	t[len(t)-1].S = strings.TrimRight(t[len(t)-1].S, " \n")
	return t
}

// secretKinds are mails whose link must be opened from the mailbox itself: showing it
// here would let whoever signed up with someone else's address verify it.
var secretKinds = map[string]bool{account.MailVerify: true, account.MailReset: true}

// inboxPageSize is how many subjects one page of the inbox lists.
const inboxPageSize = 20

type inboxFilter struct {
	Page int `form:"page" validate:"min=0,max=100000" label:"queue.page"`
}

type inboxPage struct {
	Messages []*inboxMessage
	// Newer and Older are the neighbouring pages' numbers (-1: none).
	Newer, Older int
}

// inbox lists the subjects of the person's mail, newest first, a page at a time; each
// opens on its own page (inboxMessage).
func (s *Server) inbox(c *gin.Context) {
	var f inboxFilter
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		f = inboxFilter{} // a hand-edited address falls back to the newest page
	}
	u := currentUser(c)
	msgs, more, err := s.Mail.ForUserPage(c.Request.Context(), u.ID, f.Page*inboxPageSize, inboxPageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := inboxPage{Newer: f.Page - 1, Older: -1}
	for _, m := range msgs {
		w, err := s.worded(c.Request.Context(), m, c.GetString(keyLang), false)
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Messages = append(p.Messages, w)
	}
	if more {
		p.Older = f.Page + 1
	}
	s.render(c, http.StatusOK, "inbox", s.view(c, "inbox.title", p))
}

// inboxMessage shows one of the person's messages; anyone else's is not found.
func (s *Server) inboxMessage(c *gin.Context) {
	id := c.Param("id")
	if len(id) > 40 || !strings.HasPrefix(id, "m_") {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	m, err := s.Mail.Message(c.Request.Context(), currentUser(c).ID, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.worded(c.Request.Context(), m, c.GetString(keyLang), true)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "inbox_message", s.view(c, "inbox.title", out))
}
