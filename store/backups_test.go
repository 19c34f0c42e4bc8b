package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Each run becomes the latest; a failure leaves the last success in place; the key
// store's runs are kept apart from the data's.
func TestBackupRunsKeepTheLatestRunAndTheLastSuccess(t *testing.T) {
	ctx := context.Background()
	runs := store.NewBackupRuns(storetest.New(t).DB)
	if s, err := runs.BackupStatus(ctx, backup.Data); err != nil || s != (backup.Status{}) {
		t.Fatalf("before any backup: %+v, %v", s, err)
	}
	night := time.Date(2026, 11, 22, 18, 15, 0, 0, time.UTC)
	ok := backup.Run{At: night, OK: true, Size: 123456, Duration: 1500 * time.Millisecond}
	if err := runs.RecordBackup(ctx, backup.Data, ok); err != nil {
		t.Fatal(err)
	}
	failed := backup.Run{At: night.Add(24 * time.Hour), Duration: 20 * time.Millisecond, Error: "cannot write /var/backups/portal/data.tar.gz: no space left on device"}
	if err := runs.RecordBackup(ctx, backup.Data, failed); err != nil {
		t.Fatal(err)
	}
	s, err := runs.BackupStatus(ctx, backup.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Last.At.Equal(failed.At) || s.Last.OK || s.Last.Error != failed.Error || s.Last.Duration != failed.Duration {
		t.Fatalf("latest run %+v, want %+v", s.Last, failed)
	}
	if !s.LastOK.At.Equal(ok.At) || !s.LastOK.OK || s.LastOK.Size != ok.Size || s.LastOK.Duration != ok.Duration {
		t.Fatalf("last success %+v, want %+v", s.LastOK, ok)
	}
	if k, err := runs.BackupStatus(ctx, backup.Keys); err != nil || k != (backup.Status{}) {
		t.Fatalf("the key store's record took the data's runs: %+v, %v", k, err)
	}
}
