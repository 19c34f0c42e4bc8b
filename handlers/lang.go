package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/i18n"
)

// switchLanguage remembers the chosen language and returns to the page the visitor was on.
func (s *Server) switchLanguage(c *gin.Context) {
	lang := i18n.Normalize(c.Query("to"))
	if lang == "" {
		s.renderError(c, http.StatusBadRequest, "error.bad_language")
		return
	}
	s.setCookie(c, langCookie, lang, 365*24*3600)
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next"), "/"))
}
