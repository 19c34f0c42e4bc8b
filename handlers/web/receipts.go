package web

import (
	"crypto/ed25519"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/receipt"
)

// Receipts are the consent receipts people hold: read as their own, verified against the
// trusted keys (the signing key and any retired ones, which a rotation replaces).
type Receipts struct {
	consents *consent.Service
	log      *slog.Logger
	mu       sync.RWMutex
	keys     map[string]ed25519.PublicKey
}

// NewReceipts reads receipts from consents and trusts keys.
func NewReceipts(consents *consent.Service, keys map[string]ed25519.PublicKey, log *slog.Logger) *Receipts {
	return &Receipts{consents: consents, keys: keys, log: log}
}

// Keys are the trusted keys.
func (s *Receipts) Keys() map[string]ed25519.PublicKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys
}

// SetKeys replaces the trusted keys.
func (s *Receipts) SetKeys(keys map[string]ed25519.PublicKey) {
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
}

// Own loads a consent event of the signed-in person; anyone else's is not found.
func (s *Receipts) Own(c *gin.Context) (*consent.Event, error) {
	id := c.Param("id")
	if len(id) > 40 || !strings.HasPrefix(id, "ce_") {
		return nil, apperr.ErrNotFound
	}
	e, err := s.consents.Store.Event(c.Request.Context(), id)
	if err == nil && e.Subject != CurrentUser(c).ID {
		err = apperr.ErrNotFound
	}
	if err == nil && e.Receipt == "" {
		err = apperr.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ErrKeyRetired: a stored receipt was signed by a key this portal no longer trusts (a
// rotation without PORTAL_RECEIPT_RETIRED_KEYS).
var ErrKeyRetired = &PageError{Status: http.StatusConflict, Key: "receipt.key_retired"}

// Verify verifies a stored receipt before showing it.
func (s *Receipts) Verify(e *consent.Event) (*receipt.Receipt, error) {
	r, err := receipt.Verify(e.Receipt, s.Keys())
	if errors.Is(err, receipt.ErrUnknownKey) {
		s.log.Error("a stored consent receipt is signed by an untrusted key; list the old public key in PORTAL_RECEIPT_RETIRED_KEYS", "event", e.ID)
		return nil, ErrKeyRetired
	}
	return r, err
}
