package handlers

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

// mySessions lists the person's usable sessions, the one in use marked.
func (s *Server) mySessions(c *gin.Context) {
	list, err := s.Accounts.OwnSessions(c.Request.Context(), web.CurrentUser(c), s.Opt.Sessions)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "sessions", s.View(c, "sessions.title", sessionsPage{Sessions: list, Current: currentSessionRef(c)}))
}

// endMySession ends one of the person's sessions once confirmed; a session that is not
// theirs (or no longer usable) is not found. Ending the one in use signs them out.
func (s *Server) endMySession(c *gin.Context) {
	var f sessionForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.Fail(c, inv)
		return
	}
	ctx, u := c.Request.Context(), web.CurrentUser(c)
	se, err := s.Accounts.OwnSession(ctx, u, f.Session, s.Opt.Sessions)
	if err != nil {
		s.Fail(c, err)
		return
	}
	v := s.ViewIn(c.GetString(web.KeyLang))
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.end_own_session_title", TextKey: "confirm.end_own_session_text",
		TextArgs: []any{v.Device(se), v.DateTime(se.Created)}, Action: "/account/sessions/end", Back: "/account/sessions"}) {
		return
	}
	if err := s.Accounts.EndOwnSession(ctx, u, se); err != nil {
		s.Fail(c, err)
		return
	}
	if se.Ref() == currentSessionRef(c) {
		s.ClearSessionCookie(c)
		s.AddFlash(c, web.FlashInfo, "flash.signed_out")
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.own_session_ended")
	c.Redirect(http.StatusSeeOther, "/account/sessions")
}

// endMyOtherSessions ends every session of the person but the one in use, once confirmed.
func (s *Server) endMyOtherSessions(c *gin.Context) {
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.end_other_sessions_title", TextKey: "confirm.end_other_sessions_text",
		Action: "/account/sessions/end-others", Back: "/account/sessions"}) {
		return
	}
	keep := ""
	if se, ok := c.Get(web.KeySession); ok {
		keep = se.(*account.Session).ID
	}
	if err := s.Accounts.EndOtherSessions(c.Request.Context(), web.CurrentUser(c), keep); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.other_sessions_ended")
	c.Redirect(http.StatusSeeOther, "/account/sessions")
}

// currentSessionRef is the ref of the session the request came with.
func currentSessionRef(c *gin.Context) string {
	if se, ok := c.Get(web.KeySession); ok {
		return se.(*account.Session).Ref()
	}
	return ""
}
