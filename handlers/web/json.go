package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
)

// APIPrefix is where the JSON API lives; openapi.json describes every route under it.
const APIPrefix = "/api/v1"

// Errors of a request body the API cannot read; StatusOf maps them.
var (
	ErrNotJSON       = errors.New("api: the body is not application/json")
	ErrMalformedJSON = errors.New("api: malformed JSON")
	ErrUnknownField  = errors.New("api: unknown field")
	ErrMissingField  = errors.New("api: missing field")
)

// WriteJSON writes v as the response; API answers are never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

const KeyAPIToken = "api_token"
