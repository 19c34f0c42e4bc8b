package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/web"
)

type liftForm struct {
	// Purpose names one stopped purpose to lift; empty lifts the restriction of
	// everything.
	Purpose string `form:"purpose" validate:"max=40" label:"request.purposes"`
}

// liftRestriction lets the person lift their own processing restriction, of everything
// or of one purpose; nobody else can.
func (s *Server) liftRestriction(c *gin.Context) {
	var f liftForm
	if inv, ok := s.Bind(c, &f); !ok {
		return
	} else if err := inv.OrNil(); err != nil {
		s.Fail(c, err)
		return
	}
	u := web.CurrentUser(c)
	if f.Purpose == "" && u.Restricted.IsZero() {
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	// Stopping again takes a new stop request and its period: ask first.
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.lift_title", TextKey: "confirm.lift_text",
		Action: "/account/restriction/lift", Back: "/account"}) {
		return
	}
	if f.Purpose != "" {
		if err := s.Casework.SetStopped(c.Request.Context(), u.ID, []string{f.Purpose}, false); err != nil {
			s.Fail(c, err)
			return
		}
		s.AddFlash(c, web.FlashSuccess, "flash.restriction_lifted")
		c.Redirect(http.StatusSeeOther, "/account")
		return
	}
	if err := s.Casework.SetRestriction(c.Request.Context(), u.ID, false); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.restriction_lifted")
	c.Redirect(http.StatusSeeOther, "/account")
}
