package citizen

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/twtime"
)

// MyData shows the signed-in person, on one page, everything the portal holds on them.
func (h *Handlers) MyData(c *gin.Context) error {
	d, err := h.PersonalData(c.Request.Context(), c.GetString(web.KeyLang), web.CurrentUser(c))
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "mydata", h.View(c, "mydata.title", d))
	return nil
}

// MyDataJSON downloads the same as data.json (schema: export/SCHEMA.md).
func (h *Handlers) MyDataJSON(c *gin.Context) error {
	d, err := h.PersonalData(c.Request.Context(), c.GetString(web.KeyLang), web.CurrentUser(c))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="my-data-`+h.Now().In(twtime.Zone).Format(time.DateOnly)+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
	return nil
}
