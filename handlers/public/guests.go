package public

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

// GuestNewPage is the request form for guests.
func (h *Handlers) GuestNewPage(c *gin.Context) error {
	return h.RequestFormFor(c, true)
}

// GuestFileRequest files a guest's request: the guest is created only once the form is
// valid, with a data key of their own.
func (h *Handlers) GuestFileRequest(c *gin.Context) error {
	if err := h.Limited(c, h.signUpLimit); err != nil {
		return err
	}
	var f cases.RequestForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	var g guestForm
	more, err := h.Decode(c, &g)
	if err != nil {
		return err
	}
	inv.Problems = append(more.Problems, inv.Problems...)
	email, lang := account.NormalizeEmail(g.Email), c.GetString(web.KeyLang)
	// The guest is counted (per client and address) and made only once the form is
	// valid; over the quota the form comes back as typed.
	return h.SubmitRequest(c, &f, inv, cases.Requester{Email: email, Lang: lang, Guest: true,
		GuestFiler: &casework.GuestFiler{Email: email, Name: g.Name, Lang: lang, Client: ratelimit.Key(c.ClientIP())}})
}

// sendGuestCode issues a fresh code for the request and mails it with the reference and
// due date. The request is stored already, so a mail that cannot be queued is logged.
func (h *Handlers) sendGuestCode(c *gin.Context, r *rights.Request, bind, email, lang, kind string) {
	// Past the hourly allowance nothing is sent, silently: a different answer would tell
	// a stranger that the reference and the address belong together.
	if ok, _ := h.guestCodeLimit.Allow("guest-code:" + r.Ref); !ok {
		h.Log.Info("guest code not mailed: hourly allowance spent", "ref", r.Ref)
		return
	}
	if _, err := h.casework.QueueGuestCode(c.Request.Context(), r, bind, email, lang, kind); err != nil {
		h.Log.Error("guest code not mailed", "ref", r.Ref, "err", err)
	}
}

type guestConfirmPage struct {
	Ref string
}

// GuestConfirmPage asks for the code. It says nothing about the request itself, so a
// guessed reference reveals nothing.
func (h *Handlers) GuestConfirmPage(c *gin.Context) error {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		return apperr.ErrNotFound
	}
	h.Render(c, http.StatusOK, "guest_confirm", h.View(c, "guest.confirm_title", guestConfirmPage{Ref: ref}))
	return nil
}

type codeForm struct {
	Code string `form:"code" validate:"required,len=6,numeric" label:"guest.code"`
}

// GuestConfirm checks the code; the first right code confirms the guest's address, and
// every right code opens the request for an hour in this browser.
func (h *Handlers) GuestConfirm(c *gin.Context) error {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		return apperr.ErrNotFound
	}
	if err := h.Limited(c, h.signInLimit); err != nil {
		return err
	}
	var f codeForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if len(inv.Problems) == 0 {
		err := h.guests.CheckCode(ctx, ref, h.GuestBinding(c, false), f.Code, h.Now())
		switch {
		case errors.Is(err, rights.ErrCodeNone):
			inv.Add("code", "guest.code_none")
		case errors.Is(err, rights.ErrCodeWrong):
			inv.Add("code", "guest.code_wrong")
		case errors.Is(err, rights.ErrCodeExpired):
			inv.Add("code", "guest.code_expired")
		case err != nil:
			return err
		}
	}
	if len(inv.Problems) > 0 {
		v := h.View(c, "guest.confirm_title", guestConfirmPage{Ref: ref})
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "guest_confirm", v)
		return nil
	}
	r, err := h.requests.ByRef(ctx, ref)
	if err != nil {
		return err
	}
	if err := h.guests.SetFlags(ctx, r.Subject, true, false); err != nil {
		return err
	}
	enc, err := h.Cookies.Encode(guestCookie, guestPass{Ref: ref, Until: h.Now().Add(guestAccess).Unix()})
	if err != nil {
		return err
	}
	h.SetCookie(c, guestCookie, enc, int(guestAccess/time.Second))
	h.AddFlash(c, web.FlashSuccess, "flash.guest_confirmed")
	c.Redirect(http.StatusSeeOther, "/guest/requests/"+ref)
	return nil
}

// guestPass is the guest's access to one request, until a time.
type guestPass struct {
	Ref   string
	Until int64
}

// errNoPass: the visitor holds no valid pass for the request in the URL; they are sent
// to ask for a code (asGuest), not shown an error.
var errNoPass = errors.New("no guest pass for this request")

