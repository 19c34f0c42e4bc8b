package citizen

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/handlers/web"
)

// A person's own sessions (/account/sessions): where they are signed in, by browser and
// system family, when each signed in and was last used — never an address — and the
// ending of one, or of every other, each asked first.

type sessionsPage struct {
	Sessions []*account.Session
	Current  string // the ref of the session showing the page
}

type sessionForm struct {
	Session string `form:"session" validate:"max=16" label:"sessions.session"`
}

// MySessions lists the person's usable sessions, the one in use marked.
func (h *Handlers) MySessions(c *gin.Context) error {
	list, err := h.Accounts.OwnSessions(c.Request.Context(), web.CurrentUser(c), h.Opt.Sessions)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "sessions", h.View(c, "sessions.title", sessionsPage{Sessions: list, Current: currentSessionRef(c)}))
	return nil
}

// EndMySession ends one of the person's sessions once confirmed; a session that is not
// theirs (or no longer usable) is not found. Ending the one in use signs them out.
func (h *Handlers) EndMySession(c *gin.Context) error {
	var f sessionForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	ctx, u := c.Request.Context(), web.CurrentUser(c)
	se, err := h.Accounts.OwnSession(ctx, u, f.Session, h.Opt.Sessions)
	if err != nil {
		return err
	}
	v := h.ViewIn(c.GetString(web.KeyLang))
	if !h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.end_own_session_title", TextKey: "confirm.end_own_session_text",
		TextArgs: []any{v.Device(se), v.DateTime(se.Created)}, Action: "/account/sessions/end", Back: "/account/sessions"}) {
		return nil
	}
	if err := h.Accounts.EndOwnSession(ctx, u, se); err != nil {
		return err
	}
	if se.Ref() == currentSessionRef(c) {
		h.ClearSessionCookie(c)
		h.AddFlash(c, web.FlashInfo, "flash.signed_out")
		c.Redirect(http.StatusSeeOther, "/")
		return nil
	}
	h.AddFlash(c, web.FlashSuccess, "flash.own_session_ended")
	c.Redirect(http.StatusSeeOther, "/account/sessions")
	return nil
}

// EndMyOtherSessions ends every session of the person but the one in use, once confirmed.
func (h *Handlers) EndMyOtherSessions(c *gin.Context) error {
	if !h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.end_other_sessions_title", TextKey: "confirm.end_other_sessions_text",
		Action: "/account/sessions/end-others", Back: "/account/sessions"}) {
		return nil
	}
	keep := ""
	if se, ok := c.Get(web.KeySession); ok {
		keep = se.(*account.Session).ID
	}
	if err := h.Accounts.EndOtherSessions(c.Request.Context(), web.CurrentUser(c), keep); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.other_sessions_ended")
	c.Redirect(http.StatusSeeOther, "/account/sessions")
	return nil
}

// currentSessionRef is the ref of the session the request came with.
func currentSessionRef(c *gin.Context) string {
	if se, ok := c.Get(web.KeySession); ok {
		return se.(*account.Session).Ref()
	}
	return ""
}
