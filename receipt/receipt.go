// Package receipt issues and checks consent receipts: a record, in the Kantara Initiative
// Consent Receipt Specification v1.1 format, of what a citizen consented to (or withdrew),
// under which notice version and wording, when and how. The agency signs each receipt so
// the citizen can later prove what they agreed to and anyone holding the agency's public
// key can check that a receipt is genuine and unaltered, without asking the portal.
//
// A receipt travels as a compact JWS (RFC 7515): three base64url parts, easy to put in a
// download, an e-mail or a QR code, and readable by any JOSE library. It is signed with
// Ed25519 (alg "EdDSA", RFC 8037): small keys and signatures, deterministic signing (no
// random nonce to get wrong), no algorithm parameters to misconfigure, and verification
// that rejects malleated signatures. Verify accepts only EdDSA, never "none" or an HMAC
// algorithm, and looks the key up by its id among keys the caller trusts, so keys can be
// rotated while old receipts stay verifiable.
//
// The package imports neither gin nor mongo.
package receipt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Version is the Kantara specification version every receipt carries.
const Version = "KI-CR-v1.1.0"

// Type is the JWS "typ" header of a receipt (RFC 8725 explicit typing), so a receipt
// cannot be mistaken for any other token and no other token for a receipt.
const Type = "consent-receipt+jws"

// Alg is the only JWS algorithm signed and accepted.
const Alg = "EdDSA"

// MaxLen is the longest compact JWS Verify looks at.
const MaxLen = 1 << 20

// Errors returned by Verify (wrapped, with detail; test with errors.Is).
var (
	// ErrMalformed: not a compact JWS of a receipt: not three base64url parts, bad JSON,
	// an algorithm other than EdDSA, a missing key id, unknown header parameters.
	ErrMalformed = errors.New("receipt: malformed")
	// ErrUnknownKey: the key id is not among the trusted keys.
	ErrUnknownKey = errors.New("receipt: unknown signing key")
	// ErrBadSignature: the signature does not match header and payload (tampered or forged).
	ErrBadSignature = errors.New("receipt: bad signature")
)

// Values of the x-portal extension.
const (
	ActionGrant    = "grant"
	ActionWithdraw = "withdraw"
	ActionDecline  = "decline" // an optional purpose left unticked when it was asked
	// ActionAcknowledge: told of a purpose that rests on the law or the service, not on
	// consent (its consentType is NOT_CONSENT); nothing to withdraw.
	ActionAcknowledge = "acknowledge"

	ChannelWeb   = "web"
	ChannelAPI   = "api"
	ChannelPaper = "paper"
	// ChannelRequest: withdrawn by fulfilling the person's own stop or delete request.
	ChannelRequest = "request"

	MethodExplicit = "explicit"
	MethodGPC      = "gpc" // a Global Privacy Control signal sent by the browser
)

// Receipt is a Kantara Consent Receipt v1.1. JSON names are the specification's; the
// portal's own fields live under "x-portal", a name the specification does not use.
// Lists are always written as arrays: Sign turns nil lists into empty ones.
type Receipt struct {
	Version          string       `json:"version"`          // always Version
	Jurisdiction     string       `json:"jurisdiction"`     // "TW"
	ConsentTimestamp int64        `json:"consentTimestamp"` // seconds since the Unix epoch
	CollectionMethod string       `json:"collectionMethod"` // e.g. "web form, privacy rights portal"
	ConsentReceiptID string       `json:"consentReceiptID"` // unique, e.g. a UUID
	PublicKey        string       `json:"publicKey,omitempty"`
	Language         string       `json:"language,omitempty"` // e.g. "zh-TW"
	PIIPrincipalID   string       `json:"piiPrincipalId"`
	PIIControllers   []Controller `json:"piiControllers"`
	PolicyURL        string       `json:"policyUrl"`
	Services         []Service    `json:"services"`
	Sensitive        bool         `json:"sensitive"`
	SPICat           []string     `json:"spiCat"`
	Portal           *Portal      `json:"x-portal,omitempty"`
}

// Controller is one entry of piiControllers: the agency collecting the data.
type Controller struct {
	PIIController    string  `json:"piiController"`
	OnBehalf         bool    `json:"onBehalf,omitempty"`
	Contact          string  `json:"contact"`
	Address          Address `json:"address"`
	Email            string  `json:"email"`
	Phone            string  `json:"phone"`
	PIIControllerURL string  `json:"piiControllerUrl,omitempty"`
}

// Address is a schema.org PostalAddress, as the specification's address object.
type Address struct {
	StreetAddress   string `json:"streetAddress"`
	AddressLocality string `json:"addressLocality,omitempty"`
	AddressRegion   string `json:"addressRegion,omitempty"`
	PostalCode      string `json:"postalCode,omitempty"`
	AddressCountry  string `json:"addressCountry"` // "TW"
}

