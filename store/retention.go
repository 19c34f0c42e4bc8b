package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/retention"
	"github.com/example/pdpa-portal/rights"
)

// Retention keeps the retention periods and the record of runs, hands out the lease
// that lets one instance run the scheduled deletion at a time, and deletes what has
// expired.
type Retention struct {
	db    *DB
	reqs  *Requests
	files *Files
}

// NewRetention returns the retention store; it deletes attachments through files.
func NewRetention(db *DB, reqs *Requests, files *Files) *Retention {
	return &Retention{db: db, reqs: reqs, files: files}
}

type leaseDoc struct {
	ID      string    `bson:"_id"`
	Holder  string    `bson:"holder"`
	Until   time.Time `bson:"until"`
	Version int64     `bson:"version"`
	// Done: the holder finished before Until. The lease stays until then, so another
	// instance ticking later in the same hour finds the hour's work done and skips it.
	Done bool `bson:"done,omitempty"`
}

// Acquire takes the named lease for holder until now+ttl: when nobody holds it, it has
// run out, or holder already has it. It reports false when another instance holds it or
// released it (done) before it ran out.
func (r *Retention) Acquire(ctx context.Context, name, holder string, ttl time.Duration, now time.Time) (bool, error) {
	return r.db.claimLease(ctx, name, holder, ttl, now)
}

// Release marks holder's lease done. It keeps the lease's end: deleting the lease would
// let another instance, whose hourly tick comes later, do the same hour's work again.
func (r *Retention) Release(ctx context.Context, name, holder string) error {
	id := "lease:" + name
	defer r.db.locks.lock(collSettings, id)()
	_, err := r.db.coll(collSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "holder", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "done", Value: true}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	return translate(err)
}

// Lease says who holds the named lease and until when (zero when nobody, or when the
// holder is done).
func (r *Retention) Lease(ctx context.Context, name string) (string, time.Time, error) {
	var d leaseDoc
	err := translate(r.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: "lease:" + name}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) || err == nil && d.Done {
		return "", time.Time{}, nil
	}
	return d.Holder, d.Until, err
}

type periodsDoc struct {
	ID      string         `bson:"_id"`
	Periods map[string]int `bson:"periods"`
}

// Periods returns the periods set (the defaults for the rest).
func (r *Retention) Periods(ctx context.Context) (retention.Periods, error) {
	var d periodsDoc
	err := translate(r.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: "retention"}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return retention.Periods{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retention periods: %w", err)
	}
	return d.Periods, nil
}

// SavePeriods replaces the periods.
func (r *Retention) SavePeriods(ctx context.Context, p retention.Periods) error {
	_, err := r.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: "retention"}}, periodsDoc{ID: "retention", Periods: p},
		options.Replace().SetUpsert(true))
	return translate(err)
}

type runDoc struct {
	At       time.Time      `bson:"at"`
	Holder   string         `bson:"holder"`
	Deleted  map[string]int `bson:"deleted"`
	Error    string         `bson:"error,omitempty"`
	Duration int64          `bson:"ms"`
}

type runsDoc struct {
	ID   string   `bson:"_id"`
	Runs []runDoc `bson:"runs"`
}

// keptRuns is how many runs the page lists.
const keptRuns = 30

// RecordRun adds a run to the list (the newest keptRuns are kept).
func (r *Retention) RecordRun(ctx context.Context, run *retention.Run) error {
	unlock := r.db.locks.lock(collSettings, "retention_runs")
	defer unlock()
	var d runsDoc
	err := translate(r.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: "retention_runs"}}).Decode(&d))
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	d.ID = "retention_runs"
	d.Runs = append([]runDoc{{At: run.At.UTC(), Holder: run.Holder, Deleted: run.Deleted, Error: run.Error, Duration: run.Duration.Milliseconds()}}, d.Runs...)
	d.Runs = d.Runs[:min(len(d.Runs), keptRuns)]
	_, err = r.db.coll(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true))
	return translate(err)
}

