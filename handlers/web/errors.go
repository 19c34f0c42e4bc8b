package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/rights"
)

// ErrorPage is the data of the error template.
type ErrorPage struct {
	Status     int
	MessageKey string
	Args       []any            // the message's values
	Problems   []apperr.Problem // what was wrong with the input, when a form cannot be shown again
}

// PageError is an error with a status and a specific message for the user.
type PageError struct {
	Status int
	Key    string
}

func (e *PageError) Error() string { return e.Key }

// StatusOf is the one place that maps errors to status codes and user messages. Only
// 5xx are logged; the user never sees internal text. The JSON API answers with the same
// Status and a stable code derived from it (codeOf).
func StatusOf(err error) (int, string) {
	var pe *PageError
	var inv *apperr.Invalid
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &pe):
		return pe.Status, pe.Key
	case errors.As(err, new(*LimitError)):
		return http.StatusTooManyRequests, "error.429.wait"
	case errors.Is(err, casework.ErrUploadsPaused):
		return http.StatusServiceUnavailable, "error.uploads_paused"
	case errors.Is(err, attachments.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "files.too_large"
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, ""
	case errors.Is(err, ErrNotJSON):
		return http.StatusUnsupportedMediaType, "api.error.unsupported_media_type"
	case errors.Is(err, ErrUnknownField):
		return http.StatusBadRequest, "api.error.unknown_field"
	case errors.Is(err, ErrMissingField):
		return http.StatusBadRequest, "api.error.missing_field"
	case errors.As(err, &typ):
		return http.StatusBadRequest, "api.error.invalid_field"
	case errors.As(err, &syn), errors.Is(err, ErrMalformedJSON):
		return http.StatusBadRequest, "api.error.malformed_json"
	case errors.Is(err, consent.ErrRequired):
		return http.StatusConflict, "api.error.required_purpose"
	case errors.Is(err, rights.ErrImportGone):
		return http.StatusConflict, "calendar.import_gone"
	case errors.Is(err, consent.ErrStaleNotice):
		return http.StatusConflict, "api.error.notice_changed"
	case errors.As(err, &inv), errors.Is(err, forms.ErrMalformed):
		return http.StatusBadRequest, ""
	case errors.Is(err, account.ErrAdminExists):
		return http.StatusForbidden, "error.setup_done"
	case errors.As(err, new(*rights.QuotaError)):
		return http.StatusTooManyRequests, "api.error.quota"
	case errors.Is(err, account.ErrOwnAccess):
		return http.StatusForbidden, "staff.own_access"
	case errors.Is(err, apperr.ErrNotFound):
		return http.StatusNotFound, ""
	case errors.Is(err, apperr.ErrForbidden):
		return http.StatusForbidden, ""
	case errors.Is(err, apperr.ErrConflict), errors.Is(err, apperr.ErrStale):
		return http.StatusConflict, ""
	case apperr.IsStorageFull(err):
		return http.StatusServiceUnavailable, "error.storage_full"
	case errors.Is(err, apperr.ErrUnavailable):
		return http.StatusServiceUnavailable, ""
	default:
		return http.StatusInternalServerError, ""
	}
}

// Fail renders the page for err and stops the handler chain.
func (s *Core) Fail(c *gin.Context, err error) {
	status, key := StatusOf(err)
	if status >= 500 {
		s.Log.Error("request failed", "request_id", c.GetString(KeyRequestID), "path", c.Request.URL.Path, "status", status, "err", err)
	}
	if le := (*LimitError)(nil); errors.As(err, &le) {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(le.Wait.Seconds()))))
		if isAPI(c.Request) {
			s.writeJSONError(c.Writer, c.GetString(KeyLang), c.GetString(KeyRequestID), status, "")
			c.Abort()
			return
		}
		s.RenderError(c, status, key, int(math.Ceil(le.Wait.Minutes()))) // how long, not only "later"
		return
	}
	if qe := (*rights.QuotaError)(nil); errors.As(err, &qe) {
		// Which limit, and how far: in the page, and in the API's message under the
		// stable code "quota".
		if isAPI(c.Request) {
			lang := c.GetString(KeyLang)
			c.Header("Content-Language", lang)
			WriteJSON(c.Writer, status, apiErrorBody{Error: apiErrorDetail{Code: "quota", Message: s.Cat.T(lang, qe.Key, qe.Limit), RequestID: c.GetString(KeyRequestID)}})
			c.Abort()
			return
		}
		s.RenderError(c, status, qe.Key, qe.Limit)
		return
	}
	var inv *apperr.Invalid
	if errors.As(err, &inv) && isAPI(c.Request) {
		// The API says what was wrong too, field by field, not only "not valid".
		lang := c.GetString(KeyLang)
		v := &View{Lang: lang, s: s}
		body := apiErrorBody{Error: apiErrorDetail{Code: apiCodes[status], Message: s.Cat.T(lang, "api.error."+apiCodes[status]), RequestID: c.GetString(KeyRequestID)}}
		for _, p := range inv.Problems {
			body.Error.Problems = append(body.Error.Problems, apiProblem{Field: p.Field, Message: v.Problem(p)})
		}
		c.Header("Content-Language", lang)
		WriteJSON(c.Writer, status, body)
		c.Abort()
		return
	}
	if errors.As(err, &inv) && !isAPI(c.Request) {
		// A link or export without its form (a CSV, a report): say what was wrong.
		v := s.newView(c.Request, c.GetString(KeyLang), c.GetString(KeyRequestID), "error.400.title", ErrorPage{Status: status, Problems: inv.Problems})
		s.writePage(c.Writer, status, "error", v)
		c.Abort()
		return
	}
	s.RenderError(c, status, key)
}

