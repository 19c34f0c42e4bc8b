package store

import (
	"context"
	"maps"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
)

// unsealedUsers keeps each user as last decoded and unsealed, with the bytes of the user
// document and of the person's key document it came from: while the document cache hands
// out both unchanged, the user is the same and is not decoded and unsealed again (the
// signed-in user was, on every request: a quarter of a page's garbage and four AES-GCM
// set-ups). The key document is part of the check so that a destroyed key (the first
// step of an erasure) ends the kept copy at once, as it ends the unsealing. Readers get
// their own copy.
//
// This keeps in memory the names and addresses of the people seen lately (at most
// unsealedMax), as a page being served holds one; only the document cache's process
// does it (MongoDB: nothing is kept).
type unsealedUsers struct {
	mu sync.Mutex
	m  map[string]unsealedUser
}

type unsealedUser struct {
	doc, key bson.Raw // held, so no other document comes back at the same address
	u        *account.User
}

// unsealedMax is as many as the document cache keeps of a collection: an account it no
// longer holds comes back as new bytes, and what was kept of it cannot be used.
const unsealedMax = cacheMax

func sameBytes(a, b bson.Raw) bool { return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0] }

func (c *unsealedUsers) get(id string, doc, key bson.Raw) (*account.User, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || !sameBytes(e.doc, doc) || !sameBytes(e.key, key) {
		return nil, false
	}
	return copyUser(e.u), true
}

func (c *unsealedUsers) put(id string, doc, key bson.Raw, u *account.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= unsealedMax {
		c.m = map[string]unsealedUser{}
	}
	c.m[id] = unsealedUser{doc: doc, key: key, u: copyUser(u)}
}

func (c *unsealedUsers) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// copyUser is a copy sharing nothing a caller could change.
func copyUser(u *account.User) *account.User {
	cp := *u
	cp.Roles = slices.Clone(u.Roles)
	cp.PasswordHistory = slices.Clone(u.PasswordHistory)
	cp.Disputed = slices.Clone(u.Disputed)
	cp.Stopped = maps.Clone(u.Stopped)
	return &cp
}

// byIDUnsealed is ByID through the document cache and what was kept.
func (s *Users) byIDUnsealed(ctx context.Context, id string) (*account.User, error) {
	doc, err := s.db.byIDRaw(ctx, collUsers, id)
	if err != nil {
		s.unsealed.forget(id)
		return nil, err
	}
	// Without its key document the person cannot be unsealed: toDomain says why.
	key, keyErr := s.db.byIDRaw(ctx, collKeys, id)
	if keyErr == nil {
		if u, ok := s.unsealed.get(id, doc, key); ok {
			return u, nil
		}
	} else {
		s.unsealed.forget(id)
	}
	var d userDoc
	if err := bson.Unmarshal(doc, &d); err != nil {
		return nil, translate(err)
	}
	u, err := s.toDomain(ctx, &d)
	if err != nil {
		return nil, err
	}
	if keyErr == nil {
		s.unsealed.put(id, doc, key, u)
	}
	return u, nil
}
