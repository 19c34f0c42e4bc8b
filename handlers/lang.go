package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
)

// switchLanguage remembers the chosen language and returns to the page the visitor was on.
func (s *Server) switchLanguage(c *gin.Context) {
	lang := i18n.Normalize(c.Query("to"))
	if lang == "" {
		s.RenderError(c, http.StatusBadRequest, "error.bad_language")
		return
	}
	s.SetCookie(c, web.LangCookie, lang, 365*24*3600)
	c.Redirect(http.StatusSeeOther, web.LocalPath(c.Query("next"), "/"))
}