// knownStatus are the statuses with their own wording; anything else reads as 500.
var knownStatus = map[int]bool{400: true, 403: true, 404: true, 405: true, 409: true, 413: true, 429: true, 500: true, 503: true}

// RenderError renders the error page for status and stops the handler chain.
func (s *Core) RenderError(c *gin.Context, status int, key string, args ...any) {
	// The page's header shows who is signed in, as every other page does.
	s.writeErrorAs(c.Writer, c.Request, c.GetString(KeyLang), c.GetString(KeyRequestID), status, key, CurrentUser(c), args...)
	c.Abort()
}

// WriteError writes an error page; it needs no Gin context, so the cross-origin guard
// in front of Gin uses it too.
func (s *Core) WriteError(w http.ResponseWriter, r *http.Request, lang, requestID string, status int, key string) {
	s.writeErrorAs(w, r, lang, requestID, status, key, nil)
}

// writeErrorAs is WriteError for a known visitor (nil: as signed out).
func (s *Core) writeErrorAs(w http.ResponseWriter, r *http.Request, lang, requestID string, status int, key string, u *account.User, args ...any) {
	if lang == "" {
		lang = requestLang(r)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "30")
	}
	if isAPI(r) {
		s.writeJSONError(w, lang, requestID, status, key)
		return
	}
	if !knownStatus[status] {
		status = http.StatusInternalServerError
	}
	v := s.newView(r, lang, requestID, fmt.Sprintf("error.%d.title", status), ErrorPage{Status: status, MessageKey: key, Args: args})
	v.User = u
	s.writePage(w, status, "error", v)
}

// isAPI reports whether a request is for the JSON API, whose errors are JSON too.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, APIPrefix+"/") }

// apiCodes are the API's error codes by status, for errors without a code of their own.
var apiCodes = map[int]string{
	400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 413: "body_too_large", 415: "unsupported_media_type", 422: "unprocessable", 429: "rate_limited",
	500: "internal", 503: "unavailable",
}

// pageKeyCodes give the page messages that have an API meaning of their own a code.
var pageKeyCodes = map[string]string{"error.cross_origin": "cross_origin", "error.preparing": "preparing",
	"error.storage_full": "storage_full", "error.uploads_paused": "uploads_paused"}

// codeOf is the API's stable error code for what StatusOf returned: the code in an
// "api.error.<code>" key, or the status's own code. Unknown statuses read as 500.
func codeOf(status int, key string) (int, string) {
	if _, ok := apiCodes[status]; !ok {
		return http.StatusInternalServerError, apiCodes[http.StatusInternalServerError]
	}
	if code, ok := strings.CutPrefix(key, "api.error."); ok {
		return status, code
	}
	if code, ok := pageKeyCodes[key]; ok {
		return status, code
	}
	return status, apiCodes[status]
}

// apiErrorBody is every API error: {"error": {"code", "message", "requestId"}}.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"`
	// Problems: what was wrong with a request body, by field.
	Problems []apiProblem `json:"problems,omitempty"`
}

type apiProblem struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// writeJSONError is WriteError for the API: the stable code, the message in the
// caller's language (catalogue key api.error.<code>) and the request id.
func (s *Core) writeJSONError(w http.ResponseWriter, lang, requestID string, status int, key string) {
	status, code := codeOf(status, key)
	w.Header().Set("Content-Language", lang)
	WriteJSON(w, status, apiErrorBody{Error: apiErrorDetail{Code: code, Message: s.Cat.T(lang, "api.error."+code), RequestID: requestID}})
}

// H adapts a handler that returns its error: nil means it answered; an error is answered
// here, by the one mapper, as a page or as the API's JSON.
func (s *Core) H(fn func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			s.Fail(c, err)
		}
	}
}
