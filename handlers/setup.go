package handlers

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

// setupForm shows the first-administrator form for a valid one-time link.
func (s *Server) setupForm(c *gin.Context) {
	token := c.Query("token")
	if err := s.checkSetupLink(c, token); err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "setup", s.View(c, "setup.title", setupPage{Token: token}))
}

func (s *Server) checkSetupLink(c *gin.Context, token string) error {
	if token == "" || len(token) > 100 {
		return errSetupLink
	}
	err := s.Setup.CheckLink(c.Request.Context(), token)
	if errors.Is(err, apperr.ErrNotFound) {
		return errSetupLink
	}
	return err
}

// setupSubmit creates the first administrator and signs them in.
func (s *Server) setupSubmit(c *gin.Context) {
	var f setupForm
	if err := c.ShouldBind(&f); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.Fail(c, err)
			return
		}
		s.Fail(c, errSetupLink)
		return
	}
	if err := s.checkSetupLink(c, f.Token); err != nil {
		s.Fail(c, err)
		return
	}
	page := setupPage{Token: f.Token, Email: f.Email, Name: f.Name}
	inv := s.Setup.Validate(f.Email, f.Name, f.Password)
	if f.Password != f.PasswordConfirm {
		inv.Add("password_confirm", "password.mismatch")
	}
	if len(inv.Problems) > 0 {
		v := s.View(c, "setup.title", page)
		web.InFormOrder(inv, &f)
		v.Problems = inv.Problems
		s.Render(c, http.StatusBadRequest, "setup", v)
		return
	}
	user, err := s.Setup.CreateAdmin(c.Request.Context(), f.Token, f.Email, f.Name, f.Password)
	switch {
	case errors.Is(err, apperr.ErrConflict):
		v := s.View(c, "setup.title", page)
		v.Problems = []apperr.Problem{{Field: "email", Key: "email.taken"}}
		s.Render(c, http.StatusConflict, "setup", v)
		return
	case errors.Is(err, apperr.ErrNotFound):
		s.Fail(c, errSetupLink)
		return
	case err != nil:
		s.Fail(c, err)
		return
	}
	if err := s.StartSession(c, user); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.admin_created")
	c.Redirect(http.StatusSeeOther, "/")
}
