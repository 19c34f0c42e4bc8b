package store_test

import (
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

// An erasure stopped at any stage leaves anonymous records that still name their
// subject, so it can be run again; the run again finishes it, and only then do the
// records stop naming anyone.
func TestErasureStoppedAtEachStageIsFinishedByARunAgain(t *testing.T) {
	for _, stage := range []string{store.EraseAnonymised, store.EraseKeyDestroyed, store.EraseAccountDeleted} {
		t.Run(stage, func(t *testing.T) {
			db := storetest.New(t)
			c := ctx(t)
			v := storetest.Vault(db.DB)
			users := storetest.Users(db.DB)
			reqs := store.NewRequests(db.DB, v)
			u := &account.User{ID: ids.New("u"), Email: "gone@example.tw", Name: "陳離開", Created: time.Now()}
			if err := users.Create(c, u); err != nil {
				t.Fatal(err)
			}
			var refs []string
			for _, r := range []*rights.Request{
				{Kind: rights.Delete, Subject: u.ID, Channel: rights.ChannelWeb, Whole: true, Received: rights.NewDate(2026, time.March, 2)},
				{Kind: rights.View, Subject: u.ID, Channel: rights.ChannelWeb, Scope: "我的申請資料", Received: rights.NewDate(2026, time.March, 3)},
			} {
				rights.File(r, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), nil)
				if err := reqs.Create(c, r); err != nil {
					t.Fatal(err)
				}
				refs = append(refs, r.Ref)
			}

			eraser := store.NewEraser(db.DB, v, store.NewFiles(db.DB, v))
			down := errors.New("connection reset by peer")
			eraser.Checkpoint = func(s string) error {
				if s == stage {
					return down
				}
				return nil
			}
			if _, err := eraser.Erase(c, u.ID, nil); !errors.Is(err, down) {
				t.Fatalf("the stopped run: %v", err)
			}
			for _, ref := range refs {
				r, err := reqs.ByRef(c, ref)
				if err != nil {
					t.Fatal(err)
				}
				if !r.Erased || r.Scope != "" || r.Subject != u.ID || r.ErasureDone() {
					t.Errorf("%s after the stopped run: erased %v, scope %q, subject %q, done %v", ref, r.Erased, r.Scope, r.Subject, r.ErasureDone())
				}
			}
			if mine, err := reqs.ForSubject(c, u.ID); err != nil || len(mine) != len(refs) {
				t.Errorf("the person's requests after the stopped run: %d, %v", len(mine), err)
			}

			eraser.Checkpoint = nil
			if _, err := eraser.Erase(c, u.ID, nil); err != nil {
				t.Fatalf("the run again: %v", err)
			}
			for _, ref := range refs {
				r, err := reqs.ByRef(c, ref)
				if err != nil {
					t.Fatal(err)
				}
				if !r.ErasureDone() || r.Subject != "" {
					t.Errorf("%s after the run again: subject %q, done %v", ref, r.Subject, r.ErasureDone())
				}
			}
			if _, err := users.ByID(c, u.ID); !errors.Is(err, apperr.ErrNotFound) && !errors.Is(err, vault.ErrKeyDestroyed) {
				t.Errorf("the account after the run again: %v", err)
			}
			if _, err := v.For(c, u.ID); !errors.Is(err, vault.ErrKeyDestroyed) && !errors.Is(err, apperr.ErrNotFound) {
				t.Errorf("the key after the run again: %v", err)
			}
			raw := rawDB(t, db)
			for _, coll := range []string{"requests", "subject_requests"} {
				n, err := raw.Collection(coll).CountDocuments(c, bson.D{{Key: "$or", Value: bson.A{
					bson.D{{Key: "subject", Value: u.ID}}, bson.D{{Key: "_id", Value: u.ID}}}}})
				if err != nil || n != 0 {
					t.Errorf("%d documents of %s still name the erased person (%v)", n, coll, err)
				}
			}
			// A third run finds nothing to do and says so without failing.
			if _, err := eraser.Erase(c, u.ID, nil); err != nil {
				t.Errorf("a third run: %v", err)
			}
		})
	}
}
