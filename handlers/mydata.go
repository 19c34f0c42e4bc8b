package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/web"
)

// myData shows the signed-in person, on one page, everything the portal holds on them.
func (s *Server) myData(c *gin.Context) {
	d, err := s.PersonalData(c.Request.Context(), c.GetString(web.KeyLang), web.CurrentUser(c))
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "mydata", s.View(c, "mydata.title", d))
}

// myDataJSON downloads the same as data.json (schema: export/SCHEMA.md).
func (s *Server) myDataJSON(c *gin.Context) {
	d, err := s.PersonalData(c.Request.Context(), c.GetString(web.KeyLang), web.CurrentUser(c))
	if err != nil {
		s.Fail(c, err)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="my-data-`+s.Now().In(web.Taipei).Format(time.DateOnly)+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
}
