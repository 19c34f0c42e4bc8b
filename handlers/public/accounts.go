package public

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/ratelimit"
)

// formPage is the data of the simple account forms: what the user typed (never a
// password) and the field-label prefix for the error summary.
type formPage struct {
	Prefix  string
	Values  map[string]string
	Token   string
	Next    string
	Locked  bool
	Staff   bool            // the reset form asks for an administrator's unlock code
	Consent web.ConsentForm // the sign-up form's purposes
}

type signUpForm struct {
	Email           string   `form:"email" validate:"required,email,max=254" label:"signup.email"`
	Name            string   `form:"name" validate:"required,max=100" label:"signup.name"`
	Password        string   `form:"password,notrim" validate:"required,max=256" label:"signup.password"`
	PasswordConfirm string   `form:"password_confirm,notrim" validate:"required,max=256" label:"signup.password_confirm"`
	Acknowledge     bool     `form:"acknowledge"`
	Purposes        []string `form:"purposes" validate:"max=50,dive,max=40" label:"consents.purpose"`
	Version         int      `form:"version"`
}

// Values is the form as typed, to show again: never a password.
func (f *signUpForm) Values() map[string]string {
	return map[string]string{"email": f.Email, "name": f.Name}
}

func (h *Handlers) SignUpPage(c *gin.Context) error {
	if web.CurrentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/account")
		return nil
	}
	n, err := h.Notices.Current(c.Request.Context())
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "signup", h.View(c, "signup.title", formPage{Prefix: "signup", Consent: web.NewConsentForm(n, nil, nil, false)}))
	return nil
}

// SignUpSubmit registers a citizen. Whether or not the address already has an account,
// the visitor sees the same "check your mail" page; the mailbox learns which it was.
func (h *Handlers) SignUpSubmit(c *gin.Context) error {
	if err := h.Limited(c, h.signUpLimit); err != nil {
		return err
	}
	var f signUpForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	n, err := h.Notices.Current(c.Request.Context())
	if err != nil {
		return err
	}
	page := formPage{Prefix: "signup", Values: f.Values(), Consent: web.NewConsentForm(n, nil, f.Purposes, f.Acknowledge)}
	d := web.ConsentDecision(c, n, f.Purposes, f.Acknowledge, nil)
	su := account.SignUp{Email: f.Email, Name: f.Name, Password: f.Password, Lang: c.GetString(web.KeyLang), OnCreated: h.recordOnCreate(d)}
	// The domain's rules run even when the form already has problems, so the user sees
	// everything to fix at once.
	inv, err = web.Merge(inv, h.Accounts.Validate(su).OrNil())
	if err != nil {
		return err
	}
	if inv, err = web.Merge(inv, consent.CheckDecision(d).OrNil()); err != nil {
		return err
	}
	if f.Version != n.Version {
		// The notice changed while the form was open: the person must see the new one.
		web.AddOnce(inv, "", "consent.notice_changed")
	}
	if f.Password != f.PasswordConfirm {
		web.AddOnce(inv, "password_confirm", "password.mismatch")
	}
	if len(inv.Problems) == 0 {
		defer answerNoSoonerThan(time.Now(), h.Opt.SignUpFloor)
		if err := h.Accounts.Register(c.Request.Context(), su); err != nil {
			return err
		}
		c.Redirect(http.StatusSeeOther, "/mail-sent?about=signup")
		return nil
	}
	v := h.View(c, "signup.title", page)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	h.Render(c, http.StatusBadRequest, "signup", v)
	return nil
}

// MailSent tells the visitor to look in their mailbox, without saying whether the
// address has an account.
func (h *Handlers) MailSent(c *gin.Context) error {
	about := c.Query("about")
	if about != "signup" && about != "reset" {
		about = "signup"
	}
	h.Render(c, http.StatusOK, "mail_sent", h.View(c, "mail_sent."+about+".title", about))
	return nil
}

type resendForm struct {
	Email string `form:"email" validate:"required,email,max=254" label:"signup.email"`
}

// ResendFromMailSent mails a new verification link to an address awaiting one, from the
// page that says the first was sent: for someone who has not signed in yet. Limited per
// client and per address, and answered alike whether or not the address has an account.
func (h *Handlers) ResendFromMailSent(c *gin.Context) error {
	var f resendForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		v := h.View(c, "mail_sent.signup.title", "signup")
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "mail_sent", v)
		return nil
	}
	if err := h.Limited(c, h.signUpLimit, "resend:"+account.NormalizeEmail(f.Email)); err != nil {
		return err
	}
	defer answerNoSoonerThan(time.Now(), h.Opt.SignUpFloor)
	if err := h.Accounts.ResendVerificationTo(c.Request.Context(), f.Email); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "mail_sent.resent")
	c.Redirect(http.StatusSeeOther, "/mail-sent?about=signup")
	return nil
}