// Service is one entry of services.
type Service struct {
	Service  string    `json:"service"`
	Purposes []Purpose `json:"purposes"`
}

// Purpose is one purpose of a service and the consent given to it.
type Purpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"` // e.g. "EXPLICIT"
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// Portal is the portal's extension: what happened and exactly what the citizen was shown.
type Portal struct {
	Action        string `json:"action"`        // ActionGrant, ActionWithdraw, ActionDecline or ActionAcknowledge
	NoticeVersion int    `json:"noticeVersion"` // consent.Notice.Version
	WordingHash   string `json:"wordingHash"`   // WordingHash of the texts shown
	Channel       string `json:"channel"`       // ChannelWeb, ChannelAPI, ChannelPaper or ChannelRequest
	Method        string `json:"method"`        // MethodExplicit or MethodGPC
}

// WordingHash binds the exact wording shown: "sha256:" and the hex SHA-256 of the parts,
// each preceded by its length in bytes (8 bytes, big-endian), so no two different lists
// of parts hash alike (("ab","c") differs from ("a","bc")).
func WordingHash(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		io.WriteString(h, p) // #nosec G104 -- a hash.Hash never returns an error
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Signer signs receipts with the agency's key. It is safe for concurrent use.
type Signer struct {
	priv ed25519.PrivateKey
	kid  string
}

// NewSigner returns a signer for priv, which must be a whole Ed25519 private key (64
// bytes, as from ed25519.GenerateKey or ParseKey); it panics otherwise.
func NewSigner(priv ed25519.PrivateKey) *Signer {
	if len(priv) != ed25519.PrivateKeySize {
		panic(fmt.Sprintf("receipt: private key has %d bytes, want %d", len(priv), ed25519.PrivateKeySize))
	}
	priv = ed25519.NewKeyFromSeed(priv.Seed()) // own copy, public half recomputed
	return &Signer{priv: priv, kid: KeyID(priv.Public().(ed25519.PublicKey))}
}

// PublicKey returns the key that verifies this signer's receipts; publish it.
func (s *Signer) PublicKey() ed25519.PublicKey {
	return bytes.Clone(s.priv.Public().(ed25519.PublicKey))
}

// KeyID returns the "kid" this signer puts in its receipts.
func (s *Signer) KeyID() string { return s.kid }

// KeyID returns the key id of pub: base64url (no padding) of the first 16 bytes of its
// SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Trusted returns the map Verify expects, each key under its KeyID. Pass the current key
// and every retired key whose receipts must still verify.
func Trusted(keys ...ed25519.PublicKey) map[string]ed25519.PublicKey {
	m := make(map[string]ed25519.PublicKey, len(keys))
	for _, k := range keys {
		m[KeyID(k)] = k
	}
	return m
}

type header struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
	Kid string `json:"kid"`
}

// Sign returns r as a compact JWS: header {"alg":"EdDSA","typ":Type,"kid":KeyID()},
// payload the JSON of r (fields in the order of the struct, no insignificant space).
// It checks the fields the specification requires and refuses text JSON cannot carry
// unchanged (invalid UTF-8), so the receipt says exactly what r says.
func (s *Signer) Sign(r *Receipt) (string, error) {
	if r == nil {
		return "", errors.New("receipt: nil receipt")
	}
	n := normalize(r)
	if err := n.check(); err != nil {
		return "", err
	}
	payload, err := encode(n)
	if err != nil {
		return "", err
	}
	var back Receipt
	if err := json.Unmarshal(payload, &back); err != nil || !reflect.DeepEqual(&back, n) {
		return "", errors.New("receipt: a field does not survive JSON (invalid UTF-8?)")
	}
	hdr, err := encode(header{Alg: Alg, Typ: Type, Kid: s.kid})
	if err != nil {
		return "", err
	}
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString(hdr) + "." + b64.EncodeToString(payload)
	sig := ed25519.Sign(s.priv, []byte(input))
	return input + "." + b64.EncodeToString(sig), nil
}

