package citizen

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/mail"
)

type profileForm struct {
	Name    string `form:"name" validate:"required,max=100" label:"profile.name"`
	Phone   string `form:"phone" validate:"max=30" label:"profile.phone"`
	Address string `form:"address" validate:"max=200" label:"profile.address"`
	Lang    string `form:"lang" validate:"omitempty,oneof=zh-TW en" label:"profile.lang"`
}

// Values are the form's fields as the page shows them again.
func (f *profileForm) Values() map[string]string {
	return map[string]string{"name": f.Name, "phone": f.Phone, "address": f.Address, "lang": f.Lang}
}

// langOption is one language of the profile's list: its code, its name in itself, and
// whether it is the chosen one (worked out here, not by eq and TIn per option).
type langOption struct {
	Code, Name string
	Selected   bool
}

func (h *Handlers) langOptions(chosen string) []langOption {
	out := []langOption{{Code: i18n.ZH}, {Code: i18n.EN}}
	for i := range out {
		out[i].Name, out[i].Selected = h.Cat.T(out[i].Code, "lang."+out[i].Code), out[i].Code == chosen
	}
	return out
}

type profilePage struct {
	Prefix  string
	Values  map[string]string
	Langs   []langOption
	Session *account.Session
	// Stopped are the purposes an approved stop request restricted, each liftable.
	Stopped []cases.StoppedRow
}

func (h *Handlers) profileValues(u *account.User) map[string]string {
	lang := u.Lang
	if lang == "" {
		lang = i18n.ZH
	}
	return map[string]string{"name": u.Name, "phone": u.Phone, "address": u.Address, "lang": lang}
}

// AccountPage shows the signed-in person's details and the form to change them.
func (h *Handlers) AccountPage(c *gin.Context) error {
	u := web.CurrentUser(c)
	p := profilePage{Prefix: "profile", Values: h.profileValues(u)}
	p.Langs = h.langOptions(p.Values["lang"])
	var err error
	if p.Stopped, err = h.StoppedRows(c, u); err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "account", h.View(c, "account.title", p))
	return nil
}

func (h *Handlers) ProfileSubmit(c *gin.Context) error {
	u := web.CurrentUser(c)
	var f profileForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) == 0 {
		_, err := h.Accounts.UpdateProfile(c.Request.Context(), u.ID, account.Profile{Name: f.Name, Phone: f.Phone, Address: f.Address, Lang: f.Lang})
		if inv, err = web.Merge(inv, err); err != nil {
			return err
		}
		if len(inv.Problems) == 0 {
			h.AddFlash(c, web.FlashSuccess, "flash.profile_saved")
			c.Redirect(http.StatusSeeOther, "/account")
			return nil
		}
	}
	p := profilePage{Prefix: "profile", Values: f.Values()}
	p.Langs = h.langOptions(f.Lang)
	p.Stopped, _ = h.StoppedRows(c, u) // the form's problems matter more than this list
	v := h.View(c, "account.title", p)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	h.Render(c, http.StatusBadRequest, "account", v)
	return nil
}

// ResendVerification mails a fresh verification link.
func (h *Handlers) ResendVerification(c *gin.Context) error {
	if err := h.Limited(c, h.signUpLimit); err != nil {
		return err
	}
	if err := h.Accounts.ResendVerification(c.Request.Context(), web.CurrentUser(c)); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.verification_sent")
	c.Redirect(http.StatusSeeOther, "/account")
	return nil
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

func (h *Handlers) PasswordPage(c *gin.Context) error {
	p := passwordPage{Prefix: "password", Forced: h.Accounts.NeedsPasswordChange(web.CurrentUser(c))}
	h.Render(c, http.StatusOK, "password", h.View(c, "password.title", p))
	return nil
}

// PasswordSubmit changes the password; the account's other sessions end.
func (h *Handlers) PasswordSubmit(c *gin.Context) error {
	u := web.CurrentUser(c)
	// The current password is checked here as at sign-in: whoever holds a session
	// (a borrowed computer) must not guess it without limit, from any number of addresses.
	if err := h.Limited(c, h.passwordLimit, "account:"+u.ID); err != nil {
		return err
	}
	var f passwordForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if f.Password != f.PasswordConfirm {
		web.AddOnce(inv, "password_confirm", "password.mismatch")
	}
	if len(inv.Problems) == 0 {
		keep := ""
		if se, ok := c.Get(web.KeySession); ok {
			keep = se.(*account.Session).ID
		}
		_, err := h.Accounts.ChangePassword(c.Request.Context(), u, keep, f.Current, f.Password)
		if inv, err = web.Merge(inv, err); err != nil {
			return err
		}
		if len(inv.Problems) == 0 {
			h.AddFlash(c, web.FlashSuccess, "flash.password_changed")
			target := "/account"
			if u.IsStaff() {
				target = "/staff"
			}
			c.Redirect(http.StatusSeeOther, target)
			return nil
		}
	}
	v := h.View(c, "password.title", passwordPage{Prefix: "password", Forced: h.Accounts.NeedsPasswordChange(u)})
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	h.Render(c, http.StatusBadRequest, "password", v)
	return nil
}

// InboxMessage is a message as the inbox shows it: worded in the page's language, or,
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
func (h *Handlers) worded(ctx context.Context, m *mail.Message, lang string, body bool) (*inboxMessage, error) {
	subject, in := h.mailWords.Subject(ctx, m, lang)
	out := &inboxMessage{Message: m, Subject: inboxText(subject), Hidden: secretKinds[m.Kind]}
	if body && !out.Hidden {
		_, text, _, err := h.mailWords.Word(ctx, m, lang)
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

// Inbox lists the subjects of the person's mail, newest first, a page at a time; each
// opens on its own page (inboxMessage).
func (h *Handlers) Inbox(c *gin.Context) error {
	var f inboxFilter
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		f = inboxFilter{} // a hand-edited address falls back to the newest page
	}
	u := web.CurrentUser(c)
	msgs, more, err := h.mail.ForUserPage(c.Request.Context(), u.ID, f.Page*inboxPageSize, inboxPageSize)
	if err != nil {
		return err
	}
	p := inboxPage{Newer: f.Page - 1, Older: -1}
	for _, m := range msgs {
		w, err := h.worded(c.Request.Context(), m, c.GetString(web.KeyLang), false)
		if err != nil {
			return err
		}
		p.Messages = append(p.Messages, w)
	}
	if more {
		p.Older = f.Page + 1
	}
	h.Render(c, http.StatusOK, "inbox", h.View(c, "inbox.title", p))
	return nil
}

// InboxMessage shows one of the person's messages; anyone else's is not found.
func (h *Handlers) InboxMessage(c *gin.Context) error {
	id := c.Param("id")
	if len(id) > 40 || !strings.HasPrefix(id, "m_") {
		return apperr.ErrNotFound
	}
	m, err := h.mail.Message(c.Request.Context(), web.CurrentUser(c).ID, id)
	if err != nil {
		return err
	}
	out, err := h.worded(c.Request.Context(), m, c.GetString(web.KeyLang), true)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "inbox_message", h.View(c, "inbox.title", out))
	return nil
}