// answerNoSoonerThan waits until d has passed since start (real time, not the injected
// clock): an address with an account and one without then answer alike.
func answerNoSoonerThan(start time.Time, d time.Duration) {
	if wait := d - time.Since(start); wait > 0 {
		time.Sleep(wait)
	}
}

var errLink = &web.PageError{Status: http.StatusNotFound, Key: "error.link"}

// errVerifyLink is a verification link that no longer works.
var errVerifyLink = &web.PageError{Status: http.StatusNotFound, Key: "error.verify_link"}

// Verify spends an e-mail verification link.
func (h *Handlers) Verify(c *gin.Context) error {
	u, err := h.Accounts.Verify(c.Request.Context(), c.Query("token"))
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		// A link used once already is the likeliest case (clicked twice, or opened by
		// a mail scanner first): a verified person is told so; anyone else is told
		// what to do next rather than only that the link does not work.
		if cu := web.CurrentUser(c); cu != nil && cu.EmailVerified {
			h.AddFlash(c, web.FlashSuccess, "flash.email_already_verified")
			c.Redirect(http.StatusSeeOther, "/account")
			return nil
		}
		return errVerifyLink
	case err != nil:
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.email_verified")
	if cu := web.CurrentUser(c); cu != nil && cu.ID == u.ID {
		c.Redirect(http.StatusSeeOther, "/account")
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/signin")
	return nil
}

type signInForm struct {
	Email    string `form:"email" validate:"required,max=254" label:"signin.email"`
	Password string `form:"password,notrim" validate:"required,max=256" label:"signin.password"`
	Next     string `form:"next"`
}

// Values is the form as typed, to show again: never the password.
func (f *signInForm) Values() map[string]string { return map[string]string{"email": f.Email} }

func (h *Handlers) SignInPage(c *gin.Context) error {
	next := localPath(c.Query("next"), "")
	if web.CurrentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, localPath(next, "/account"))
		return nil
	}
	h.Render(c, http.StatusOK, "signin", h.View(c, "signin.title", formPage{Prefix: "signin", Next: next}))
	return nil
}

// SignInSubmit signs in. A wrong password and an unknown address get the same answer;
// a locked address (known or not) says how to unlock.
func (h *Handlers) SignInSubmit(c *gin.Context) error {
	if err := h.Limited(c, h.signInLimit); err != nil {
		return err
	}
	var f signInForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	page := formPage{Prefix: "signin", Values: f.Values(), Next: localPath(f.Next, "")}
	status := http.StatusBadRequest
	if len(inv.Problems) == 0 {
		u, err := h.Accounts.SignInFrom(c.Request.Context(), f.Email, f.Password, ratelimit.Key(c.ClientIP()))
		var tooSoon *account.TooSoon
		switch {
		case err == nil:
			if err := h.StartSession(c, u); err != nil {
				return err
			}
			c.Set(web.KeyAuditActor, u)
			// Only failures count against the address: many people share one (an
			// office, a carrier's CGNAT).
			h.signInLimit.Refund(ratelimit.Key(c.ClientIP()))
			target := localPath(page.Next, "/account")
			if u.IsStaff() && page.Next == "" {
				target = "/staff"
			}
			// A new or changed purpose is asked at the next sign-in.
			if pending, err := h.pendingConsents(c.Request.Context(), u); err != nil {
				return err
			} else if pending {
				target = "/account/consents"
			}
			c.Redirect(http.StatusSeeOther, target)
			return nil
		case errors.Is(err, account.ErrBadCredentials):
			status = http.StatusUnauthorized
			inv.Add("", "signin.bad_credentials")
		case errors.As(err, &tooSoon):
			status = http.StatusTooManyRequests
			secs := int(math.Ceil(tooSoon.Wait.Seconds()))
			c.Header("Retry-After", strconv.Itoa(secs))
			inv.Add("", "signin.wait", (secs+59)/60)
		case errors.Is(err, account.ErrLocked):
			status = http.StatusUnauthorized
			page.Locked = true
		case errors.Is(err, account.ErrDisabled):
			status = http.StatusForbidden
			inv.Add("", "signin.disabled")
		case errors.Is(err, account.ErrExpired):
			status = http.StatusForbidden
			inv.Add("", "signin.expired")
		default:
			return err
		}
	}
	v := h.View(c, "signin.title", page)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	h.Render(c, status, "signin", v)
	return nil
}

