package api

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/vault"
)

// apiMaxBody is the largest API request body: a receipt's JWS is a few kilobytes.
const apiMaxBody = 64 << 10

// openAPIDocument is the hand-written OpenAPI 3.1 description of the API.
//
//go:embed openapi.json
var openAPIDocument []byte

// decodeJSON reads the body into dst, a pointer to a struct: exactly one JSON object of
// at most apiMaxBody bytes, with no names dst does not have. Typed decoding is also what
// refuses operators: {"granted": {"$ne": 1}} is not a bool. On failure it returns
// the error the JSON answer names.
func (h *Handlers) decodeJSON(c *gin.Context, dst any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return web.ErrNotJSON
	}
	d := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, apiMaxBody))
	d.DisallowUnknownFields()
	err := d.Decode(dst)
	if err == nil {
		if _, terr := d.Token(); terr != io.EOF {
			err = fmt.Errorf("%w: data after the object", web.ErrMalformedJSON)
			var mbe *http.MaxBytesError
			if errors.As(terr, &mbe) {
				err = terr
			}
		}
	}
	if err != nil {
		var mbe *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe), errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, web.ErrMalformedJSON):
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			err = fmt.Errorf("%w: %v", web.ErrUnknownField, err)
		default: // io.EOF, io.ErrUnexpectedEOF, a literal that is not an object …
			err = fmt.Errorf("%w: %v", web.ErrMalformedJSON, err)
		}
		return err
	}
	return nil
}

// RequireAPIUser is RequireUser for the API: 401 instead of the sign-in page.
func (h *Handlers) RequireAPIUser(c *gin.Context) {
	u := web.CurrentUser(c)
	if u == nil {
		h.Fail(c, &web.PageError{Status: http.StatusUnauthorized, Key: "api.error.unauthenticated"})
		return
	}
	if h.Accounts != nil && h.Accounts.NeedsPasswordChange(u) {
		h.Fail(c, &web.PageError{Status: http.StatusForbidden, Key: "api.error.password_change_required"})
		return
	}
	c.Next()
}

// RequireToken admits requests carrying "Authorization: Bearer <token>" of a token that
// is not revoked and holds scope (RFC 6750 answers: 401 without a valid token, 403 for
// a revoked one or one lacking the scope). A use is recorded at most once a minute.
func (h *Handlers) RequireToken(scope apitoken.Scope) gin.HandlerFunc {
	return func(c *gin.Context) {
		const realm = `Bearer realm="pdpa-portal"`
		scheme, secret, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		secret = strings.TrimSpace(secret)
		if !strings.EqualFold(scheme, "Bearer") || secret == "" {
			c.Header("WWW-Authenticate", realm)
			h.Fail(c, &web.PageError{Status: http.StatusUnauthorized, Key: "api.error.token_missing"})
			return
		}
		var tok *apitoken.Token
		err := apperr.ErrNotFound
		if apitoken.Plausible(secret) && h.apiTokens != nil {
			tok, err = h.apiTokens.Get(c.Request.Context(), account.TokenHash(secret))
		}
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			c.Header("WWW-Authenticate", realm+`, error="invalid_token"`)
			h.Fail(c, &web.PageError{Status: http.StatusUnauthorized, Key: "api.error.token_invalid"})
			return
		case err != nil:
			h.Fail(c, err)
			return
		case tok.Revoked():
			c.Header("WWW-Authenticate", realm+`, error="invalid_token"`)
			h.Fail(c, &web.PageError{Status: http.StatusForbidden, Key: "api.error.token_revoked"})
			return
		case !tok.Has(scope):
			c.Header("WWW-Authenticate", realm+`, error="insufficient_scope", scope="`+string(scope)+`"`)
			h.Fail(c, &web.PageError{Status: http.StatusForbidden, Key: "api.error.insufficient_scope"})
			return
		}
		if now := h.Now(); tok.NeedsTouch(now) {
			if err := h.apiTokens.Touch(c.Request.Context(), tok.Hash, now); err != nil {
				// The answer does not depend on it; the next use tries again.
				h.Log.Warn("record API token use", "request_id", c.GetString(web.KeyRequestID), "err", err)
			}
		}
		c.Set(web.KeyAPIToken, tok)
		// The token names the actor: a write is recorded as pending before it acts.
		if !h.AuditBegin(c) {
			return
		}
		c.Next()
	}
}

// OpenAPI serves the API's description.
func (h *Handlers) OpenAPI(c *gin.Context) error {
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDocument)
	return nil
}

