package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/ratelimit"
	"github.com/example/pdpa-portal/rights"
)

// Guests file without an account: they give an e-mail address, get the reference and due
// date at once, and prove the address with a six-digit code mailed to it. The same code
// (a fresh one on asking, by reference and address) lets them follow the request. Access
// lasts an hour, in a signed cookie naming the one request.

const (
	guestCookie = "portal_guest"
	guestAccess = time.Hour
	// guestCodeMails is how many codes one request may be sent an hour.
	guestCodeMails = 5
)

type guestForm struct {
	Email string `form:"email" validate:"required,email,max=254" label:"guest.email"`
	Name  string `form:"name" validate:"max=100" label:"guest.name"`
}

// guestNewPage is the request form for guests.
func (s *Server) guestNewPage(c *gin.Context) { s.RequestFormFor(c, true) }

// guestFileRequest files a guest's request: the guest is created only once the form is
// valid, with a data key of their own.
func (s *Server) guestFileRequest(c *gin.Context) {
	if s.Limited(c, s.signUpLimit) {
		return
	}
	var f cases.RequestForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	var g guestForm
	more, ok := s.Bind(c, &g)
	if !ok {
		return
	}
	inv.Problems = append(more.Problems, inv.Problems...)
	email, lang := account.NormalizeEmail(g.Email), c.GetString(web.KeyLang)
	// The guest is counted (per client and address) and made only once the form is
	// valid; over the quota the form comes back as typed.
	s.SubmitRequest(c, &f, inv, cases.Requester{Email: email, Lang: lang, Guest: true,
		GuestFiler: &casework.GuestFiler{Email: email, Name: g.Name, Lang: lang, Client: ratelimit.Key(c.ClientIP())}})
}

// sendGuestCode issues a fresh code for the request and mails it with the reference and
// due date. The request is stored already, so a mail that cannot be queued is logged.
func (s *Server) sendGuestCode(c *gin.Context, r *rights.Request, bind, email, lang, kind string) {
	// Past the hourly allowance nothing is sent, silently: a different answer would tell
	// a stranger that the reference and the address belong together.
	if ok, _ := s.guestCodeLimit.Allow("guest-code:" + r.Ref); !ok {
		s.Log.Info("guest code not mailed: hourly allowance spent", "ref", r.Ref)
		return
	}
	if _, err := s.Casework.QueueGuestCode(c.Request.Context(), r, bind, email, lang, kind); err != nil {
		s.Log.Error("guest code not mailed", "ref", r.Ref, "err", err)
	}
}

type guestConfirmPage struct {
	Ref string
}

// guestConfirmPage asks for the code. It says nothing about the request itself, so a
// guessed reference reveals nothing.
func (s *Server) guestConfirmPage(c *gin.Context) {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	s.Render(c, http.StatusOK, "guest_confirm", s.View(c, "guest.confirm_title", guestConfirmPage{Ref: ref}))
}

type codeForm struct {
	Code string `form:"code" validate:"required,len=6,numeric" label:"guest.code"`
}

// guestConfirm checks the code; the first right code confirms the guest's address, and
// every right code opens the request for an hour in this browser.
func (s *Server) guestConfirm(c *gin.Context) {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	if s.Limited(c, s.signInLimit) {
		return
	}
	var f codeForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if len(inv.Problems) == 0 {
		err := s.Guests.CheckCode(ctx, ref, s.GuestBinding(c, false), f.Code, s.Now())
		switch {
		case errors.Is(err, rights.ErrCodeNone):
			inv.Add("code", "guest.code_none")
		case errors.Is(err, rights.ErrCodeWrong):
			inv.Add("code", "guest.code_wrong")
		case errors.Is(err, rights.ErrCodeExpired):
			inv.Add("code", "guest.code_expired")
		case err != nil:
			s.Fail(c, err)
			return
		}
	}
	if len(inv.Problems) > 0 {
		v := s.View(c, "guest.confirm_title", guestConfirmPage{Ref: ref})
		v.Problems = inv.Problems
		s.Render(c, http.StatusBadRequest, "guest_confirm", v)
		return
	}
	r, err := s.Requests.ByRef(ctx, ref)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if err := s.Guests.SetFlags(ctx, r.Subject, true, false); err != nil {
		s.Fail(c, err)
		return
	}
	enc, err := s.Cookies.Encode(guestCookie, guestPass{Ref: ref, Until: s.Now().Add(guestAccess).Unix()})
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.SetCookie(c, guestCookie, enc, int(guestAccess/time.Second))
	s.AddFlash(c, web.FlashSuccess, "flash.guest_confirmed")
	c.Redirect(http.StatusSeeOther, "/guest/requests/"+ref)
}

