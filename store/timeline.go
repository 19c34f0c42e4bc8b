package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

var _ rights.Timeline = (*Requests)(nil)

type stepDoc struct {
	At      time.Time `bson:"at"`
	Action  string    `bson:"action"`
	ActorID string    `bson:"actor_id"`
	Role    string    `bson:"role"`
	Note    []byte    `bson:"note,omitempty"` // sealed with the requester's key
	// Said holds the step's rights.Said as JSON, sealed too: its parameters may be personal
	// (a corrected address). Steps written before it have none.
	Said     []byte `bson:"said,omitempty"`
	Internal bool   `bson:"internal"`
}

func stepToDoc(st rights.Step, sealer *vault.Sealer) stepDoc {
	d := stepDoc{At: st.At.UTC(), Action: st.Action, ActorID: st.ActorID, Role: st.Role, Internal: st.Internal}
	if st.Note != "" && sealer != nil {
		d.Note = sealer.Seal("request.step", st.Note)
	}
	if len(st.Said) > 0 && sealer != nil {
		if b, err := json.Marshal(st.Said); err == nil {
			d.Said = sealer.Seal("request.step_said", string(b))
		}
	}
	return d
}

// sealerOf is the sealer of a request's subject; an erased request has none and needs
// none (it holds nothing sealed).
func (s *Requests) sealerOf(ctx context.Context, r *rights.Request) (*vault.Sealer, error) {
	if r.Erased {
		return nil, nil
	}
	return s.vault.For(ctx, r.Subject)
}

// tally adds a step to the monthly statistics. Counters are $inc upserts on documents
// keyed by month and kind, so the statistics page reads a few dozen _ids and never scans
// the requests. (A crash between the request's write and this one loses one count; the
// request itself is whole.)
func (s *Requests) tally(ctx context.Context, r *rights.Request, st rights.Step) error {
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
	id := t.Month + ":" + string(t.Kind)
	// The embedded engine's $inc is a read-modify-write: the document lock keeps two
	// filings at once from losing a count. Two upserts racing to create the document
	// (several instances) make one fail on the unique _id: that one is simply retried.
	unlock := s.db.locks.lock(collRequestStats, id)
	defer unlock()
	var err error
	for range 3 {
		_, err = s.db.coll(collRequestStats).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$inc", Value: inc}, {Key: "$setOnInsert", Value: bson.D{{Key: "month", Value: t.Month}, {Key: "kind", Value: string(t.Kind)}}}},
			options.UpdateOne().SetUpsert(true))
		if err = translate(err); !errors.Is(err, apperr.ErrConflict) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("request statistics: %w", err)
	}
	return nil
}

// Update applies an action as a conditional update under the request's lock: the
// embedded engine does not make a read-then-write atomic, and two officers (or a
// requester and an officer) acting at once must not both win. The new state and its
// step are one write; the queue entry follows it.
func (s *Requests) Update(ctx context.Context, ref string, version int64, now time.Time, act rights.Action) (*rights.Request, error) {
	r, st, err := s.update(ctx, ref, version, now, act)
	if err != nil {
		return nil, err
	}
	// Counted after the request's lock is released: one lock at a time.
	return r, s.tally(ctx, r, st)
}

func (s *Requests) update(ctx context.Context, ref string, version int64, now time.Time, act rights.Action) (*rights.Request, rights.Step, error) {
	defer s.db.locks.lock(collRequests, ref)()
	old, r, err := s.loadForWrite(ctx, ref)
	if err != nil {
		return nil, rights.Step{}, err
	}
	if r.Version != version {
		return nil, rights.Step{}, rights.ErrChanged
	}
	st, err := act(r, now)
	if err != nil {
		return nil, rights.Step{}, err
	}
	st.Ref, st.At = ref, now
	sealer, err := s.sealerOf(ctx, r)
	if err != nil {
		return nil, rights.Step{}, err
	}
	r.Version = version + 1
	d := requestToDoc(r, sealer)
	d.Steps, d.Messages, d.Unread = append(old.Steps, stepToDoc(st, sealer)), old.Messages, old.Unread
	set, err := replacingAllBut(old, d, "messages", "unread")
	if err != nil {
		return nil, rights.Step{}, fmt.Errorf("update request: %w", err)
	}
	res, err := s.db.coll(collRequests).UpdateOne(ctx, s.db.atVersion(ref, version), set)
	if err != nil {
		return nil, rights.Step{}, fmt.Errorf("update request: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return nil, rights.Step{}, rights.ErrChanged
	}
	if r.State.Open() {
		_, err = s.db.coll(collOpenRequests).ReplaceOne(ctx, bson.D{{Key: "_id", Value: ref}}, openOf(d), options.Replace().SetUpsert(true))
	} else {
		_, err = s.db.coll(collOpenRequests).DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}})
	}
	if err != nil {
		return nil, rights.Step{}, fmt.Errorf("update request: %w", translate(err))
	}
	return r, st, nil
}

// Steps lists a request's timeline, oldest first.
func (s *Requests) Steps(ctx context.Context, ref string, withInternal bool) ([]rights.Step, error) {
	d, r, err := s.load(ctx, ref)
	if err != nil {
		return nil, err
	}
	sealer, err := s.sealerOf(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]rights.Step, 0, len(d.Steps))
	for _, sd := range d.Steps {
		if sd.Internal && !withInternal {
			continue
		}
		st := rights.Step{Ref: ref, At: sd.At, Action: sd.Action, ActorID: sd.ActorID, Role: sd.Role, Internal: sd.Internal}
		if len(sd.Note) > 0 && sealer != nil {
			if st.Note, err = sealer.Open("request.step", sd.Note); err != nil {
				return nil, err
			}
		}
		if len(sd.Said) > 0 && sealer != nil {
			said, err := sealer.Open("request.step_said", sd.Said)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(said), &st.Said); err != nil {
				return nil, fmt.Errorf("step of %s: %w", ref, err)
			}
		}
		out = append(out, st)
	}
	return out, nil
}

