package store

import (
	"context"
	"fmt"
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

func (s *Requests) record(ctx context.Context, subject string, st rights.Step) error {
	seq := nextSeq()
	d := stepDoc{ID: fmt.Sprintf("%s:%d", st.Ref, seq), Ref: st.Ref, At: st.At.UTC(), Seq: seq, Action: st.Action, ActorID: st.ActorID, Role: st.Role, Internal: st.Internal}
	if st.Note != "" {
		sealer, err := s.vault.For(ctx, subject)
		if err != nil {
			return err
		}
		d.Note = sealer.Seal("request.step", st.Note)
	}
	if _, err := s.db.coll(collRequestSteps).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("record step: %w", translate(err))
	}
	return nil
}

// Move is a conditional update under the request's lock: the embedded engine does not
// make a read-then-write atomic, and two officers (or a requester and an officer) acting
// at once must not both win.
func (s *Requests) Move(ctx context.Context, ref string, version int64, to rights.State, st rights.Step) error {
	defer s.db.locks.lock(collRequests, ref)()
	r, err := s.ByRef(ctx, ref)
	if err != nil {
		return err
	}
	if r.Version != version || !rights.CanMove(r.State, to) {
		return rights.ErrChanged
	}
	res, err := s.db.coll(collRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}, {Key: "version", Value: version}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: string(to)}, {Key: "version", Value: version + 1}}}})
	if err != nil {
		return fmt.Errorf("move request: %w", translate(err))
	}
	if res.MatchedCount == 0 {
		return rights.ErrChanged
	}
	if to.Open() {
		_, err = s.db.coll(collOpenRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: ref}}, bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: string(to)}}}})
	} else {
		_, err = s.db.coll(collOpenRequests).DeleteOne(ctx, bson.D{{Key: "_id", Value: ref}})
	}
	if err != nil {
		return fmt.Errorf("move request: %w", translate(err))
	}
	return s.record(ctx, r.Subject, st)
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
