package citizen

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

// LiftRestriction lets the person lift their own processing restriction, of everything
// or of one purpose; nobody else can.
func (h *Handlers) LiftRestriction(c *gin.Context) error {
	var f liftForm
	if inv, err := h.Decode(c, &f); err != nil {
		return err
	} else if err := inv.OrNil(); err != nil {
		return err
	}
	u := web.CurrentUser(c)
	if f.Purpose == "" && u.Restricted.IsZero() {
		c.Redirect(http.StatusSeeOther, "/account")
		return nil
	}
	// Stopping again takes a new stop request and its period: ask first.
	if !h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.lift_title", TextKey: "confirm.lift_text",
		Action: "/account/restriction/lift", Back: "/account"}) {
		return nil
	}
	if f.Purpose != "" {
		if err := h.casework.SetStopped(c.Request.Context(), u.ID, []string{f.Purpose}, false); err != nil {
			return err
		}
		h.AddFlash(c, web.FlashSuccess, "flash.restriction_lifted")
		c.Redirect(http.StatusSeeOther, "/account")
		return nil
	}
	if err := h.casework.SetRestriction(c.Request.Context(), u.ID, false); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.restriction_lifted")
	c.Redirect(http.StatusSeeOther, "/account")
	return nil
}