type messageDoc struct {
	ID       string    `bson:"id"`
	At       time.Time `bson:"at"`
	Role     string    `bson:"role"`
	AuthorID string    `bson:"author_id"`
	Body     []byte    `bson:"body,omitempty"` // sealed
	Files    []string  `bson:"files,omitempty"`
}

// AddMessage appends a message to a request under its lock. It does not change the
// request's version, so a message never makes an officer's open page stale.
func (s *Requests) AddMessage(ctx context.Context, ref string, m *rights.Message) error {
	defer s.db.locks.lock(collRequests, ref)()
	d, r, err := s.loadForWrite(ctx, ref)
	if err != nil {
		return err
	}
	if len(d.Messages) >= rights.MaxMessages {
		return rights.ErrTooManyMessages
	}
	if r.Erased {
		return fmt.Errorf("request %s: the requester was erased: %w", ref, apperr.ErrConflict)
	}
	sealer, err := s.vault.For(ctx, r.Subject)
	if err != nil {
		return err
	}
	md := messageDoc{ID: m.ID, At: m.At.UTC(), Role: m.Role, AuthorID: m.AuthorID, Files: m.Files}
	if m.Body != "" {
		md.Body = sealer.Seal("request.message", m.Body)
	}
	update := bson.D{{Key: "$push", Value: bson.D{{Key: "messages", Value: md}}}}
	if m.Role == rights.RoleRequester {
		update = append(update, bson.E{Key: "$inc", Value: bson.D{{Key: "unread", Value: 1}}})
	}
	_, err = s.db.coll(collRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, update)
	if err != nil {
		return fmt.Errorf("add message: %w", translate(err))
	}
	if m.Role == rights.RoleRequester && r.State.Open() {
		// The queue's copy follows; a crash before it leaves the queue one short until
		// the next action on the request rewrites the entry from the request.
		_, err = s.db.coll(collOpenRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "unread", Value: 1}}}})
		if err != nil {
			return fmt.Errorf("add message: %w", translate(err))
		}
	}
	return nil
}

// MarkRead clears a request's unread count, on the request and its queue entry. It
// writes only when there is something to clear, so opening a read request costs no write.
func (s *Requests) MarkRead(ctx context.Context, ref string) error {
	defer s.db.locks.lock(collRequests, ref)()
	var d struct {
		Unread int    `bson:"unread"`
		State  string `bson:"state"`
	}
	err := s.db.coll(collRequests).FindOne(ctx, bson.D{{Key: "_id", Value: ref}},
		options.FindOne().SetProjection(bson.D{{Key: "unread", Value: 1}, {Key: "state", Value: 1}})).Decode(&d)
	if err != nil {
		return fmt.Errorf("mark read %s: %w", ref, translate(err))
	}
	if d.Unread == 0 {
		return nil
	}
	clear := bson.D{{Key: "$set", Value: bson.D{{Key: "unread", Value: 0}}}}
	if _, err := s.db.coll(collRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, clear); err != nil {
		return fmt.Errorf("mark read %s: %w", ref, translate(err))
	}
	if rights.State(d.State).Open() {
		if _, err := s.db.coll(collOpenRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, clear); err != nil {
			return fmt.Errorf("mark read %s: %w", ref, translate(err))
		}
	}
	return nil
}

// Messages lists a request's messages, oldest first.
func (s *Requests) Messages(ctx context.Context, ref string) ([]rights.Message, error) {
	d, r, err := s.load(ctx, ref)
	if err != nil {
		return nil, err
	}
	sealer, err := s.sealerOf(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]rights.Message, len(d.Messages))
	for i, md := range d.Messages {
		out[i] = rights.Message{ID: md.ID, At: md.At, Role: md.Role, AuthorID: md.AuthorID, Files: md.Files}
		if len(md.Body) > 0 && sealer != nil {
			if out[i].Body, err = sealer.Open("request.message", md.Body); err != nil {
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

// replacingAllBut is the update that turns the stored document old into d, except for the
// fields named: those are left as they stand in the database. A message is added with
// $push and its unread count with $inc, without the version the officers' actions
// compare (a reply must not fail an officer's form); another instance's message between
// this one's read and its write would be lost by a replace of the whole document.
func replacingAllBut(old, d any, keep ...string) (bson.D, error) {
	fields := func(v any) (bson.D, error) {
		raw, err := bson.Marshal(v)
		if err != nil {
			return nil, err
		}
		var out bson.D
		return out, bson.Unmarshal(raw, &out)
	}
	was, err := fields(old)
	if err != nil {
		return nil, err
	}
	now, err := fields(d)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{"_id": true}
	for _, k := range keep {
		skip[k] = true
	}
	set, present := bson.D{}, map[string]bool{}
	for _, e := range now {
		present[e.Key] = true
		if !skip[e.Key] {
			set = append(set, e)
		}
	}
	unset := bson.D{}
	for _, e := range was {
		if !present[e.Key] && !skip[e.Key] {
			unset = append(unset, bson.E{Key: e.Key, Value: ""})
		}
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	return update, nil
}
