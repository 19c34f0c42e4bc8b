package handlers

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

func (s *Server) signUpPage(c *gin.Context) {
	if web.CurrentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	n, err := s.Notices.Current(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "signup", s.View(c, "signup.title", formPage{Prefix: "signup", Consent: web.NewConsentForm(n, nil, nil, false)}))
}

// signUpSubmit registers a citizen. Whether or not the address already has an account,
// the visitor sees the same "check your mail" page; the mailbox learns which it was.
func (s *Server) signUpSubmit(c *gin.Context) {
	if s.Limited(c, s.signUpLimit) {
		return
	}
	var f signUpForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	n, err := s.Notices.Current(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	page := formPage{Prefix: "signup", Values: map[string]string{"email": f.Email, "name": f.Name}, Consent: web.NewConsentForm(n, nil, f.Purposes, f.Acknowledge)}
	d := web.ConsentDecision(c, n, f.Purposes, f.Acknowledge, nil)
	su := account.SignUp{Email: f.Email, Name: f.Name, Password: f.Password, Lang: c.GetString(web.KeyLang), OnCreated: s.recordOnCreate(d)}
	// The domain's rules run even when the form already has problems, so the user sees
	// everything to fix at once.
	inv, err = web.Merge(inv, s.Accounts.Validate(su).OrNil())
	if err != nil {
		s.Fail(c, err)
		return
	}
	if inv, err = web.Merge(inv, consent.CheckDecision(d).OrNil()); err != nil {
		s.Fail(c, err)
		return
	}
	if f.Version != n.Version {
		// The notice changed while the form was open: the person must see the new one.
		web.AddOnce(inv, "", "consent.notice_changed")
	}
	if f.Password != f.PasswordConfirm {
		web.AddOnce(inv, "password_confirm", "password.mismatch")
	}
	if len(inv.Problems) == 0 {
		defer answerNoSoonerThan(time.Now(), s.Opt.SignUpFloor)
		if err := s.Accounts.Register(c.Request.Context(), su); err != nil {
			s.Fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/mail-sent?about=signup")
		return
	}
	v := s.View(c, "signup.title", page)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.Render(c, http.StatusBadRequest, "signup", v)
}

// mailSent tells the visitor to look in their mailbox, without saying whether the
// address has an account.
func (s *Server) mailSent(c *gin.Context) {
	about := c.Query("about")
	if about != "signup" && about != "reset" {
		about = "signup"
	}
	s.Render(c, http.StatusOK, "mail_sent", s.View(c, "mail_sent."+about+".title", about))
}

type resendForm struct {
	Email string `form:"email" validate:"required,email,max=254" label:"signup.email"`
}

// resendFromMailSent mails a new verification link to an address awaiting one, from the
// page that says the first was sent: for someone who has not signed in yet. Limited per
// client and per address, and answered alike whether or not the address has an account.
func (s *Server) resendFromMailSent(c *gin.Context) {
	var f resendForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		v := s.View(c, "mail_sent.signup.title", "signup")
		v.Problems = inv.Problems
		s.Render(c, http.StatusBadRequest, "mail_sent", v)
		return
	}
	if s.Limited(c, s.signUpLimit, "resend:"+account.NormalizeEmail(f.Email)) {
		return
	}
	defer answerNoSoonerThan(time.Now(), s.Opt.SignUpFloor)
	if err := s.Accounts.ResendVerificationTo(c.Request.Context(), f.Email); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "mail_sent.resent")
	c.Redirect(http.StatusSeeOther, "/mail-sent?about=signup")
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

// verify spends an e-mail verification link.
func (s *Server) verify(c *gin.Context) {
	u, err := s.Accounts.Verify(c.Request.Context(), c.Query("token"))
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		// A link used once already is the likeliest case (clicked twice, or opened by
		// a mail scanner first): a verified person is told so; anyone else is told
		// what to do next rather than only that the link does not work.
		if cu := web.CurrentUser(c); cu != nil && cu.EmailVerified {
			s.AddFlash(c, web.FlashSuccess, "flash.email_already_verified")
			c.Redirect(http.StatusSeeOther, "/account")
			return
		}
		s.Fail(c, errVerifyLink)
		return
	case err != nil:
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.email_verified")
	if cu := web.CurrentUser(c); cu != nil && cu.ID == u.ID {
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	c.Redirect(http.StatusSeeOther, "/signin")
}

type signInForm struct {
	Email    string `form:"email" validate:"required,max=254" label:"signin.email"`
	Password string `form:"password,notrim" validate:"required,max=256" label:"signin.password"`
	Next     string `form:"next"`
}

func (s *Server) signInPage(c *gin.Context) {
	next := web.LocalPath(c.Query("next"), "")
	if web.CurrentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, web.LocalPath(next, "/account"))
		return
	}
	s.Render(c, http.StatusOK, "signin", s.View(c, "signin.title", formPage{Prefix: "signin", Next: next}))
}

