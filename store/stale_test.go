package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Every store that saves on the version its caller read refuses a save on an older one,
// in both modes, and keeps what the newer save wrote. An old version needs no second
// writer: it is what an officer's second tab holds after the first tab saved.
func TestSavingOnAnOldVersionIsRefused(t *testing.T) {
	for _, mode := range []struct {
		name string
		mode store.Mode
	}{{"single writer", store.SingleWriter}, {"shared", store.Shared}} {
		t.Run(mode.name, func(t *testing.T) {
			db := storetest.NewIn(t, mode.mode)
			v := storetest.Vault(db.DB)
			c := ctx(t)
			now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

			t.Run("account", func(t *testing.T) {
				users := storetest.Users(db.DB)
				u := &account.User{ID: ids.New("u"), Email: "stale-" + mode.name[:1] + "@example.tw", Name: "原名", Created: now}
				if err := users.Create(c, u); err != nil {
					t.Fatal(err)
				}
				first, _ := users.ByID(c, u.ID)
				second, _ := users.ByID(c, u.ID)
				first.Name = "第一個分頁"
				if err := users.Update(c, first); err != nil {
					t.Fatal(err)
				}
				second.Name = "第二個分頁"
				if err := users.Update(c, second); !errors.Is(err, apperr.ErrStale) {
					t.Fatalf("update on an old version: %v, want ErrStale", err)
				}
				if got, _ := users.ByID(c, u.ID); got.Name != "第一個分頁" {
					t.Fatalf("stored name %q", got.Name)
				}
			})

			t.Run("request", func(t *testing.T) {
				subject := ids.New("u")
				if _, err := v.NewSubject(c, subject); err != nil {
					t.Fatal(err)
				}
				requests := store.NewRequests(db.DB, v)
				r := &rights.Request{Kind: rights.View, Subject: subject, Channel: rights.ChannelWeb, Scope: "全部"}
				rights.File(r, now, nil)
				if err := requests.Create(c, r); err != nil {
					t.Fatal(err)
				}
				old := r.Version
				if _, err := requests.Update(c, r.Ref, old, now, rights.StartReview("u_first")); err != nil {
					t.Fatal(err)
				}
				_, err := requests.Update(c, r.Ref, old, now.Add(time.Minute), rights.AskIdentity("u_second", "請補身分證明"))
				if !errors.Is(err, rights.ErrChanged) || !errors.Is(err, apperr.ErrStale) {
					t.Fatalf("action on an old version: %v, want ErrChanged", err)
				}
				got, err := requests.ByRef(c, r.Ref)
				if err != nil || got.State != rights.Review || got.Version != old+1 {
					t.Fatalf("stored: %+v %v", got, err)
				}
			})

			t.Run("incident", func(t *testing.T) {
				incidents := store.NewIncidents(db.DB, v)
				i := &incident.Incident{ID: ids.New("in"), Discovered: now, Recorded: now, RecordedBy: "u1", Title: "原標題",
					What: "經過", Data: "姓名", People: 2, Measures: "措施", Updated: now, UpdatedBy: "u1"}
				if err := incidents.Save(c, i); err != nil {
					t.Fatal(err)
				}
				second := *i
				i.Title = "第一個分頁"
				if err := incidents.Save(c, i); err != nil {
					t.Fatal(err)
				}
				second.Title = "第二個分頁"
				if err := incidents.Save(c, &second); !errors.Is(err, apperr.ErrStale) {
					t.Fatalf("save on an old version: %v, want ErrStale", err)
				}
				if got, err := incidents.Get(c, i.ID); err != nil || got.Title != "第一個分頁" {
					t.Fatalf("stored: %+v %v", got, err)
				}
			})

			t.Run("disclosure", func(t *testing.T) {
				reg := store.NewDisclosures(db.DB, v)
				r := &disclosure.Record{First: rights.NewDate(2026, 10, 1), RecipientName: "原受領者", RecipientAddress: "臺北市",
					RecipientKind: disclosure.RecipientKinds[0], Categories: []string{"C001"}, Description: "d", Ground: disclosure.Grounds[0],
					Reference: "ref", Count: 3, Officer: "u1", ChangedBy: "u1"}
				if err := reg.Save(c, r); err != nil {
					t.Fatal(err)
				}
				second := *r
				r.RecipientName = "第一個分頁"
				if err := reg.Save(c, r); err != nil {
					t.Fatal(err)
				}
				second.RecipientName = "第二個分頁"
				if err := reg.Save(c, &second); !errors.Is(err, apperr.ErrStale) {
					t.Fatalf("save on an old version: %v, want ErrStale", err)
				}
				if got, err := reg.Get(c, r.ID); err != nil || got.RecipientName != "第一個分頁" {
					t.Fatalf("stored: %+v %v", got, err)
				}
				if vs, err := reg.Versions(c, r.ID); err != nil || len(vs) != 2 {
					t.Fatalf("history: %d versions, %v; want the two saved", len(vs), err)
				}
			})

			t.Run("inventory", func(t *testing.T) {
				inv := store.NewInventory(db.DB)
				f := &inventory.File{NameZH: "原名稱", NameEN: "File", Unit: "資訊室", Contact: "02-1234", LegalBasis: "法",
					Purposes: []string{"069"}, Categories: []string{"C001"}, RetentionZH: "五年", RetentionEN: "five years",
					Changed: now, ChangedBy: "u1"}
				if err := inv.Save(c, f); err != nil {
					t.Fatal(err)
				}
				second := *f
				f.NameZH = "第一個分頁"
				if err := inv.Save(c, f); err != nil {
					t.Fatal(err)
				}
				second.NameZH = "第二個分頁"
				if err := inv.Save(c, &second); !errors.Is(err, apperr.ErrStale) {
					t.Fatalf("save on an old version: %v, want ErrStale", err)
				}
				if got, err := inv.Get(c, f.ID); err != nil || got.NameZH != "第一個分頁" {
					t.Fatalf("stored: %+v %v", got, err)
				}
			})
		})
	}
}