// Runs lists the recorded runs, newest first.
func (r *Retention) Runs(ctx context.Context) ([]retention.Run, error) {
	var d runsDoc
	err := translate(r.db.coll(collSettings).FindOne(ctx, bson.D{{Key: "_id", Value: "retention_runs"}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]retention.Run, len(d.Runs))
	for i, x := range d.Runs {
		out[i] = retention.Run{At: x.At, Holder: x.Holder, Deleted: x.Deleted, Error: x.Error, Duration: time.Duration(x.Duration) * time.Millisecond}
	}
	return out, nil
}

// DeleteSessionsBefore deletes sessions last used before t (long ended: the absolute
// limit is hours), and takes them off their owners' lists.
func (r *Retention) DeleteSessionsBefore(ctx context.Context, t time.Time) (int, error) {
	return r.deleteOwned(ctx, collSessions, "last_seen", t, func(owner string, ids []string) error {
		return (&Sessions{db: r.db}).deleteOf(ctx, owner, ids...)
	})
}

// DeleteSentMailBefore deletes mail sent before t, and takes it off the recipients'
// lists.
func (r *Retention) DeleteSentMailBefore(ctx context.Context, t time.Time) (int, error) {
	return r.deleteOwned(ctx, collMail, "sent_at", t, func(owner string, ids []string) error {
		for _, id := range ids {
			if _, err := r.db.coll(collMail).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
				return translate(err)
			}
		}
		return r.db.listRemove(ctx, listMail, owner, ids...)
	})
}

// deleteOwned finds the documents of coll whose field is before t (a scan on the
// embedded engine: this is the hourly background run) and hands them, grouped by owner
// (user_id), to del.
func (r *Retention) deleteOwned(ctx context.Context, coll, field string, t time.Time, del func(owner string, ids []string) error) (int, error) {
	cur, err := r.db.coll(coll).Find(ctx, bson.D{{Key: field, Value: bson.D{{Key: "$lt", Value: t.UTC()}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "user_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("old %s: %w", coll, translate(err))
	}
	var docs []struct {
		ID     string `bson:"_id"`
		UserID string `bson:"user_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, fmt.Errorf("old %s: %w", coll, translate(err))
	}
	byOwner := map[string][]string{}
	for _, d := range docs {
		byOwner[d.UserID] = append(byOwner[d.UserID], d.ID)
	}
	n := 0
	for owner, ids := range byOwner {
		if err := del(owner, ids); err != nil {
			return n, fmt.Errorf("old %s: %w", coll, err)
		}
		n += len(ids)
	}
	return n, nil
}

// DeleteClosedAttachments deletes the files of requests closed or withdrawn before t
// (the request itself, its decision and timeline stay).
func (r *Retention) DeleteClosedAttachments(ctx context.Context, t time.Time) (int, error) {
	reqs, files := r.reqs, r.files
	cur, err := r.db.coll(collRequestFiles).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("closed attachments: %w", translate(err))
	}
	var refs []struct {
		Ref string `bson:"_id"`
	}
	if err := cur.All(ctx, &refs); err != nil {
		return 0, fmt.Errorf("closed attachments: %w", translate(err))
	}
	// One request that cannot be handled (its key gone after a data-only restore, say)
	// must not stop the others, or every later step of the run: it is skipped and named.
	n := 0
	var failed []error
	for _, x := range refs {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		req, err := reqs.ByRef(ctx, x.Ref)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		} else if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", x.Ref, err))
			continue
		}
		if req.State != rights.Closed && req.State != rights.Withdrawn && req.State != rights.Duplicate {
			continue
		}
		steps, err := reqs.Steps(ctx, x.Ref, true)
		if err != nil || len(steps) == 0 || !steps[len(steps)-1].At.Before(t) {
			continue
		}
		set, err := files.set(ctx, x.Ref)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", x.Ref, err))
			continue
		}
		if err := files.DeleteRef(ctx, x.Ref); err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", x.Ref, err))
			continue
		}
		n += len(set.Files)
	}
	if len(failed) > 0 {
		return n, fmt.Errorf("%d requests' attachments not deleted, first %v", len(failed), failed[0])
	}
	return n, nil
}
