package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/embedded"
	"github.com/example/pdpa-portal/store/storetest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestUsersByEmailAndConflict(t *testing.T) {
	db := storetest.New(t)
	users := storetest.Users(db.DB)
	c := ctx(t)
	u := &account.User{ID: ids.New("u"), Email: "Officer@Agency.Example", Name: "測試 一", Roles: []account.Role{account.RoleOfficer}, Created: time.Now()}
	if err := users.Create(c, u); err != nil {
		t.Fatal(err)
	}
	got, err := users.ByEmail(c, "  officer@agency.example ")
	if err != nil {
		t.Fatalf("by e-mail: %v", err)
	}
	if got.ID != u.ID || got.Name != "測試 一" || !got.Has(account.RoleOfficer) {
		t.Fatalf("got %+v", got)
	}
	dup := &account.User{ID: ids.New("u"), Email: "officer@agency.example", Name: "x"}
	if err := users.Create(c, dup); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("second account for one address: want ErrConflict, got %v", err)
	}
	if _, err := users.ByID(c, dup.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("the refused duplicate must not be stored: %v", err)
	}
	if _, err := users.ByEmail(c, "nobody@agency.example"); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("unknown address: want ErrNotFound, got %v", err)
	}
}

func TestConcurrentSignUpsForOneAddressYieldOneAccount(t *testing.T) {
	db := storetest.New(t)
	users := storetest.Users(db.DB)
	c := ctx(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := users.Create(c, &account.User{ID: ids.New("u"), Email: "same@agency.example", Name: "n"})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, apperr.ErrConflict) {
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d accounts created for one address, want 1", ok)
	}
}

func TestSetupTokenIsSingleUseUnderRace(t *testing.T) {
	db := storetest.New(t)
	tokens := store.NewSetupTokens(db.DB)
	c := ctx(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := tokens.Create(c, "h1", now.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	used := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tokens.Use(c, "h1", now) == nil {
				mu.Lock()
				used++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if used != 1 {
		t.Fatalf("token used %d times, want 1", used)
	}
	if ok, _ := tokens.Valid(c, "h1", now); ok {
		t.Fatal("a used token must not be valid")
	}
	if err := tokens.Create(c, "h2", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := tokens.Use(c, "h2", now.Add(2*time.Hour)); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("expired token: want ErrNotFound, got %v", err)
	}
}

func TestNoticesCurrentIsHighestVersion(t *testing.T) {
	db := storetest.New(t)
	notices := store.NewNotices(db.DB)
	c := ctx(t)
	if _, err := notices.Current(c); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("empty: want ErrNotFound, got %v", err)
	}
	n, err := consent.DefaultNotice(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{1, 3, 2} {
		nv := *n
		nv.Version = v
		if err := notices.Publish(c, &nv); err != nil {
			t.Fatal(err)
		}
	}
	cur, err := notices.Current(c)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Version != 3 || cur.Title.In("zh-TW") == "" || len(cur.Sections) != len(n.Sections) {
		t.Fatalf("current = v%d %q with %d sections", cur.Version, cur.Title.In("zh-TW"), len(cur.Sections))
	}
	if err := notices.Publish(c, n); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("republishing version 1: want ErrConflict, got %v", err)
	}
}

func TestEnsureIndexesIsIdempotent(t *testing.T) {
	db := storetest.New(t)
	for range 2 {
		if err := db.EnsureIndexes(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
}

// An index an earlier version declared, which no query uses any more, is dropped: every
// index costs each write.
func TestEnsureIndexesDropsObsoleteOnes(t *testing.T) {
	db := storetest.New(t)
	raw := rawDB(t, db)
	c := ctx(t)
	_, err := raw.Collection("consent_events").Indexes().CreateOne(c, mongo.IndexModel{Keys: bson.D{{Key: "subject", Value: 1}, {Key: "at", Value: -1}},
		Options: options.Index().SetName("subject_at")})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.EnsureIndexes(c); err != nil {
		t.Fatal(err)
	}
	specs, err := raw.Collection("consent_events").Indexes().ListSpecifications(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range specs {
		if sp.Name == "subject_at" {
			t.Fatal("the obsolete index subject_at is still there")
		}
	}
}

func TestSecondEngineOnSameDirRefuses(t *testing.T) {
	dir := storetest.ShortTempDir(t)
	e1, err := embedded.Start(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e1.Close()
	if _, err := embedded.Start(dir, nil); !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("second engine: want ErrLocked, got %v", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v, want 0700", info.Mode().Perm())
	}
}

func TestUnwritableDataDirIsAClearError(t *testing.T) {
	// A path under a regular file fails even for root, who can write anywhere else.
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := embedded.Start(filepath.Join(f, "data"), nil)
	if err == nil || !strings.Contains(err.Error(), "cannot create data directory") {
		t.Fatalf("want a clear message naming the directory, got %v", err)
	}
}

// TestRestartAfterCrashAndOutage: data written before the engine stops is there after a
// restart on the same directory (a stale socket file included), and a client that lived
// through the outage recovers by itself.
func TestRestartAfterCrashAndOutage(t *testing.T) {
	dir := storetest.ShortTempDir(t)
	e1, err := embedded.Start(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	db, err := store.Connect(c, e1.URI(), "portal", store.Options{Mode: store.SingleWriter})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	users := storetest.Users(db)
	if err := users.Create(c, &account.User{ID: "u_1", Email: "a@agency.example", Name: "A"}); err != nil {
		t.Fatal(err)
	}
	e1.Close()
	// A crash leaves the socket file behind.
	if err := os.WriteFile(embedded.SocketPath(dir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(c, 5*time.Second)
	defer cancel()
	if err := db.Ping(short); !errors.Is(err, apperr.ErrUnavailable) {
		t.Fatalf("while down: want ErrUnavailable, got %v", err)
	}
	e2, err := embedded.Start(dir, nil)
	if err != nil {
		t.Fatalf("restart over a stale socket: %v", err)
	}
	defer e2.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		u, err := users.ByEmail(c, "a@agency.example")
		if err == nil {
			if u.ID != "u_1" {
				t.Fatalf("got %+v", u)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client did not recover: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
