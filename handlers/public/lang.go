package public

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
)

// SwitchLanguage remembers the chosen language and returns to the page the visitor was on.
func (h *Handlers) SwitchLanguage(c *gin.Context) error {
	lang := i18n.Normalize(c.Query("to"))
	if lang == "" {
		return &web.PageError{Status: http.StatusBadRequest, Key: "error.bad_language"}
	}
	h.SetCookie(c, web.LangCookie, lang, 365*24*3600)
	c.Redirect(http.StatusSeeOther, localPath(c.Query("next"), "/"))
	return nil
}
