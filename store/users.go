package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/vault"
)

// Users implements account.Users. Sign-in looks an address up by _id in user_emails,
// keyed by an HMAC of the address, so it never scans and the key reveals no address.
type Users struct {
	db       *DB
	key      []byte
	vault    *vault.Vault
	unsealed unsealedUsers
}

var _ account.Users = (*Users)(nil)

// NewUsers returns the user store; emailKey keys the address hash, and the e-mail
// address and name are stored sealed with the person's data key.
func NewUsers(db *DB, emailKey []byte, v *vault.Vault) *Users {
	return &Users{db: db, key: emailKey, vault: v}
}

type userDoc struct {
	ID                 string               `bson:"_id"`
	Email              []byte               `bson:"email"` // sealed
	EmailKey           string               `bson:"email_key"`
	Name               []byte               `bson:"name"`              // sealed
	Phone              []byte               `bson:"phone,omitempty"`   // sealed
	Address            []byte               `bson:"address,omitempty"` // sealed
	Lang               string               `bson:"lang,omitempty"`
	Roles              []string             `bson:"roles"`
	PasswordHash       string               `bson:"password_hash"`
	PasswordHistory    []string             `bson:"password_history,omitempty"`
	PasswordChanged    time.Time            `bson:"password_changed"`
	MustChangePassword bool                 `bson:"must_change_password,omitempty"`
	Created            time.Time            `bson:"created"`
	EmailVerified      bool                 `bson:"email_verified"`
	Disabled           bool                 `bson:"disabled"`
	LastSignIn         time.Time            `bson:"last_sign_in,omitempty"`
	Contractor         bool                 `bson:"contractor,omitempty"`
	Expires            time.Time            `bson:"expires,omitempty"`
	Restricted         time.Time            `bson:"restricted,omitempty"`
	Stopped            map[string]time.Time `bson:"stopped,omitempty"`
	Disputed           []string             `bson:"disputed,omitempty"`
	// SearchKeys are the keyed hashes under which the person is listed for officers'
	// searches by name and phone (searchKey), kept so an update or an erasure knows
	// which lists to leave without unsealing the old values.
	SearchKeys []string `bson:"search_keys,omitempty"`
	Version    int64    `bson:"version"`
}

type emailDoc struct {
	Key    string `bson:"_id"`
	UserID string `bson:"user_id"`
}

func (s *Users) emailKey(email string) string { return keyedEmail(s.key, email) }

// searchKey keys a search term (account.SearchTerms) with the e-mail index's key, apart
// from addresses by its prefix: the lists name no name or number.
func (s *Users) searchKey(term string) string { return keyedEmail(s.key, "search\x00"+term) }

func (s *Users) searchKeys(u *account.User) []string {
	var out []string
	for _, t := range account.SearchTerms(u.Name, u.Phone) {
		out = append(out, s.searchKey(t))
	}
	return out
}

// listPeople adds id to the list of each key (written before the account, intent
// first: a reader checks the account it finds).
func (s *Users) listPeople(ctx context.Context, id string, keys []string) error {
	for _, k := range keys {
		if err := s.db.listAdd(ctx, listPeople, k, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Users) unlistPeople(ctx context.Context, id string, keys []string) error {
	for _, k := range keys {
		if err := s.db.listRemove(ctx, listPeople, k, id); err != nil {
			return err
		}
	}
	return nil
}

// maxFound bounds the people one search lists: a common family name must not turn a
// search into a read of thousands of accounts.
const maxFound = 20

// ByTerm lists the accounts a search term (account.QueryTerm) finds: one list by _id,
// then each account by _id, checked against its name and phone (a list may still name
// an account whose name has since changed). At most maxFound, and whether more exist.
func (s *Users) ByTerm(ctx context.Context, term string) ([]*account.User, bool, error) {
	if term == "" {
		return nil, false, nil
	}
	ids, err := s.db.listIDs(ctx, listPeople, s.searchKey(term))
	if err != nil {
		return nil, false, fmt.Errorf("find people: %w", err)
	}
	var out []*account.User
	for _, id := range ids {
		if len(out) == maxFound {
			return out, true, nil
		}
		u, err := s.ByID(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("find people: %w", err)
		}
		if account.Matches(u.Name, u.Phone, term) {
			out = append(out, u)
		}
	}
	return out, false, nil
}

// Create claims the address first (its _id is unique), then writes the user. If the
// second write fails the claim is released, so the address can be used again.
func (s *Users) Create(ctx context.Context, u *account.User) error {
	key := s.emailKey(u.Email)
	if _, err := s.db.coll(collEmails).InsertOne(ctx, emailDoc{Key: key, UserID: u.ID}); err != nil {
		return fmt.Errorf("claim e-mail: %w", translate(err))
	}
	sealer, err := s.vault.NewSubject(ctx, u.ID)
	if err != nil {
		_, _ = s.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: u.ID}})
		return fmt.Errorf("create user: %w", err)
	}
	u.Version = 1
	if len(u.Roles) > 0 {
		if err := s.db.listAdd(ctx, listStaff, staffKey, u.ID); err != nil {
			_, _ = s.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: u.ID}})
			_ = s.vault.Destroy(ctx, u.ID)
			return fmt.Errorf("create user: %w", err)
		}
	}
	doc := toDoc(u, sealer, key)
	doc.SearchKeys = s.searchKeys(u)
	if err := s.listPeople(ctx, u.ID, doc.SearchKeys); err != nil {
		_, _ = s.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: u.ID}})
		_ = s.vault.Destroy(ctx, u.ID)
		return fmt.Errorf("create user: %w", err)
	}
	if _, err := s.db.coll(collUsers).InsertOne(ctx, doc); err != nil {
		_ = s.unlistPeople(ctx, u.ID, doc.SearchKeys)
		_, _ = s.db.coll(collEmails).DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "user_id", Value: u.ID}})
		_ = s.vault.Destroy(ctx, u.ID)
		return fmt.Errorf("create user: %w", translate(err))
	}
	return nil
}

