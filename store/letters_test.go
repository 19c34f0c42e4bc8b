package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Two instances sharing one database number letters at once, without sharing their
// document locks: every letter gets one number, no number goes to two letters, a
// letter asked for again keeps its number, and each year counts from 1.
func TestLetterNumbersAreClaimedOnce(t *testing.T) {
	db := storetest.NewIn(t, store.Shared)
	other, err := store.Connect(context.Background(), db.URI, db.Name, store.Options{Mode: store.Shared})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close(context.Background()) })
	stores := []*store.Letters{store.NewLetters(db.DB), store.NewLetters(other)}
	ctx := context.Background()

	const n = 8
	got := make([][2]letters.Number, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		for j, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				num, err := s.LetterNumber(ctx, fmt.Sprintf("2026-%06d", i+1), letters.Decision, 2026)
				if err != nil {
					errs <- err
				}
				got[i][j] = num
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	used := map[int64]int{}
	for i, pair := range got {
		if pair[0] != pair[1] || pair[0].Year != 2026 || pair[0].Serial < 1 {
			t.Fatalf("letter %d: %+v and %+v", i+1, pair[0], pair[1])
		}
		if j, dup := used[pair[0].Serial]; dup {
			t.Fatalf("letters %d and %d share serial %d", j+1, i+1, pair[0].Serial)
		}
		used[pair[0].Serial] = i
	}
	again, err := stores[1].LetterNumber(ctx, "2026-000001", letters.Decision, 2026)
	if err != nil || again != got[0][0] {
		t.Fatalf("asked again: %+v %v, first %+v", again, err, got[0][0])
	}
	if next, err := stores[0].LetterNumber(ctx, "2027-000001", letters.Extension, 2027); err != nil || next != (letters.Number{Year: 2027, Serial: 1}) {
		t.Fatalf("the next year's first letter: %+v %v", next, err)
	}
}

// Unsaved settings are the defaults; saved ones are read back as saved.
func TestLetterSettingsRoundTrip(t *testing.T) {
	db := storetest.New(t)
	s := store.NewLetters(db.DB)
	ctx := context.Background()
	if got, err := s.LetterSettings(ctx); err != nil || got != letters.Defaults() {
		t.Fatalf("defaults: %+v %v", got, err)
	}
	want := letters.Defaults()
	want.HeadName = letters.Text{ZH: "林大同", EN: "Lin Da-tong"}
	want.Appeal = letters.Text{ZH: "臺北市政府", EN: "Taipei City Government"}
	if err := s.SaveLetterSettings(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LetterSettings(ctx); err != nil || got != want {
		t.Fatalf("saved: %+v %v", got, err)
	}
}