// guestRequest is the request in the URL when the visitor holds a pass for it.
func (h *Handlers) guestRequest(c *gin.Context) (*rights.Request, error) {
	ref := c.Param("ref")
	var pass guestPass
	ck, err := c.Request.Cookie(guestCookie)
	if err != nil || h.Cookies.Decode(guestCookie, ck.Value, &pass) != nil || pass.Ref != ref || h.Now().Unix() > pass.Until {
		return nil, errNoPass
	}
	r, err := h.Request(c)
	// An anonymous record still names the guest while its erasure is under way; it is
	// nobody's to see.
	if err == nil && (r.Erased || !rights.IsGuest(r.Subject)) {
		err = apperr.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// asGuest runs fn on the request in the URL for a guest holding its pass, and sends
// anyone else to ask for a code.
func (h *Handlers) asGuest(c *gin.Context, fn func(r *rights.Request) error) error {
	r, err := h.guestRequest(c)
	if errors.Is(err, errNoPass) {
		c.Redirect(http.StatusSeeOther, "/guest/track?ref="+refOrEmpty(c.Param("ref")))
		return nil
	}
	if err != nil {
		return err
	}
	return fn(r)
}

func refOrEmpty(ref string) string {
	if rights.ValidRef(ref) {
		return ref
	}
	return ""
}

// GuestDetail is the guest's view of their request.
func (h *Handlers) GuestDetail(c *gin.Context) error {
	return h.asGuest(c, func(r *rights.Request) error {
		return h.RenderRequestPage(c, http.StatusOK, r, nil, nil)
	})
}

func (h *Handlers) GuestWithdraw(c *gin.Context) error {
	return h.asGuest(c, func(r *rights.Request) error {
		return h.Withdraw(c, r, r.Subject, "/guest/requests/"+r.Ref)
	})
}

func (h *Handlers) GuestLetter(c *gin.Context) error {
	return h.asGuest(c, func(r *rights.Request) error {
		return h.RenderLetter(c, r, false)
	})
}

func (h *Handlers) GuestMessage(c *gin.Context) error {
	return h.asGuest(c, func(r *rights.Request) error {
		return h.PostMessage(c, r, "requester", func(status int, vals map[string]string, inv *apperr.Invalid) error {
			return h.RenderRequestPage(c, status, r, vals, inv)
		})
	})
}

func (h *Handlers) GuestDownload(c *gin.Context) error {
	return h.asGuest(c, func(r *rights.Request) error {
		return h.Download(c, r)
	})
}

type trackForm struct {
	Ref   string `form:"ref" validate:"required,max=20" label:"guest.ref"`
	Email string `form:"email" validate:"required,email,max=254" label:"guest.email"`
}

// Values is the form as typed, to show again.
func (f *trackForm) Values() map[string]string {
	return map[string]string{"ref": f.Ref, "email": f.Email}
}

type trackPage struct {
	Values map[string]string
}

// GuestTrackPage asks for the reference and the address to send a code to.
func (h *Handlers) GuestTrackPage(c *gin.Context) error {
	h.Render(c, http.StatusOK, "guest_track", h.View(c, "guest.track_title", trackPage{Values: (&trackForm{Ref: refOrEmpty(c.Query("ref"))}).Values()}))
	return nil
}

// GuestTrack mails a fresh code when the reference and the address belong together. The
// answer is the same either way, so the form does not tell who filed what.
func (h *Handlers) GuestTrack(c *gin.Context) error {
	if err := h.Limited(c, h.resetLimit); err != nil {
		return err
	}
	var f trackForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) == 0 && !rights.ValidRef(f.Ref) {
		inv.Add("ref", "guest.ref_invalid")
	}
	if len(inv.Problems) > 0 {
		v := h.View(c, "guest.track_title", trackPage{Values: f.Values()})
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "guest_track", v)
		return nil
	}
	ctx := c.Request.Context()
	bind := h.GuestBinding(c, true) // whether or not the pair matches, so the cookie tells nothing
	r, err := h.requests.ByRef(ctx, f.Ref)
	if err == nil && !r.Erased && rights.IsGuest(r.Subject) {
		g, gerr := h.guests.Guest(ctx, r.Subject)
		if gerr == nil && g.Email == account.NormalizeEmail(f.Email) {
			h.sendGuestCode(c, r, bind, g.Email, c.GetString(web.KeyLang), "guest_code")
		} else if gerr != nil && !errors.Is(gerr, apperr.ErrNotFound) {
			err = gerr
		}
	}
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	h.AddFlash(c, web.FlashInfo, "flash.guest_code_sent")
	c.Redirect(http.StatusSeeOther, "/guest/requests/"+f.Ref+"/confirm")
	return nil
}

func (h *Handlers) GuestPackage(c *gin.Context) error {
	return h.asGuest(c, func(r *rights.Request) error {
		return h.PackageDownload(c, r)
	})
}
