package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// Guests implements rights.Guests: guest requesters by id, their address sealed with
// their own key, and one code per request kept as a keyed hash.
type Guests struct {
	db    *DB
	vault *vault.Vault
	key   []byte
}

var _ rights.Guests = (*Guests)(nil)

// NewGuests returns the guest store; key makes the codes' hashes useless without it.
func NewGuests(db *DB, v *vault.Vault, key []byte) *Guests {
	return &Guests{db: db, vault: v, key: key}
}

type guestDoc struct {
	ID        string    `bson:"_id"`
	Email     []byte    `bson:"email"`
	Name      []byte    `bson:"name,omitempty"`
	Phone     []byte    `bson:"phone,omitempty"` // sealed
	Lang      string    `bson:"lang"`
	Confirmed bool      `bson:"confirmed"`
	Reminded  bool      `bson:"reminded"`
	Created   time.Time `bson:"created"`
	// SearchKeys are the keyed search terms the guest is listed under (guest_search.go);
	// none: a guest from before the search, listed once at start.
	SearchKeys []string `bson:"search_keys,omitempty"`
}

// Create stores a new guest with a data key of their own.
func (s *Guests) Create(ctx context.Context, g *rights.Guest) error {
	sealer, err := s.vault.NewSubject(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("create guest: %w", err)
	}
	d := guestDoc{ID: g.ID, Email: sealer.Seal("guest.email", g.Email), Lang: g.Lang, Confirmed: g.Confirmed, Created: g.Created.UTC()}
	if g.Name != "" {
		d.Name = sealer.Seal("guest.name", g.Name)
	}
	if g.Phone != "" {
		d.Phone = sealer.Seal("guest.phone", g.Phone)
	}
	// Listed for the officers' search before the guest is written (intent first: a
	// search checks the guest it finds).
	d.SearchKeys = s.searchKeys(g.Name, g.Phone)
	if err := s.listSearch(ctx, g.ID, d.SearchKeys); err != nil {
		return fmt.Errorf("create guest: %w", err)
	}
	if _, err := s.db.coll(collGuests).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("create guest: %w", translate(err))
	}
	return nil
}

// Guest returns a guest by id.
func (s *Guests) Guest(ctx context.Context, id string) (*rights.Guest, error) {
	var d guestDoc
	if err := s.db.coll(collGuests).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, fmt.Errorf("guest: %w", translate(err))
	}
	sealer, err := s.vault.For(ctx, id)
	if err != nil {
		return nil, err
	}
	g := &rights.Guest{ID: d.ID, Lang: d.Lang, Confirmed: d.Confirmed, Reminded: d.Reminded, Created: d.Created}
	if g.Email, err = sealer.Open("guest.email", d.Email); err != nil {
		return nil, err
	}
	if len(d.Name) > 0 {
		if g.Name, err = sealer.Open("guest.name", d.Name); err != nil {
			return nil, err
		}
	}
	if len(d.Phone) > 0 {
		if g.Phone, err = sealer.Open("guest.phone", d.Phone); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// SetFlags sets the confirmed and reminded flags (never clears them).
func (s *Guests) SetFlags(ctx context.Context, id string, confirmed, reminded bool) error {
	set := bson.D{}
	if confirmed {
		set = append(set, bson.E{Key: "confirmed", Value: true})
	}
	if reminded {
		set = append(set, bson.E{Key: "reminded", Value: true})
	}
	if len(set) == 0 {
		return nil
	}
	if _, err := s.db.coll(collGuests).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return fmt.Errorf("guest: %w", translate(err))
	}
	return nil
}

// codeDoc holds a request's codes: the codes mailed on a browser's behalf, each usable only
// with that browser's binding (so a stranger who knows the reference cannot spend their
// tries), and at most one unbound code (the reminder's, or one issued before codes were
// bound), which any browser may try. One document per request keeps erasure one delete.
type codeDoc struct {
	Ref      string      `bson:"_id"`
	Hash     string      `bson:"hash,omitempty"`
	Expires  time.Time   `bson:"expires,omitempty"`
	Attempts int         `bson:"attempts"`
	Bound    []boundCode `bson:"bound,omitempty"`
}

type boundCode struct {
	Bind     string    `bson:"bind"` // keyed hash of the browser's binding
	Hash     string    `bson:"hash"`
	Expires  time.Time `bson:"expires"`
	Attempts int       `bson:"attempts"`
}

// maxBound caps the browsers holding a code for one request at once; the oldest go first.
const maxBound = 5

func (s *Guests) hash(ref, code string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("guest-code-v1\x00" + ref + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Guests) bindHash(ref, bind string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("guest-bind-v1\x00" + ref + "\x00" + bind))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Guests) codes(ctx context.Context, ref string) (*codeDoc, error) {
	d := &codeDoc{Ref: ref}
	err := translate(s.db.coll(collGuestCodes).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(d))
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return nil, err
	}
	return d, nil
}

func (s *Guests) save(ctx context.Context, d *codeDoc) error {
	_, err := s.db.coll(collGuestCodes).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.Ref}}, d, options.Replace().SetUpsert(true))
	return translate(err)
}

// IssueCode replaces the code of the request held for the browser bind ("" for the
// unbound code), keeping the other browsers' codes that are still valid.
func (s *Guests) IssueCode(ctx context.Context, ref, bind, code string, now time.Time) error {
	defer s.db.locks.lock(collGuestCodes, ref)()
	d, err := s.codes(ctx, ref)
	if err != nil {
		return fmt.Errorf("issue code: %w", err)
	}
	expires := now.Add(rights.CodeTTL).UTC()
	if bind == "" {
		d.Hash, d.Expires, d.Attempts = s.hash(ref, code), expires, 0
	} else {
		b := s.bindHash(ref, bind)
		kept := []boundCode{}
		for _, e := range d.Bound {
			if e.Bind != b && now.Before(e.Expires) {
				kept = append(kept, e)
			}
		}
		kept = append(kept, boundCode{Bind: b, Hash: s.hash(ref, code), Expires: expires})
		d.Bound = kept[max(0, len(kept)-maxBound):]
	}
	if err := s.save(ctx, d); err != nil {
		return fmt.Errorf("issue code: %w", err)
	}
	return nil
}

// CheckCode spends the request's codes if code matches the one held for the browser bind,
// or else the unbound one; a wrong try counts against the code tried only. A browser
// holding no code learns so (ErrCodeNone) and spends nothing.
func (s *Guests) CheckCode(ctx context.Context, ref, bind, code string, now time.Time) error {
	defer s.db.locks.lock(collGuestCodes, ref)()
	d, err := s.codes(ctx, ref)
	if err != nil {
		return fmt.Errorf("check code: %w", err)
	}
	hash, expires, attempts := d.Hash, d.Expires, &d.Attempts
	if bind != "" {
		b := s.bindHash(ref, bind)
		for i := range d.Bound {
			if d.Bound[i].Bind == b {
				hash, expires, attempts = d.Bound[i].Hash, d.Bound[i].Expires, &d.Bound[i].Attempts
			}
		}
	}
	if hash == "" {
		return rights.ErrCodeNone
	}
	if now.After(expires) || *attempts >= rights.CodeAttempts {
		return rights.ErrCodeExpired
	}
	if !hmac.Equal([]byte(hash), []byte(s.hash(ref, code))) {
		*attempts++
		if err := s.save(ctx, d); err != nil {
			return fmt.Errorf("check code: %w", err)
		}
		return rights.ErrCodeWrong
	}
	if _, err := s.db.coll(collGuestCodes).DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}}); err != nil {
		return fmt.Errorf("check code: %w", translate(err))
	}
	return nil
}
