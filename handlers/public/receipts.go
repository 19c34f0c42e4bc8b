package public

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/receipt"
)

type verifyForm struct {
	JWS string `form:"receipt" validate:"required,max=20000" label:"verify.receipt"`
}

// Values is the form as typed, to show again with the verdict or the problems.
func (f *verifyForm) Values() map[string]string { return map[string]string{"receipt": f.JWS} }

type verifyPage struct {
	Prefix  string
	Values  map[string]string
	Checked bool
	Genuine bool
	Reason  string
	Receipt *receipt.Receipt
	Time    time.Time
}

// VerifyReceiptPage is the public form that checks a receipt.
func (h *Handlers) VerifyReceiptPage(c *gin.Context) error {
	h.Render(c, http.StatusOK, "verify_receipt", h.View(c, "verify.title", verifyPage{Prefix: "verify"}))
	return nil
}

// VerifyReceipt says whether a receipt is genuine and unaltered. A receipt is accepted
// pasted alone (the JWS) or as the downloaded JSON file's text.
func (h *Handlers) VerifyReceipt(c *gin.Context) error {
	var f verifyForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	p := verifyPage{Prefix: "verify", Values: f.Values()}
	if len(inv.Problems) > 0 {
		v := h.View(c, "verify.title", p)
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "verify_receipt", v)
		return nil
	}
	jws := strings.TrimSpace(f.JWS)
	var file struct {
		Receipt json.RawMessage `json:"receipt"`
		JWS     string          `json:"jws"`
	}
	fromFile := strings.HasPrefix(jws, "{") && json.Unmarshal([]byte(jws), &file) == nil && file.JWS != ""
	if fromFile {
		jws = file.JWS
	}
	p.Checked = true
	r, err := receipt.Verify(jws, h.receipts.Keys())
	if err == nil && fromFile && len(file.Receipt) > 0 && !sameJSON(file.Receipt, r) {
		// The signature holds, but the readable copy beside it was edited.
		err = receipt.ErrBadSignature
	}
	switch {
	case err == nil:
		p.Genuine, p.Receipt, p.Time = true, r, time.Unix(r.ConsentTimestamp, 0)
	case errors.Is(err, receipt.ErrBadSignature):
		p.Reason = "verify.altered"
	case errors.Is(err, receipt.ErrUnknownKey):
		p.Reason = "verify.unknown_key"
	default:
		p.Reason = "verify.malformed"
	}
	status := http.StatusOK
	if !p.Genuine {
		status = http.StatusUnprocessableEntity
	}
	h.Render(c, status, "verify_receipt", h.View(c, "verify.title", p))
	return nil
}

// sameJSON reports whether raw says exactly what v says.
func sameJSON(raw json.RawMessage, v any) bool {
	var a, b any
	want, err := json.Marshal(v)
	if err != nil || json.Unmarshal(raw, &a) != nil || json.Unmarshal(want, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