// apiConsentState is one purpose's current state for its owner.
type apiConsentState struct {
	Purpose  string `json:"purpose"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Outside  bool   `json:"outside"`
	Granted  bool   `json:"granted"`
	// The last decision: nil while there is none.
	Action        *consent.Action `json:"action"`
	NoticeVersion *int            `json:"noticeVersion"`
	Since         *time.Time      `json:"since"`
	EventID       *string         `json:"eventId"`
	// Pending: the current notice asks the person to decide (again).
	Pending bool `json:"pending"`
}

type apiMyConsentsBody struct {
	NoticeVersion int               `json:"noticeVersion"`
	Purposes      []apiConsentState `json:"purposes"`
}

func stateOf(p *consent.Purpose, lang string, states map[string]consent.State, pending []string) apiConsentState {
	out := apiConsentState{Purpose: p.ID, Code: p.Code, Name: p.Name.In(lang), Required: p.Required, Outside: p.Outside, Pending: slices.Contains(pending, p.ID)}
	if st, ok := states[p.ID]; ok {
		at := st.At.UTC()
		out.Granted, out.Action, out.NoticeVersion, out.Since, out.EventID = st.Granted, &st.Action, &st.NoticeVersion, &at, &st.EventID
	}
	return out
}

// myStates loads the current notice and the signed-in person's states.
func (h *Handlers) myStates(c *gin.Context) (*consent.Notice, map[string]consent.State, error) {
	ctx := c.Request.Context()
	n, err := h.Notices.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	states, err := h.consents.Store.States(ctx, web.CurrentUser(c).ID)
	if err != nil {
		return nil, nil, err
	}
	return n, states, nil
}

// MyConsents is the state of every purpose of the current notice.
func (h *Handlers) MyConsents(c *gin.Context) error {
	n, states, err := h.myStates(c)
	if err != nil {
		return err
	}
	pending := consent.Pending(n, states)
	body := apiMyConsentsBody{NoticeVersion: n.Version, Purposes: []apiConsentState{}}
	for i := range n.Purposes {
		body.Purposes = append(body.Purposes, stateOf(&n.Purposes[i], c.GetString(web.KeyLang), states, pending))
	}
	web.WriteJSON(c.Writer, http.StatusOK, body)
	return nil
}

type apiChangeRequest struct {
	Granted *bool `json:"granted"`
	// NoticeVersion is the version whose wording the person was shown (GET me/consents).
	NoticeVersion *int `json:"noticeVersion"`
}

type apiChangeBody struct {
	// Changed is false when the decision was already in effect (nothing recorded).
	Changed bool            `json:"changed"`
	Consent apiConsentState `json:"consent"`
}

// ChangeConsent grants or withdraws one purpose, as the my-consents page does.
func (h *Handlers) ChangeConsent(c *gin.Context) error {
	var req apiChangeRequest
	if err := h.decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Granted == nil {
		return fmt.Errorf("%w: granted", web.ErrMissingField)
	}
	if req.NoticeVersion == nil {
		return fmt.Errorf("%w: noticeVersion", web.ErrMissingField)
	}
	id := c.Param("purpose")
	if len(id) > 40 {
		return &web.PageError{Status: http.StatusNotFound, Key: "api.error.unknown_purpose"}
	}
	e, err := h.consents.Change(c.Request.Context(), web.CurrentUser(c).ID, id, *req.Granted, *req.NoticeVersion, c.GetString(web.KeyLang), consent.ChannelAPI)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		return &web.PageError{Status: http.StatusNotFound, Key: "api.error.unknown_purpose"}
	case err != nil: // consent.ErrRequired is 409 required_purpose (StatusOf)
		return err
	}
	n, states, err := h.myStates(c)
	if err != nil {
		return err
	}
	p := n.Purpose(id)
	if p == nil { // a new notice without it, published in between
		return &web.PageError{Status: http.StatusNotFound, Key: "api.error.unknown_purpose"}
	}
	web.WriteJSON(c.Writer, http.StatusOK, apiChangeBody{Changed: e != nil, Consent: stateOf(p, c.GetString(web.KeyLang), states, consent.Pending(n, states))})
	return nil
}

// apiEvent is one entry of a person's consent history.
type apiEvent struct {
	ID            string         `json:"id"`
	Purpose       string         `json:"purpose"`
	Action        consent.Action `json:"action"`
	NoticeVersion int            `json:"noticeVersion"`
	At            time.Time      `json:"at"`
	Channel       string         `json:"channel"`
	Method        string         `json:"method"`
	Lang          string         `json:"lang"`
	WordingHash   string         `json:"wordingHash"`
	// Receipt is the path of the signed receipt, if the event has one.
	Receipt *string `json:"receipt"`
}

// historyLimit is how many events the history returns, as the my-consents page.
const historyLimit = 200

// MyHistory lists the person's consent events, newest first.
func (h *Handlers) MyHistory(c *gin.Context) error {
	events, err := h.consents.Store.History(c.Request.Context(), web.CurrentUser(c).ID, historyLimit)
	if err != nil {
		return err
	}
	out := make([]apiEvent, len(events))
	for i, e := range events {
		out[i] = apiEvent{ID: e.ID, Purpose: e.Purpose, Action: e.Action, NoticeVersion: e.NoticeVersion, At: e.At.UTC(),
			Channel: e.Channel, Method: e.Method, Lang: e.Lang, WordingHash: e.WordingHash}
		if e.Receipt != "" {
			link := web.APIPrefix + "/me/receipts/" + e.ID
			out[i].Receipt = &link
		}
	}
	web.WriteJSON(c.Writer, http.StatusOK, struct {
		Events []apiEvent `json:"events"`
	}{out})
	return nil
}

type apiReceiptBody struct {
	Receipt *receipt.Receipt `json:"receipt"`
	JWS     string           `json:"jws"`
}

// MyReceipt is the signed receipt of one of the person's events (anyone else's is
// not found), as the download gives it.
func (h *Handlers) MyReceipt(c *gin.Context) error {
	e, err := h.receipts.Own(c)
	if err != nil {
		return err
	}
	r, err := h.receipts.Verify(e)
	if err != nil {
		return err // a stored receipt that does not verify otherwise is the portal's fault: 500, logged
	}
	web.WriteJSON(c.Writer, http.StatusOK, apiReceiptBody{Receipt: r, JWS: e.Receipt})
	return nil
}

type apiVerifyRequest struct {
	JWS *string `json:"jws"`
}

type apiVerifyBody struct {
	Genuine bool             `json:"genuine"`
	Receipt *receipt.Receipt `json:"receipt"`
}

// VerifyReceipt checks a receipt for anyone: 200 if genuine, 422 saying why not.
func (h *Handlers) VerifyReceipt(c *gin.Context) error {
	var req apiVerifyRequest
	if err := h.decodeJSON(c, &req); err != nil {
		return err
	}
	if req.JWS == nil {
		return fmt.Errorf("%w: jws", web.ErrMissingField)
	}
	r, err := receipt.Verify(strings.TrimSpace(*req.JWS), h.receipts.Keys())
	key := "api.error.receipt_malformed"
	switch {
	case err == nil:
		web.WriteJSON(c.Writer, http.StatusOK, apiVerifyBody{Genuine: true, Receipt: r})
		return nil
	case errors.Is(err, receipt.ErrBadSignature):
		key = "api.error.receipt_altered"
	case errors.Is(err, receipt.ErrUnknownKey):
		key = "api.error.receipt_unknown_key"
	}
	return &web.PageError{Status: http.StatusUnprocessableEntity, Key: key}
}

// apiLookup is whether a person consents to a purpose now.
type apiLookup struct {
	Subject string `json:"subject"`
	Purpose string `json:"purpose"`
	Granted bool   `json:"granted"`
	// Pending: the purpose is new or changed since the person decided; until they decide
	// again, granted is false.
	Pending bool `json:"pending"`
	// The version of the notice under which the decision was made, and when: nil while
	// the person has not decided.
	NoticeVersion *int       `json:"noticeVersion"`
	Since         *time.Time `json:"since"`
	// Stopped: an approved stop request (of this purpose, or of everything) restricts
	// processing for it; granted is false until the person lifts it.
	Stopped bool `json:"stopped"`
}

// LookupConsent answers the agency's other systems: may they use a person's data for
// a purpose (no newsletter without consent)? The subject is the person's user id.
func (h *Handlers) LookupConsent(c *gin.Context) error {
	subject, id := c.Param("subject"), c.Param("purpose")
	ctx := c.Request.Context()
	n, err := h.Notices.Current(ctx)
	if err != nil {
		return err
	}
	if len(id) > 40 || n.Purpose(id) == nil {
		return &web.PageError{Status: http.StatusNotFound, Key: "api.error.unknown_purpose"}
	}
	if len(subject) > 40 || !strings.HasPrefix(subject, "u_") {
		return &web.PageError{Status: http.StatusNotFound, Key: "api.error.unknown_subject"}
	}
	states, err := h.consents.Store.States(ctx, subject)
	if errors.Is(err, apperr.ErrNotFound) {
		err = &web.PageError{Status: http.StatusNotFound, Key: "api.error.unknown_subject"}
	}
	if err != nil {
		return err
	}
	u, err := h.Users.ByID(ctx, subject)
	if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
		err = &web.PageError{Status: http.StatusNotFound, Key: "api.error.unknown_subject"} // gone, or erased
	}
	if err != nil {
		return err
	}
	out := apiLookup{Subject: subject, Purpose: id, Pending: true, Stopped: u.StoppedFor(id) || !u.Restricted.IsZero()}
	if st, ok := states[id]; ok {
		at := st.At.UTC()
		current := st.NoticeVersion >= n.Purpose(id).Since
		out.Granted, out.Pending, out.NoticeVersion, out.Since = st.Granted && current && !out.Stopped, !current, &st.NoticeVersion, &at
	}
	web.WriteJSON(c.Writer, http.StatusOK, out)
	return nil
}
