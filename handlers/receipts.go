package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/receipt"
)

type receiptPage struct {
	Event   *consent.Event
	Receipt *receipt.Receipt
	Time    time.Time
	// Purpose is the purpose's name and description in the reader's language, from the
	// notice version the receipt was given under ("" if that version cannot be read).
	Purpose string
}

// receiptView is the printable receipt of one consent event.
func (s *Server) receiptView(c *gin.Context) {
	e, err := s.receipts.Own(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	r, err := s.receipts.Verify(e)
	if err != nil {
		s.Fail(c, err)
		return
	}
	page := receiptPage{Event: e, Receipt: r, Time: time.Unix(r.ConsentTimestamp, 0)}
	// The receipt is signed in the language of the moment; the page words it for its reader.
	if n, err := s.Notices.Version(c.Request.Context(), e.NoticeVersion); err == nil {
		if p := n.Purpose(e.Purpose); p != nil {
			lang := c.GetString(web.KeyLang)
			page.Purpose = s.Cat.T(lang, "punct.labelled", p.Name.In(lang), p.Description.In(lang))
		}
	}
	s.Render(c, http.StatusOK, "receipt", s.View(c, "receipt.title", page))
}

// receiptDownload gives the signed receipt as a JSON file: the receipt and its JWS.
func (s *Server) receiptDownload(c *gin.Context) {
	e, err := s.receipts.Own(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	r, err := s.receipts.Verify(e)
	if err != nil {
		s.Fail(c, err)
		return
	}
	body, err := json.MarshalIndent(struct {
		Receipt *receipt.Receipt `json:"receipt"`
		JWS     string           `json:"jws"`
	}{r, e.Receipt}, "", "  ")
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="consent-receipt-`+e.ID+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