func toDoc(u *account.User, sealer *vault.Sealer, key string) *userDoc {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	d := &userDoc{
		ID: u.ID, Email: sealer.Seal("email", account.NormalizeEmail(u.Email)), EmailKey: key, Name: sealer.Seal("name", u.Name),
		Lang: u.Lang, Roles: roles, PasswordHash: u.PasswordHash, PasswordHistory: u.PasswordHistory,
		PasswordChanged: u.PasswordChanged.UTC(), MustChangePassword: u.MustChangePassword, Created: u.Created.UTC(),
		EmailVerified: u.EmailVerified, Disabled: u.Disabled, LastSignIn: u.LastSignIn.UTC(),
		Contractor: u.Contractor, Expires: u.Expires.UTC(), Version: u.Version,
		Restricted: u.Restricted.UTC(), Disputed: u.Disputed, Stopped: u.Stopped,
	}
	if u.Phone != "" {
		d.Phone = sealer.Seal("phone", u.Phone)
	}
	if u.Address != "" {
		d.Address = sealer.Seal("address", u.Address)
	}
	return d
}

// Update replaces the stored user if its version is still u.Version. The lock makes the
// compare-and-set atomic on the embedded engine (see doclock.go).
func (s *Users) Update(ctx context.Context, u *account.User) error {
	defer s.db.locks.lock(collUsers, u.ID)()
	var cur userDoc
	if err := s.db.coll(collUsers).FindOne(ctx, bson.D{{Key: "_id", Value: u.ID}}).Decode(&cur); err != nil {
		return fmt.Errorf("update user: %w", translate(err))
	}
	if cur.Version != u.Version {
		return fmt.Errorf("update user %s: %w", u.ID, apperr.ErrStale)
	}
	sealer, err := s.vault.For(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if len(u.Roles) > 0 && len(cur.Roles) == 0 {
		if err := s.db.listAdd(ctx, listStaff, staffKey, u.ID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
	}
	next := *u
	next.Version = u.Version + 1
	next.Email = "" // the address never changes here; keep the stored one
	doc := toDoc(&next, sealer, cur.EmailKey)
	doc.Email = cur.Email
	doc.SearchKeys = s.searchKeys(&next)
	// The new name and number are listed before the account says them, the old ones
	// taken off after: a search never misses the person, and a stale entry is checked.
	if err := s.listPeople(ctx, u.ID, notIn(doc.SearchKeys, cur.SearchKeys)); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	// $set rather than replace: other stores keep their own fields on the person's
	// document (the consent state), which this update must not erase.
	raw, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	var fields bson.D
	if err := bson.Unmarshal(raw, &fields); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	set := fields[:0]
	for _, f := range fields {
		if f.Key != "_id" {
			set = append(set, f)
		}
	}
	update := bson.D{{Key: "$set", Value: set}}
	if unset := clearedFields(doc); len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	res, err := s.db.coll(collUsers).UpdateOne(ctx, s.db.atVersion(u.ID, u.Version), update)
	if err != nil {
		return fmt.Errorf("update user: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("update user %s: %w", u.ID, apperr.ErrStale)
	}
	u.Version = next.Version
	if err := s.unlistPeople(ctx, u.ID, notIn(cur.SearchKeys, doc.SearchKeys)); err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if len(u.Roles) == 0 && len(cur.Roles) > 0 {
		if err := s.db.listRemove(ctx, listStaff, staffKey, u.ID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
	}
	return nil
}

// staffKey names the one list of staff accounts.
const staffKey = "all"

// Staff lists every account with a staff role: the staff list, then each account by _id
// (an account on the list that no longer holds a role, or was never finished, is left out).
func (s *Users) Staff(ctx context.Context) ([]*account.User, error) {
	ids, err := s.db.listIDs(ctx, listStaff, staffKey)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	out := make([]*account.User, 0, len(ids))
	for _, id := range ids {
		u, err := s.ByID(ctx, id)
		if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		if len(u.Roles) > 0 {
			out = append(out, u)
		}
	}
	return out, nil
}

// ByID returns a user by id.
func (s *Users) ByID(ctx context.Context, id string) (*account.User, error) {
	if s.db.cache != nil {
		u, err := s.byIDUnsealed(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", id, err)
		}
		return u, nil
	}
	var d userDoc
	if err := s.db.byID(ctx, collUsers, id, &d); err != nil {
		return nil, fmt.Errorf("user %s: %w", id, err)
	}
	return s.toDomain(ctx, &d)
}

// ByEmail returns the user holding an address.
func (s *Users) ByEmail(ctx context.Context, email string) (*account.User, error) {
	var e emailDoc
	if err := s.db.coll(collEmails).FindOne(ctx, bson.D{{Key: "_id", Value: s.emailKey(email)}}).Decode(&e); err != nil {
		return nil, fmt.Errorf("user by e-mail: %w", translate(err))
	}
	u, err := s.ByID(ctx, e.UserID)
	if errors.Is(err, apperr.ErrNotFound) {
		// A claim without its user is the trace of an interrupted Create.
		return nil, fmt.Errorf("user by e-mail: %w", apperr.ErrNotFound)
	}
	return u, err
}

// AdminExists reports whether an enabled administrator exists, from the staff list.
func (s *Users) AdminExists(ctx context.Context) (bool, error) {
	staff, err := s.Staff(ctx)
	if err != nil {
		return false, fmt.Errorf("look for an administrator: %w", err)
	}
	for _, u := range staff {
		if u.Has(account.RoleAdmin) && !u.Disabled {
			return true, nil
		}
	}
	return false, nil
}

func (s *Users) toDomain(ctx context.Context, d *userDoc) (*account.User, error) {
	sealer, err := s.vault.For(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	email, err := sealer.Open("email", d.Email)
	if err != nil {
		return nil, err
	}
	name, err := sealer.Open("name", d.Name)
	if err != nil {
		return nil, err
	}
	var phone, address string
	if len(d.Phone) > 0 {
		if phone, err = sealer.Open("phone", d.Phone); err != nil {
			return nil, err
		}
	}
	if len(d.Address) > 0 {
		if address, err = sealer.Open("address", d.Address); err != nil {
			return nil, err
		}
	}
	roles := make([]account.Role, len(d.Roles))
	for i, r := range d.Roles {
		roles[i] = account.Role(r)
	}
	return &account.User{
		ID: d.ID, Email: email, Name: name, Phone: phone, Address: address, Lang: d.Lang, Roles: roles,
		PasswordHash: d.PasswordHash, PasswordHistory: d.PasswordHistory, PasswordChanged: d.PasswordChanged,
		MustChangePassword: d.MustChangePassword, Created: d.Created, EmailVerified: d.EmailVerified, Disabled: d.Disabled,
		LastSignIn: zeroIfEpoch(d.LastSignIn), Contractor: d.Contractor, Expires: zeroIfEpoch(d.Expires), Version: d.Version,
		Restricted: zeroIfEpoch(d.Restricted), Disputed: d.Disputed, Stopped: d.Stopped,
	}, nil
}

// zeroIfEpoch undoes the round trip of a zero time.Time, which BSON stores as year 1
// in UTC and reads back as a non-zero local value on some servers.
func zeroIfEpoch(t time.Time) time.Time {
	if t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// clearedFields names the optional fields a $set leaves behind when they become empty
// (omitempty drops them from the document), so an update can remove them.
func clearedFields(d *userDoc) bson.D {
	var out bson.D
	if len(d.Phone) == 0 {
		out = append(out, bson.E{Key: "phone", Value: ""})
	}
	if len(d.Address) == 0 {
		out = append(out, bson.E{Key: "address", Value: ""})
	}
	if d.Expires.IsZero() {
		out = append(out, bson.E{Key: "expires", Value: ""})
	}
	if !d.MustChangePassword {
		out = append(out, bson.E{Key: "must_change_password", Value: ""})
	}
	if !d.Contractor {
		out = append(out, bson.E{Key: "contractor", Value: ""})
	}
	if d.Restricted.IsZero() {
		out = append(out, bson.E{Key: "restricted", Value: ""})
	}
	if len(d.Disputed) == 0 {
		out = append(out, bson.E{Key: "disputed", Value: ""})
	}
	if len(d.Stopped) == 0 {
		out = append(out, bson.E{Key: "stopped", Value: ""})
	}
	return out
}

// notIn is a less the elements of b.
func notIn(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

const peopleIndexedID = "people_indexed"

// IndexPeople lists every account written before the search index under its name and
// phone, once: later starts see the mark in one look-up. It reads the users whole (a
// background job at start) and unseals each name; running it twice, or on two
// instances at once, lists each person once (the lists are sets).
func (s *Users) IndexPeople(ctx context.Context) (int, error) {
	return s.db.indexOnce(ctx, "index people", peopleIndexedID, collUsers, func(ctx context.Context, id string) ([]string, error) {
		u, err := s.ByID(ctx, id)
		if err != nil {
			return nil, err
		}
		return s.searchKeys(u), nil
	}, s.listPeople)
}