// guestPass is the guest's access to one request, until a time.
type guestPass struct {
	Ref   string
	Until int64
}

// guestRequest admits a guest holding a pass for the request in the URL.
func (s *Server) guestRequest(c *gin.Context) (*rights.Request, bool) {
	ref := c.Param("ref")
	var pass guestPass
	ck, err := c.Request.Cookie(guestCookie)
	if err != nil || s.Cookies.Decode(guestCookie, ck.Value, &pass) != nil || pass.Ref != ref || s.Now().Unix() > pass.Until {
		c.Redirect(http.StatusSeeOther, "/guest/track?ref="+refOrEmpty(ref))
		c.Abort()
		return nil, false
	}
	r, ok := s.RequestByRef(c)
	// An anonymous record still names the guest while its erasure is under way; it is
	// nobody's to see.
	if ok && (r.Erased || !rights.IsGuest(r.Subject)) {
		s.Fail(c, apperr.ErrNotFound)
		return nil, false
	}
	return r, ok
}

func refOrEmpty(ref string) string {
	if rights.ValidRef(ref) {
		return ref
	}
	return ""
}

// guestDetail is the guest's view of their request.
func (s *Server) guestDetail(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		s.RenderRequestPage(c, http.StatusOK, r, nil, nil)
	}
}

func (s *Server) guestWithdraw(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		s.Withdraw(c, r, r.Subject, "/guest/requests/"+r.Ref)
	}
}

func (s *Server) guestLetter(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		s.RenderLetter(c, r, false)
	}
}

func (s *Server) guestMessage(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		if err := s.PostMessage(c, r, "requester", func(status int, vals map[string]string, inv *apperr.Invalid) {
			s.RenderRequestPage(c, status, r, vals, inv)
		}); err != nil {
			s.Fail(c, err)
		}
	}
}

func (s *Server) guestDownload(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		s.Download(c, r)
	}
}

type trackForm struct {
	Ref   string `form:"ref" validate:"required,max=20" label:"guest.ref"`
	Email string `form:"email" validate:"required,email,max=254" label:"guest.email"`
}

type trackPage struct {
	Values map[string]string
}

// guestTrackPage asks for the reference and the address to send a code to.
func (s *Server) guestTrackPage(c *gin.Context) {
	s.Render(c, http.StatusOK, "guest_track", s.View(c, "guest.track_title", trackPage{Values: map[string]string{"ref": refOrEmpty(c.Query("ref"))}}))
}

// guestTrack mails a fresh code when the reference and the address belong together. The
// answer is the same either way, so the form does not tell who filed what.
func (s *Server) guestTrack(c *gin.Context) {
	if s.Limited(c, s.resetLimit) {
		return
	}
	var f trackForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) == 0 && !rights.ValidRef(f.Ref) {
		inv.Add("ref", "guest.ref_invalid")
	}
	if len(inv.Problems) > 0 {
		v := s.View(c, "guest.track_title", trackPage{Values: map[string]string{"ref": f.Ref, "email": f.Email}})
		v.Problems = inv.Problems
		s.Render(c, http.StatusBadRequest, "guest_track", v)
		return
	}
	ctx := c.Request.Context()
	bind := s.GuestBinding(c, true) // whether or not the pair matches, so the cookie tells nothing
	r, err := s.Requests.ByRef(ctx, f.Ref)
	if err == nil && !r.Erased && rights.IsGuest(r.Subject) {
		g, gerr := s.Guests.Guest(ctx, r.Subject)
		if gerr == nil && g.Email == account.NormalizeEmail(f.Email) {
			s.sendGuestCode(c, r, bind, g.Email, c.GetString(web.KeyLang), "guest_code")
		} else if gerr != nil && !errors.Is(gerr, apperr.ErrNotFound) {
			err = gerr
		}
	}
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashInfo, "flash.guest_code_sent")
	c.Redirect(http.StatusSeeOther, "/guest/requests/"+f.Ref+"/confirm")
}

func (s *Server) guestPackage(c *gin.Context) {
	if r, ok := s.guestRequest(c); ok {
		s.PackageDownload(c, r)
	}
}
