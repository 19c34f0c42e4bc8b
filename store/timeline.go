package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/rights"
)

var _ rights.Timeline = (*Requests)(nil)

type stepDoc struct {
	ID       string    `bson:"_id"`
	Ref      string    `bson:"ref"`
	At       time.Time `bson:"at"`
	Seq      int64     `bson:"seq"`
	Action   string    `bson:"action"`
	ActorID  string    `bson:"actor_id"`
	Role     string    `bson:"role"`
	Note     []byte    `bson:"note,omitempty"` // sealed with the requester's key
	Internal bool      `bson:"internal"`
}

// record stores a step and adds it to the monthly statistics. Counters are $inc upserts
// on documents keyed by month and kind, so the statistics page reads a few dozen _ids
// and never scans the requests.
func (s *Requests) record(ctx context.Context, r *rights.Request, st rights.Step) error {
	seq := nextSeq()
	d := stepDoc{ID: fmt.Sprintf("%s:%d", st.Ref, seq), Ref: st.Ref, At: st.At.UTC(), Seq: seq, Action: st.Action, ActorID: st.ActorID, Role: st.Role, Internal: st.Internal}
	if st.Note != "" {
		sealer, err := s.vault.For(ctx, r.Subject)
		if err != nil {
			return err
		}
		d.Note = sealer.Seal("request.step", st.Note)
	}
	if _, err := s.db.coll(collRequestSteps).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("record step: %w", translate(err))
	}
	t, ok := rights.TallyOf(r, st)
	if !ok {
		return nil
	}
	inc := bson.D{}
	for _, k := range t.Inc {
		inc = append(inc, bson.E{Key: "counts." + k, Value: 1})
	}
	if t.Days >= 0 {
		inc = append(inc, bson.E{Key: fmt.Sprintf("days.%d", t.Days), Value: 1})
	}
	_, err := s.db.coll(collRequestStats).UpdateOne(ctx, bson.D{{Key: "_id", Value: t.Month + ":" + string(t.Kind)}},
		bson.D{{Key: "$inc", Value: inc}, {Key: "$setOnInsert", Value: bson.D{{Key: "month", Value: t.Month}, {Key: "kind", Value: string(t.Kind)}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("request statistics: %w", translate(err))
	}
	return nil
}

// Update applies an action as a conditional update under the request's lock: the
// embedded engine does not make a read-then-write atomic, and two officers (or a
// requester and an officer) acting at once must not both win. The request document is
// written first; the queue entry and the timeline step follow it.
func (s *Requests) Update(ctx context.Context, ref string, version int64, now time.Time, act rights.Action) (*rights.Request, error) {
	defer s.db.locks.lock(collRequests, ref)()
	r, err := s.ByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if r.Version != version {
		return nil, rights.ErrChanged
	}
	st, err := act(r, now)
	if err != nil {
		return nil, err
	}
	st.Ref, st.At = ref, now
	sealer, err := s.vault.For(ctx, r.Subject)
	if err != nil {
		return nil, err
	}
	r.Version = version + 1
	d := requestToDoc(r, sealer)
	res, err := s.db.coll(collRequests).ReplaceOne(ctx, bson.D{{Key: "_id", Value: ref}, {Key: "version", Value: version}}, d)
	if err != nil {
		return nil, fmt.Errorf("update request: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return nil, rights.ErrChanged
	}
	if r.State.Open() {
		_, err = s.db.coll(collOpenRequests).ReplaceOne(ctx, bson.D{{Key: "_id", Value: ref}}, openOf(d), options.Replace().SetUpsert(true))
	} else {
		_, err = s.db.coll(collOpenRequests).DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}})
	}
	if err != nil {
		return nil, fmt.Errorf("update request: %w", translate(err))
	}
	return r, s.record(ctx, r, st)
}

// Steps lists a request's timeline, oldest first.
func (s *Requests) Steps(ctx context.Context, ref string, withInternal bool) ([]rights.Step, error) {
	r, err := s.ByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	filter := bson.D{{Key: "ref", Value: ref}}
	if !withInternal {
		filter = append(filter, bson.E{Key: "internal", Value: false})
	}
	cur, err := s.db.coll(collRequestSteps).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", translate(err))
	}
	var docs []stepDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("timeline: %w", translate(err))
	}
	sealer, err := s.vault.For(ctx, r.Subject)
	if err != nil {
		return nil, err
	}
	out := make([]rights.Step, len(docs))
	for i, d := range docs {
		out[i] = rights.Step{Ref: d.Ref, At: d.At, Action: d.Action, ActorID: d.ActorID, Role: d.Role, Internal: d.Internal}
		if len(d.Note) > 0 {
			if out[i].Note, err = sealer.Open("request.step", d.Note); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

type statsDoc struct {
	ID     string         `bson:"_id"`
	Month  string         `bson:"month"`
	Kind   string         `bson:"kind"`
	Counts map[string]int `bson:"counts"`
	Days   map[string]int `bson:"days"`
}

// Stats returns the monthly counts from month from to month to ("2026-01"), inclusive.
// The collection holds one small document per month and kind, so reading it whole is
// cheap for decades.
func (s *Requests) Stats(ctx context.Context, from, to string) ([]rights.MonthStats, error) {
	cur, err := s.db.coll(collRequestStats).Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("request statistics: %w", translate(err))
	}
	var docs []statsDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("request statistics: %w", translate(err))
	}
	var out []rights.MonthStats
	for _, d := range docs {
		if d.Month < from || d.Month > to {
			continue
		}
		m := rights.MonthStats{Month: d.Month, Kind: rights.Kind(d.Kind), Counts: d.Counts, DaysToDecision: map[int]int{}}
		for k, v := range d.Days {
			if n, err := strconv.Atoi(k); err == nil {
				m.DaysToDecision[n] = v
			}
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].Kind < out[j].Kind
	})
	return out, nil
}
