package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Two instances on one database record the same person's consent at the same moment:
// the first reads the state, the second records its grant in between. In Shared mode
// the first loses the compare-and-set and withdraws its event: the person's history
// holds one grant and the statistics count the person once.
func TestConsentAppendAcrossInstances(t *testing.T) {
	db := storetest.NewIn(t, store.Shared)
	c := ctx(t)
	users := storetest.Users(db.DB)
	u := &account.User{ID: ids.New("u"), Email: "p@example.tw", Name: "王小明", Created: time.Now()}
	if err := users.Create(c, u); err != nil {
		t.Fatal(err)
	}
	// The other instance: its own connection and its own locks, as another process.
	other, err := store.Connect(c, db.URI, db.Name, store.Options{Mode: store.Shared})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close(context.Background()) })
	first := store.NewConsents(db.DB)
	second := store.NewConsents(other)
	grant := func(id string) *consent.Event {
		return &consent.Event{ID: id, Subject: u.ID, Purpose: "newsletter", Action: consent.Grant, NoticeVersion: 1, At: time.Now(), Channel: "web", Method: "checkbox"}
	}
	once := false
	first.BeforeStateForTest(func() {
		if once {
			return
		}
		once = true
		if changed, err := second.Append(c, grant("ce-second")); err != nil || !changed {
			t.Fatalf("the other instance's grant: %v %v", changed, err)
		}
	})
	changed, err := first.Append(c, grant("ce-first"))
	if err != nil {
		t.Fatal(err)
	}
	hist, err := first.History(c, u.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := first.Stats(c, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if changed || len(hist) != 1 || hist[0].ID != "ce-second" || stats.Current["newsletter"] != 1 {
		var ids []string
		for _, e := range hist {
			ids = append(ids, e.ID)
		}
		t.Fatalf("first changed %v; history %v; counted %d (want one grant, the second's, counted once)", changed, ids, stats.Current["newsletter"])
	}
}
