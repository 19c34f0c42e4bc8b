package public

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

type setupPage struct {
	Token string
	Email string
	Name  string
}

type setupForm struct {
	Token           string `form:"token" binding:"required,max=100"`
	Email           string `form:"email" binding:"max=254"`
	Name            string `form:"name" binding:"max=100"`
	Password        string `form:"password" binding:"max=256"`
	PasswordConfirm string `form:"password_confirm" binding:"max=256"`
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
	if err := c.ShouldBind(&f); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errSetupLink
	}
	if err := h.checkSetupLink(c, f.Token); err != nil {
		return err
	}
	page := setupPage{Token: f.Token, Email: f.Email, Name: f.Name}
	inv := h.setup.Validate(f.Email, f.Name, f.Password)
	if f.Password != f.PasswordConfirm {
		inv.Add("password_confirm", "password.mismatch")
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