// Verify checks a compact JWS made by Sign against the trusted keys (kid → key, see
// Trusted) and returns the receipt it carries. It never panics. Errors wrap ErrMalformed,
// ErrUnknownKey or ErrBadSignature. The payload is parsed only after the signature holds.
func Verify(jws string, trusted map[string]ed25519.PublicKey) (*Receipt, error) {
	if len(jws) > MaxLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLen)
	}
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %d parts, want 3", ErrMalformed, len(parts))
	}
	var raw [3][]byte
	for i, p := range parts {
		b, err := decodePart(p)
		if err != nil {
			return nil, fmt.Errorf("%w: part %d: %v", ErrMalformed, i+1, err)
		}
		raw[i] = b
	}

	var h header
	if err := decodeStrict(raw[0], &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	switch {
	case h.Alg != Alg:
		return nil, fmt.Errorf("%w: alg %q, want %q", ErrMalformed, h.Alg, Alg)
	case h.Typ != Type:
		return nil, fmt.Errorf("%w: typ %q, want %q", ErrMalformed, h.Typ, Type)
	case h.Kid == "":
		return nil, fmt.Errorf("%w: no kid", ErrMalformed)
	}
	pub, ok := trusted[h.Kid]
	if !ok {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, h.Kid)
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: trusted key %q has %d bytes", ErrUnknownKey, h.Kid, len(pub))
	}
	if len(raw[2]) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature has %d bytes, want %d", ErrMalformed, len(raw[2]), ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), raw[2]) {
		return nil, ErrBadSignature
	}

	var r Receipt
	if err := decodeStrict(raw[1], &r); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if r.Version != Version {
		return nil, fmt.Errorf("%w: version %q, want %q", ErrMalformed, r.Version, Version)
	}
	return &r, nil
}

// MarshalKey returns the 32-byte seed of priv in standard base64, for a secrets file.
func MarshalKey(priv ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(priv.Seed())
}

// ParseKey reads a key written by MarshalKey (surrounding space is ignored).
func ParseKey(s string) (ed25519.PrivateKey, error) {
	seed, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("receipt: signing key: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("receipt: signing key has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// decodePart decodes unpadded base64url, refusing every other character (the standard
// decoder skips CR and LF) and non-zero trailing bits, so each value has one spelling.
func decodePart(p string) ([]byte, error) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("byte %#x at %d is not base64url", c, i)
		}
	}
	return base64.RawURLEncoding.Strict().DecodeString(p)
}

// decodeStrict decodes exactly one JSON value into v, refusing unknown names (a "crit" or
// "b64" header, a field this version does not know) and trailing data.
func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// normalize returns a copy of r whose lists are non-nil, so they are written as [].
func normalize(r *Receipt) *Receipt {
	n := *r
	n.PIIControllers = nonNil(r.PIIControllers)
	n.SPICat = nonNil(r.SPICat)
	n.Services = make([]Service, len(r.Services))
	for i, s := range r.Services {
		ps := make([]Purpose, len(s.Purposes))
		for j, p := range s.Purposes {
			p.PurposeCategory = nonNil(p.PurposeCategory)
			p.PIICategory = nonNil(p.PIICategory)
			ps[j] = p
		}
		s.Purposes = ps
		n.Services[i] = s
	}
	if r.Portal != nil {
		p := *r.Portal
		n.Portal = &p
	}
	return &n
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// check enforces what the specification requires and the x-portal values.
func (r *Receipt) check() error {
	var missing []string
	need := func(ok bool, name string) {
		if !ok {
			missing = append(missing, name)
		}
	}
	need(r.Version == Version, "version "+Version)
	need(r.Jurisdiction != "", "jurisdiction")
	need(r.ConsentTimestamp > 0, "consentTimestamp")
	need(r.CollectionMethod != "", "collectionMethod")
	need(r.ConsentReceiptID != "", "consentReceiptID")
	need(r.PIIPrincipalID != "", "piiPrincipalId")
	need(len(r.PIIControllers) > 0, "piiControllers")
	for _, c := range r.PIIControllers {
		need(c.PIIController != "", "piiController")
	}
	need(r.PolicyURL != "", "policyUrl")
	need(len(r.Services) > 0, "services")
	for _, s := range r.Services {
		need(s.Service != "", "service")
		need(len(s.Purposes) > 0, "purposes")
		for _, p := range s.Purposes {
			need(p.Purpose != "", "purpose")
			need(p.ConsentType != "", "consentType")
			need(!p.ThirdPartyDisclosure || p.ThirdPartyName != "", "thirdPartyName")
		}
	}
	if p := r.Portal; p != nil {
		need(p.Action == ActionGrant || p.Action == ActionWithdraw || p.Action == ActionDecline || p.Action == ActionAcknowledge, "x-portal.action")
		need(p.Channel == ChannelWeb || p.Channel == ChannelAPI || p.Channel == ChannelPaper || p.Channel == ChannelRequest, "x-portal.channel")
		need(p.Method == MethodExplicit || p.Method == MethodGPC, "x-portal.method")
		need(validHash(p.WordingHash), "x-portal.wordingHash")
	}
	if len(missing) > 0 {
		return fmt.Errorf("receipt: missing or invalid: %s", strings.Join(missing, ", "))
	}
	return nil
}

func validHash(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(h); i++ {
		if !('0' <= h[i] && h[i] <= '9' || 'a' <= h[i] && h[i] <= 'f') {
			return false
		}
	}
	return true
}
