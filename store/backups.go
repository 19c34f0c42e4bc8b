package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/backup"
)

// BackupRuns keeps the outcome of `portal backup`: one settings document per kind
// ("backup:data", "backup:keys") with the latest run and the latest success.
type BackupRuns struct{ db *DB }

// NewBackupRuns returns the record of backups.
func NewBackupRuns(db *DB) *BackupRuns { return &BackupRuns{db: db} }

type backupRunDoc struct {
	At    time.Time `bson:"at"`
	OK    bool      `bson:"ok"`
	Size  int64     `bson:"size"`
	MS    int64     `bson:"ms"`
	Error string    `bson:"error,omitempty"`
}

type backupStatusDoc struct {
	ID     string        `bson:"_id"`
	Last   *backupRunDoc `bson:"last"`
	LastOK *backupRunDoc `bson:"last_ok"`
}

func backupID(kind backup.Kind) string { return "backup:" + string(kind) }

// RecordBackup records a run as the latest, and as the latest success when it is one.
// One $set: two backups finishing together (an overlapping cron job) cannot undo each
// other's success, as a read-modify-write could.
func (b *BackupRuns) RecordBackup(ctx context.Context, kind backup.Kind, run backup.Run) error {
	d := backupRunDoc{At: run.At.UTC(), OK: run.OK, Size: run.Size, MS: run.Duration.Milliseconds(), Error: run.Error}
	set := bson.D{{Key: "last", Value: d}}
	if run.OK {
		set = append(set, bson.E{Key: "last_ok", Value: d})
	}
	_, err := b.db.coll(collSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: backupID(kind)}},
		bson.D{{Key: "$set", Value: set}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("record the %s backup: %w", kind, translate(err))
	}
	return nil
}

// BackupStatus returns the latest run and success of a kind (zero: none recorded).
func (b *BackupRuns) BackupStatus(ctx context.Context, kind backup.Kind) (backup.Status, error) {
	var d backupStatusDoc
	err := translate(b.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: backupID(kind)}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return backup.Status{}, nil
	}
	if err != nil {
		return backup.Status{}, fmt.Errorf("the %s backups' record: %w", kind, err)
	}
	return backup.Status{Last: d.Last.run(), LastOK: d.LastOK.run()}, nil
}

func (d *backupRunDoc) run() backup.Run {
	if d == nil {
		return backup.Run{}
	}
	return backup.Run{At: d.At, OK: d.OK, Size: d.Size, Duration: time.Duration(d.MS) * time.Millisecond, Error: d.Error}
}
