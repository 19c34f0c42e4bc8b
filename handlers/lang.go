package handlers

import (
	"net/http"
	"strings"

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
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next")))
}

// localPath accepts only a path on this site, so the switch cannot redirect elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}
