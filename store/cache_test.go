package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// What a page reads twice is read from memory the second time, and never outlives a
// write: a renamed person, a touched or ended session, a target set for the first time.
func TestCachedReadsFollowEveryWrite(t *testing.T) {
	db := storetest.New(t)
	if !db.SingleWriter() {
		t.Skip("nothing is cached in Shared mode")
	}
	c := ctx(t)
	users, sessions, fees := storetest.Users(db.DB), store.NewSessions(db.DB), store.NewFees(db.DB)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	u := &account.User{ID: ids.New("u"), Email: "chen@example.tw", Name: "陳小明", Created: now}
	if err := users.Create(c, u); err != nil {
		t.Fatal(err)
	}
	se := &account.Session{ID: "s1", UserID: u.ID, Created: now, LastSeen: now}
	if err := sessions.Create(c, se); err != nil {
		t.Fatal(err)
	}
	days, err := fees.FulfilDays(c)
	if err != nil || days != rights.DefaultFulfilDays {
		t.Fatalf("fulfilment target %d (%v), want the default", days, err)
	}
	for range 2 { // the second round comes from memory
		if _, err := users.ByID(c, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := sessions.Get(c, se.ID); err != nil {
			t.Fatal(err)
		}
	}
	db.Commands()
	if _, err := users.ByID(c, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Get(c, se.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := fees.FulfilDays(c); err != nil {
		t.Fatal(err)
	}
	if n := db.Commands(); len(n) != 0 {
		t.Errorf("a second read of the account, the session and an unset target sent %v", n)
	}

	got, _ := users.ByID(c, u.ID)
	got.Name = "陳大明"
	if err := users.Update(c, got); err != nil {
		t.Fatal(err)
	}
	if again, err := users.ByID(c, u.ID); err != nil || again.Name != "陳大明" {
		t.Errorf("after renaming: %+v (%v)", again, err)
	}
	later := now.Add(10 * time.Minute)
	if err := sessions.Touch(c, se.ID, later); err != nil {
		t.Fatal(err)
	}
	if s, err := sessions.Get(c, se.ID); err != nil || !s.LastSeen.Equal(later) {
		t.Errorf("after touching: %+v (%v)", s, err)
	}
	if err := fees.SetFulfilDays(c, 20); err != nil {
		t.Fatal(err)
	}
	if d, err := fees.FulfilDays(c); err != nil || d != 20 {
		t.Errorf("after setting the target: %d (%v), want 20", d, err)
	}
	if err := sessions.Delete(c, se.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Get(c, se.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("an ended session still reads: %v", err)
	}
}

// Reads racing writes never keep what a write replaced: after each writer's last
// write, a read shows it.
func TestCachedReadsRacingWrites(t *testing.T) {
	db := storetest.New(t)
	c := ctx(t)
	users := storetest.Users(db.DB)
	u := &account.User{ID: ids.New("u"), Email: "lin@example.tw", Name: "name 0", Created: time.Now()}
	if err := users.Create(c, u); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					_, _ = users.ByID(c, u.ID)
				}
			}
		}()
	}
	for i := 1; i <= 20; i++ {
		got, err := users.ByID(c, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Name = "name " + string(rune('a'+i))
		if err := users.Update(c, got); err != nil {
			t.Fatal(err)
		}
		if again, err := users.ByID(c, u.ID); err != nil || again.Name != got.Name {
			t.Fatalf("after write %d: %q (%v), want %q", i, again.Name, err, got.Name)
		}
	}
	close(stop)
	wg.Wait()
}
