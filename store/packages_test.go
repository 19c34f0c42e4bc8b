package store_test

import (
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// packagesAt is a package store whose clock is *now.
func packagesAt(t *testing.T, db *storetest.DB, now *time.Time) *store.Packages {
	t.Helper()
	v := storetest.Vault(db.DB)
	if _, err := v.For(ctx(t), "u-pkg"); err != nil {
		if _, err := v.NewSubject(ctx(t), "u-pkg"); err != nil {
			t.Fatal(err)
		}
	}
	p := store.NewPackages(db.DB, v, store.NewFiles(db.DB, v))
	p.Now = func() time.Time { return *now }
	return p
}

func readPackage(t *testing.T, p *store.Packages, ref string, now time.Time) string {
	t.Helper()
	_, rc, err := p.Read(ctx(t), ref, now)
	if err != nil {
		t.Fatalf("read package %s: %v", ref, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Two instances start a package's build at once: one claims it, the other is told a
// build holds it, and the package is the winner's.
func TestPackageBuildIsClaimedOnce(t *testing.T) {
	db := storetest.New(t)
	now := t0
	a, b := packagesAt(t, db, &now), packagesAt(t, db, &now)
	expires := t0.Add(export.PackageTTL)
	writers := make([]export.PackageWriter, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, p := range []*store.Packages{a, b} {
		wg.Go(func() { writers[i], errs[i] = p.Create(ctx(t), "2026-000001", "u-pkg", 1, now, expires) })
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won < 0:
			won = i
		case !errors.Is(err, export.ErrBuilding):
			t.Fatalf("claims: %v", errs)
		}
	}
	if won < 0 {
		t.Fatalf("neither build claimed the package: %v", errs)
	}
	// A build holding the package keeps every later start out, at this instance too.
	if _, err := a.Create(ctx(t), "2026-000001", "u-pkg", 1, now.Add(time.Minute), expires); !errors.Is(err, export.ErrBuilding) {
		t.Fatalf("a second build beside a running one: %v", err)
	}
	w := writers[won]
	if _, err := w.Write([]byte("PK the winner")); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if got := readPackage(t, b, "2026-000001", now); got != "PK the winner" {
		t.Fatalf("package %q", got)
	}
}

// A build that stops reporting progress (its instance stopped) holds the package only
// until its hold runs out: then the package counts as failed and can be built again;
// while it reports progress its hold is renewed. A superseded build, when it comes back,
// neither marks the newer package ready with its own chunks nor leaves them behind.
func TestPackageBuildHoldRunsOutAndIsSuperseded(t *testing.T) {
	db := storetest.New(t)
	now := t0
	p := packagesAt(t, db, &now)
	ref, expires := "2026-000002", t0.Add(export.PackageTTL)
	old, err := p.Create(ctx(t), ref, "u-pkg", 3, now, expires)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Write([]byte("PK the old build")); err != nil {
		t.Fatal(err)
	}
	// Progress within the hold renews it.
	now = t0.Add(export.BuildLease - time.Minute)
	if err := old.Progress(1); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(export.BuildLease + time.Minute)
	if pkg, err := p.Get(ctx(t), ref); err != nil || pkg.State != export.PackageBuilding || pkg.Done != 1 {
		t.Fatalf("a build reporting progress: %+v %v", pkg, err)
	}
	if _, err := p.Create(ctx(t), ref, "u-pkg", 3, now, expires); !errors.Is(err, export.ErrBuilding) {
		t.Fatalf("a rebuild while the renewed hold lasts: %v", err)
	}
	// Silent past its hold: failed, and a rebuild claims the package.
	now = now.Add(export.BuildLease)
	if pkg, err := p.Get(ctx(t), ref); err != nil || pkg.State != export.PackageFailed {
		t.Fatalf("a build silent past its hold: %+v %v", pkg, err)
	}
	chunksBefore := countChunks(t, db)
	fresh, err := p.Create(ctx(t), ref, "u-pkg", 1, now, expires)
	if err != nil {
		t.Fatalf("rebuild after the hold ran out: %v", err)
	}
	if _, err := fresh.Write([]byte("PK the new build")); err != nil {
		t.Fatal(err)
	}
	// The old build comes back: its progress is refused and its finish changes nothing.
	if err := old.Progress(2); !errors.Is(err, export.ErrBuilding) {
		t.Fatalf("progress of a superseded build: %v", err)
	}
	if err := old.Finish(nil); !errors.Is(err, export.ErrBuilding) {
		t.Fatalf("finish of a superseded build: %v", err)
	}
	if pkg, err := p.Get(ctx(t), ref); err != nil || pkg.State != export.PackageBuilding {
		t.Fatalf("the superseded build changed the new one's state: %+v %v", pkg, err)
	}
	if n := countChunks(t, db); n != chunksBefore {
		t.Fatalf("%d chunks after the superseded build finished, %d before: its chunks were left", n, chunksBefore)
	}
	if err := fresh.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if got := readPackage(t, p, ref, now); got != "PK the new build" {
		t.Fatalf("package %q", got)
	}
	// A failed build of a superseded writer likewise leaves the ready package alone.
	if err := old.Finish(errors.New("disk full")); err == nil {
		t.Fatal("a failed build reported no error")
	}
	if pkg, _ := p.Get(ctx(t), ref); pkg.State != export.PackageReady {
		t.Fatalf("a superseded build's failure marked the package %s", pkg.State)
	}
}
