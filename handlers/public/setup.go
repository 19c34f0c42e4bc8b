package public

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

type setupPage struct {
	Token  string
	Values map[string]string
}

// setupForm's token is checked as a link (checkSetupLink), not as a field to correct.
type setupForm struct {
	Token           string `form:"token"`
	Email           string `form:"email" validate:"max=254" label:"setup.email"`
	Name            string `form:"name" validate:"max=100" label:"setup.name"`
	Password        string `form:"password,notrim" validate:"max=256" label:"setup.password"`
	PasswordConfirm string `form:"password_confirm,notrim" validate:"max=256" label:"setup.password_confirm"`
}

// Values is the form as typed, to show again: never a password.
func (f *setupForm) Values() map[string]string {
	return map[string]string{"email": f.Email, "name": f.Name}
}

var errSetupLink = &web.PageError{Status: http.StatusNotFound, Key: "error.setup_link"}

// SetupForm shows the first-administrator form for a valid one-time link.
func (h *Handlers) SetupForm(c *gin.Context) error {
	token := c.Query("token")
	if err := h.checkSetupLink(c, token); err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "setup", h.View(c, "setup.title", setupPage{Token: token}))
	return nil
}

func (h *Handlers) checkSetupLink(c *gin.Context, token string) error {
	if token == "" || len(token) > 100 {
		return errSetupLink
	}
	err := h.setup.CheckLink(c.Request.Context(), token)
	if errors.Is(err, apperr.ErrNotFound) {
		return errSetupLink
	}
	return err
}

// SetupSubmit creates the first administrator and signs them in.
func (h *Handlers) SetupSubmit(c *gin.Context) error {
	var f setupForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if err := h.checkSetupLink(c, f.Token); err != nil {
		return err
	}
	page := setupPage{Token: f.Token, Values: f.Values()}
	if inv, err = web.Merge(inv, h.setup.Validate(f.Email, f.Name, f.Password).OrNil()); err != nil {
		return err
	}
	if f.Password != f.PasswordConfirm {
		web.AddOnce(inv, "password_confirm", "password.mismatch")
	}
	if len(inv.Problems) > 0 {
		v := h.View(c, "setup.title", page)
		web.InFormOrder(inv, &f)
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "setup", v)
		return nil
	}
	user, err := h.setup.CreateAdmin(c.Request.Context(), f.Token, f.Email, f.Name, f.Password)
	switch {
	case errors.Is(err, apperr.ErrConflict):
		v := h.View(c, "setup.title", page)
		v.Problems = []apperr.Problem{{Field: "email", Key: "email.taken"}}
		h.Render(c, http.StatusConflict, "setup", v)
		return nil
	case errors.Is(err, apperr.ErrNotFound):
		return errSetupLink
	case err != nil:
		return err
	}
	if err := h.StartSession(c, user); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.admin_created")
	c.Redirect(http.StatusSeeOther, "/")
	return nil
}
