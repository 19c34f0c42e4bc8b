package citizen

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

// ReceiptView is the printable receipt of one consent event.
func (h *Handlers) ReceiptView(c *gin.Context) error {
	e, err := h.receipts.Own(c)
	if err != nil {
		return err
	}
	r, err := h.receipts.Verify(e)
	if err != nil {
		return err
	}
	page := receiptPage{Event: e, Receipt: r, Time: time.Unix(r.ConsentTimestamp, 0)}
	// The receipt is signed in the language of the moment; the page words it for its reader.
	if n, err := h.Notices.Version(c.Request.Context(), e.NoticeVersion); err == nil {
		if p := n.Purpose(e.Purpose); p != nil {
			lang := c.GetString(web.KeyLang)
			page.Purpose = h.Cat.T(lang, "punct.labelled", p.Name.In(lang), p.Description.In(lang))
		}
	}
	h.Render(c, http.StatusOK, "receipt", h.View(c, "receipt.title", page))
	return nil
}

// ReceiptDownload gives the signed receipt as a JSON file: the receipt and its JWS.
func (h *Handlers) ReceiptDownload(c *gin.Context) error {
	e, err := h.receipts.Own(c)
	if err != nil {
		return err
	}
	r, err := h.receipts.Verify(e)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(struct {
		Receipt *receipt.Receipt `json:"receipt"`
		JWS     string           `json:"jws"`
	}{r, e.Receipt}, "", "  ")
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="consent-receipt-`+e.ID+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	return nil
}
