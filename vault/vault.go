// Package vault encrypts personal fields with a data key per person (AES-256-GCM), each
// data key wrapped by the master key (envelope encryption). Destroying a person's key makes
// every copy of their fields unreadable, backups included, as long as backups of the data
// never restore the key store. It imports neither gin nor mongo.
package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/example/pdpa-portal/apperr"
)

// ErrKeyDestroyed: the person's key is gone, so their fields can never be read again.
var ErrKeyDestroyed = errors.New("the data key was destroyed")

// Keys stores wrapped data keys by subject id.
type Keys interface {
	// Create stores a wrapped key; apperr.ErrConflict if the subject has one.
	Create(ctx context.Context, subject string, wrapped []byte) error
	// Get returns the wrapped key; apperr.ErrNotFound if there is none (or it was destroyed).
	Get(ctx context.Context, subject string) ([]byte, error)
	// Destroy removes the key for good.
	Destroy(ctx context.Context, subject string) error
}

// Vault seals and opens personal fields.
type Vault struct {
	master cipher.AEAD
	keys   Keys
}

// New returns a vault; masterKey must be 32 bytes.
func New(masterKey []byte, keys Keys) (*Vault, error) {
	aead, err := newAEAD(masterKey)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return &Vault{master: aead, keys: keys}, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("need 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Sealer encrypts and decrypts the fields of one person.
type Sealer struct {
	subject string
	aead    cipher.AEAD
}

// NewSubject creates and stores a fresh data key for subject.
func (v *Vault) NewSubject(ctx context.Context, subject string) (*Sealer, error) {
	s, wrapped, err := v.Prepare(subject)
	if err != nil {
		return nil, err
	}
	if err := v.keys.Create(ctx, subject, wrapped); err != nil {
		return nil, fmt.Errorf("store data key: %w", err)
	}
	return s, nil
}

// Prepare makes a fresh data key for subject without storing it: the sealer, and the
// key wrapped by the master key, which the caller stores (many at once, when seeding).
func (v *Vault) Prepare(subject string) (*Sealer, []byte, error) {
	dk := make([]byte, 32)
	if _, err := rand.Read(dk); err != nil {
		return nil, nil, err
	}
	aead, err := newAEAD(dk)
	if err != nil {
		return nil, nil, err
	}
	return &Sealer{subject: subject, aead: aead}, seal(v.master, dk, []byte("key:"+subject)), nil
}

// For returns the sealer of an existing subject; ErrKeyDestroyed if the key is gone.
func (v *Vault) For(ctx context.Context, subject string) (*Sealer, error) {
	wrapped, err := v.keys.Get(ctx, subject)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, fmt.Errorf("subject %s: %w", subject, ErrKeyDestroyed)
	}
	if err != nil {
		return nil, err
	}
	dk, err := open(v.master, wrapped, []byte("key:"+subject))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key of %s (wrong master key?): %w", subject, err)
	}
	aead, err := newAEAD(dk)
	if err != nil {
		return nil, err
	}
	return &Sealer{subject: subject, aead: aead}, nil
}

// Destroy deletes the subject's data key: crypto-shredding.
func (v *Vault) Destroy(ctx context.Context, subject string) error {
	return v.keys.Destroy(ctx, subject)
}

// Seal encrypts a field; the subject and field name are bound in, so a ciphertext moved
// to another person or field does not open.
func (s *Sealer) Seal(field, plaintext string) []byte {
	if plaintext == "" {
		return nil
	}
	return seal(s.aead, []byte(plaintext), []byte(s.subject+"/"+field))
}

// Open decrypts a field sealed by Seal.
func (s *Sealer) Open(field string, ciphertext []byte) (string, error) {
	if len(ciphertext) == 0 {
		return "", nil
	}
	b, err := open(s.aead, ciphertext, []byte(s.subject+"/"+field))
	if err != nil {
		return "", fmt.Errorf("open %s of %s: %w", field, s.subject, err)
	}
	return string(b), nil
}

func seal(a cipher.AEAD, plaintext, ad []byte) []byte {
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(plaintext)+a.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return a.Seal(nonce, nonce, plaintext, ad)
}

func open(a cipher.AEAD, ciphertext, ad []byte) ([]byte, error) {
	if len(ciphertext) < a.NonceSize()+a.Overhead() {
		return nil, errors.New("ciphertext too short")
	}
	n := a.NonceSize()
	return a.Open(nil, ciphertext[:n], ciphertext[n:], ad)
}