// signInSubmit signs in. A wrong password and an unknown address get the same answer;
// a locked address (known or not) says how to unlock.
func (s *Server) signInSubmit(c *gin.Context) {
	if s.Limited(c, s.signInLimit) {
		return
	}
	var f signInForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	page := formPage{Prefix: "signin", Values: map[string]string{"email": f.Email}, Next: web.LocalPath(f.Next, "")}
	status := http.StatusBadRequest
	if len(inv.Problems) == 0 {
		u, err := s.Accounts.SignInFrom(c.Request.Context(), f.Email, f.Password, ratelimit.Key(c.ClientIP()))
		var tooSoon *account.TooSoon
		switch {
		case err == nil:
			if err := s.StartSession(c, u); err != nil {
				s.Fail(c, err)
				return
			}
			c.Set(web.KeyAuditActor, u)
			// Only failures count against the address: many people share one (an
			// office, a carrier's CGNAT).
			s.signInLimit.Refund(ratelimit.Key(c.ClientIP()))
			target := web.LocalPath(page.Next, "/account")
			if u.IsStaff() && page.Next == "" {
				target = "/staff"
			}
			// A new or changed purpose is asked at the next sign-in.
			if pending, err := s.pendingConsents(c.Request.Context(), u); err != nil {
				s.Fail(c, err)
				return
			} else if pending {
				target = "/account/consents"
			}
			c.Redirect(http.StatusSeeOther, target)
			return
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
			s.Fail(c, err)
			return
		}
	}
	v := s.View(c, "signin.title", page)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.Render(c, status, "signin", v)
}

type forgotForm struct {
	Email string `form:"email" validate:"required,email,max=254" label:"forgot.email"`
}

func (s *Server) forgotPage(c *gin.Context) {
	s.Render(c, http.StatusOK, "forgot", s.View(c, "forgot.title", formPage{Prefix: "forgot"}))
}

// forgotSubmit mails a reset link if the address has an account; the answer is the same
// either way.
func (s *Server) forgotSubmit(c *gin.Context) {
	if s.Limited(c, s.resetLimit) {
		return
	}
	var f forgotForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		v := s.View(c, "forgot.title", formPage{Prefix: "forgot", Values: map[string]string{"email": f.Email}})
		web.InFormOrder(inv, &f)
		v.Problems = inv.Problems
		s.Render(c, http.StatusBadRequest, "forgot", v)
		return
	}
	defer answerNoSoonerThan(time.Now(), s.Opt.ResetFloor)
	if err := s.Accounts.RequestReset(c.Request.Context(), f.Email, c.GetString(web.KeyLang)); err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/mail-sent?about=reset")
}

type resetForm struct {
	Token           string `form:"token" validate:"required,max=100" label:"reset.password"`
	Password        string `form:"password,notrim" validate:"required,max=256" label:"reset.password"`
	PasswordConfirm string `form:"password_confirm,notrim" validate:"required,max=256" label:"reset.password_confirm"`
	UnlockCode      string `form:"unlock_code" validate:"max=100" label:"reset.unlock_code"`
}

func (s *Server) resetPage(c *gin.Context) {
	token := c.Query("token")
	if err := s.Accounts.CheckReset(c.Request.Context(), token); err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			err = errLink
		}
		s.Fail(c, err)
		return
	}
	staff, err := s.Accounts.ResetForStaff(c.Request.Context(), token)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "reset", s.View(c, "reset.title", formPage{Prefix: "reset", Token: token, Staff: staff}))
}

// resetSubmit sets a new password from a reset link; it unlocks a citizen's account.
func (s *Server) resetSubmit(c *gin.Context) {
	if s.Limited(c, s.resetLimit) {
		return
	}
	var f resetForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if f.Password != f.PasswordConfirm {
		web.AddOnce(inv, "password_confirm", "password.mismatch")
	}
	if len(inv.Problems) == 0 {
		_, err := s.Accounts.ResetPasswordWithCode(c.Request.Context(), f.Token, f.Password, f.UnlockCode)
		if errors.Is(err, apperr.ErrNotFound) {
			s.Fail(c, errLink)
			return
		}
		if inv, err = web.Merge(inv, err); err != nil {
			s.Fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			s.ClearSessionCookie(c)
			s.AddFlash(c, web.FlashSuccess, "flash.password_reset")
			c.Redirect(http.StatusSeeOther, "/signin")
			return
		}
	}
	staff, err := s.Accounts.ResetForStaff(c.Request.Context(), f.Token)
	if errors.Is(err, apperr.ErrNotFound) {
		s.Fail(c, errLink)
		return
	} else if err != nil {
		s.Fail(c, err)
		return
	}
	v := s.View(c, "reset.title", formPage{Prefix: "reset", Token: f.Token, Staff: staff})
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.Render(c, http.StatusBadRequest, "reset", v)
}

// recordOnCreate returns the sign-up hook that records the decision for the new account.
func (s *Server) recordOnCreate(d consent.Decision) func(ctx context.Context, u *account.User) error {
	return func(ctx context.Context, u *account.User) error {
		d.Subject = u.ID
		_, err := s.Consents.Record(ctx, d)
		return err
	}
}

// pendingConsents reports whether the signed-in person owes decisions on the current
// notice (asked at sign-in).
func (s *Server) pendingConsents(ctx context.Context, u *account.User) (bool, error) {
	if u.IsStaff() {
		return false, nil
	}
	n, err := s.Notices.Current(ctx)
	if err != nil {
		return false, err
	}
	states, err := s.Consents.Store.States(ctx, u.ID)
	if err != nil {
		return false, err
	}
	return len(consent.Pending(n, states)) > 0, nil
}
