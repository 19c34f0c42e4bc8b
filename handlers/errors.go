package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/forms"
)

// errorPage is the data of the error template.
type errorPage struct {
	Status     int
	MessageKey string
}

// pageError is an error with a status and a specific message for the user.
type pageError struct {
	status int
	key    string
}

func (e *pageError) Error() string { return e.key }

// statusOf is the one place that maps errors to status codes and user messages. Only
// 5xx are logged; the user never sees internal text.
func statusOf(err error) (int, string) {
	var pe *pageError
	var inv *apperr.Invalid
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &pe):
		return pe.status, pe.key
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, ""
	case errors.As(err, &inv), errors.Is(err, forms.ErrMalformed):
		return http.StatusBadRequest, ""
	case errors.Is(err, account.ErrAdminExists):
		return http.StatusForbidden, "error.setup_done"
	case errors.Is(err, apperr.ErrNotFound):
		return http.StatusNotFound, ""
	case errors.Is(err, apperr.ErrForbidden):
		return http.StatusForbidden, ""
	case errors.Is(err, apperr.ErrConflict), errors.Is(err, apperr.ErrStale):
		return http.StatusConflict, ""
	case errors.Is(err, apperr.ErrUnavailable):
		return http.StatusServiceUnavailable, ""
	default:
		return http.StatusInternalServerError, ""
	}
}

// fail renders the page for err and stops the handler chain.
func (s *Server) fail(c *gin.Context, err error) {
	status, key := statusOf(err)
	if status >= 500 {
		s.Log.Error("request failed", "request_id", c.GetString(keyRequestID), "path", c.Request.URL.Path, "status", status, "err", err)
	}
	s.renderError(c, status, key)
}

// knownStatus are the statuses with their own wording; anything else reads as 500.
var knownStatus = map[int]bool{400: true, 403: true, 404: true, 405: true, 409: true, 413: true, 429: true, 500: true, 503: true}

// renderError renders the error page for status and stops the handler chain.
func (s *Server) renderError(c *gin.Context, status int, key string) {
	s.writeError(c.Writer, c.Request, c.GetString(keyLang), c.GetString(keyRequestID), status, key)
	c.Abort()
}

// writeError writes an error page; it needs no Gin context, so the cross-origin guard
// in front of Gin uses it too.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, lang, requestID string, status int, key string) {
	if !knownStatus[status] {
		status = http.StatusInternalServerError
	}
	if lang == "" {
		lang = requestLang(r)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	v := s.newView(r, lang, requestID, fmt.Sprintf("error.%d.title", status), errorPage{Status: status, MessageKey: key})
	s.writePage(w, status, "error", v)
}