type forgotForm struct {
	Email string `form:"email" validate:"required,email,max=254" label:"forgot.email"`
}

// Values is the form as typed, to show again.
func (f *forgotForm) Values() map[string]string { return map[string]string{"email": f.Email} }

func (h *Handlers) ForgotPage(c *gin.Context) error {
	h.Render(c, http.StatusOK, "forgot", h.View(c, "forgot.title", formPage{Prefix: "forgot"}))
	return nil
}

// ForgotSubmit mails a reset link if the address has an account; the answer is the same
// either way.
func (h *Handlers) ForgotSubmit(c *gin.Context) error {
	if err := h.Limited(c, h.resetLimit); err != nil {
		return err
	}
	var f forgotForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		v := h.View(c, "forgot.title", formPage{Prefix: "forgot", Values: f.Values()})
		web.InFormOrder(inv, &f)
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "forgot", v)
		return nil
	}
	defer answerNoSoonerThan(time.Now(), h.Opt.ResetFloor)
	if err := h.Accounts.RequestReset(c.Request.Context(), f.Email, c.GetString(web.KeyLang)); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/mail-sent?about=reset")
	return nil
}

type resetForm struct {
	Token           string `form:"token" validate:"required,max=100" label:"reset.password"`
	Password        string `form:"password,notrim" validate:"required,max=256" label:"reset.password"`
	PasswordConfirm string `form:"password_confirm,notrim" validate:"required,max=256" label:"reset.password_confirm"`
	UnlockCode      string `form:"unlock_code" validate:"max=100" label:"reset.unlock_code"`
}

func (h *Handlers) ResetPage(c *gin.Context) error {
	token := c.Query("token")
	if err := h.Accounts.CheckReset(c.Request.Context(), token); err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			err = errLink
		}
		return err
	}
	staff, err := h.Accounts.ResetForStaff(c.Request.Context(), token)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "reset", h.View(c, "reset.title", formPage{Prefix: "reset", Token: token, Staff: staff}))
	return nil
}

// ResetSubmit sets a new password from a reset link; it unlocks a citizen's account.
func (h *Handlers) ResetSubmit(c *gin.Context) error {
	if err := h.Limited(c, h.resetLimit); err != nil {
		return err
	}
	var f resetForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if f.Password != f.PasswordConfirm {
		web.AddOnce(inv, "password_confirm", "password.mismatch")
	}
	if len(inv.Problems) == 0 {
		_, err := h.Accounts.ResetPasswordWithCode(c.Request.Context(), f.Token, f.Password, f.UnlockCode)
		if errors.Is(err, apperr.ErrNotFound) {
			return errLink
		}
		if inv, err = web.Merge(inv, err); err != nil {
			return err
		}
		if len(inv.Problems) == 0 {
			h.ClearSessionCookie(c)
			h.AddFlash(c, web.FlashSuccess, "flash.password_reset")
			c.Redirect(http.StatusSeeOther, "/signin")
			return nil
		}
	}
	staff, err := h.Accounts.ResetForStaff(c.Request.Context(), f.Token)
	if errors.Is(err, apperr.ErrNotFound) {
		return errLink
	} else if err != nil {
		return err
	}
	v := h.View(c, "reset.title", formPage{Prefix: "reset", Token: f.Token, Staff: staff})
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	h.Render(c, http.StatusBadRequest, "reset", v)
	return nil
}

// recordOnCreate returns the sign-up hook that records the decision for the new account.
func (h *Handlers) recordOnCreate(d consent.Decision) func(ctx context.Context, u *account.User) error {
	return func(ctx context.Context, u *account.User) error {
		d.Subject = u.ID
		_, err := h.consents.Record(ctx, d)
		return err
	}
}

// pendingConsents reports whether the signed-in person owes decisions on the current
// notice (asked at sign-in).
func (h *Handlers) pendingConsents(ctx context.Context, u *account.User) (bool, error) {
	if u.IsStaff() {
		return false, nil
	}
	n, err := h.Notices.Current(ctx)
	if err != nil {
		return false, err
	}
	states, err := h.consents.Store.States(ctx, u.ID)
	if err != nil {
		return false, err
	}
	return len(consent.Pending(n, states)) > 0, nil
}
