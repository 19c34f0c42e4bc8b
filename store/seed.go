package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/background"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// Seeder writes many people and their records at once, as the stores write them one at a
// time: the same documents, lists and counters. It is for `portal demo` and the
// benchmarks, into a database that holds none of these people yet. Documents wait in
// memory and go in batches with InsertMany: the embedded engine then commits (and syncs
// to disk) once per batch instead of once per document — 40 µs a document instead of
// 500 µs, measured here.
type Seeder struct {
	db       *DB
	vault    *vault.Vault
	emailKey []byte

	docs     map[string][]any    // collection → documents to insert
	lists    map[string][]string // list _id → ids, for lists created by this batch
	sealers  map[string]*vault.Sealer
	refs     map[int]int64   // year → last reference number handed out
	written  map[string]bool // lists and request lists written by earlier batches
	current  map[string]int
	months   map[string]*consentCountsDoc
	stats    map[string]*statsDoc
	subjReqs map[string][]string
	pending  int
	// BatchSize is how many documents are held before they are written (default 5 000).
	BatchSize int
}

// NewSeeder returns a seeder; emailKey must be the Users store's key.
func NewSeeder(db *DB, v *vault.Vault, emailKey []byte) *Seeder {
	s := &Seeder{db: db, vault: v, emailKey: emailKey, refs: map[int]int64{}, written: map[string]bool{}, BatchSize: 5000}
	s.reset()
	return s
}

func (s *Seeder) reset() {
	s.docs, s.lists, s.sealers = map[string][]any{}, map[string][]string{}, map[string]*vault.Sealer{}
	s.current, s.months, s.stats, s.subjReqs = map[string]int{}, map[string]*consentCountsDoc{}, map[string]*statsDoc{}, map[string][]string{}
	s.pending = 0
}

func (s *Seeder) add(coll string, d any) {
	s.docs[coll] = append(s.docs[coll], d)
	s.pending++
}

func (s *Seeder) list(kind, key, id string) {
	lid := listID(kind, key)
	s.lists[lid] = append(s.lists[lid], id)
}

// SeedPerson is one person and what they leave behind, oldest first.
type SeedPerson struct {
	User     *account.User
	Consents []*consent.Event
	Sessions []*account.Session
	Mail     []*mail.Message // SentAt set: delivered; else waiting in the outbox
}

// Person buffers a new person: the account and its address claim, the data key, the
// consent events with the state and counters they lead to, sessions and mail.
func (s *Seeder) Person(ctx context.Context, p SeedPerson) error {
	u := p.User
	sealer, wrapped, err := s.vault.Prepare(u.ID)
	if err != nil {
		return err
	}
	s.sealers[u.ID] = sealer
	s.add(collKeys, keyDoc{Subject: u.ID, Wrapped: wrapped})
	key := keyedEmail(s.emailKey, u.Email)
	s.add(collEmails, emailDoc{Key: key, UserID: u.ID})
	u.Version = 1
	doc := toDoc(u, sealer, key)
	// Listed under name and phone for the officers' search, as Users.Create would.
	users := &Users{key: s.emailKey}
	doc.SearchKeys = users.searchKeys(u)
	for _, k := range doc.SearchKeys {
		s.list(listPeople, k, u.ID)
	}
	if len(u.Roles) > 0 {
		s.list(listStaff, staffKey, u.ID)
	}
	// The consent state follows the events as Consents.Append would have.
	states := map[string]consentStateDoc{}
	for _, e := range p.Consents {
		cur, had := states[e.Purpose]
		if had && ((cur.Action == string(e.Action) && cur.NoticeVersion == e.NoticeVersion) || (e.Action == consent.Withdraw && !cur.Granted)) {
			continue
		}
		s.list(listConsents, u.ID, e.ID)
		s.add(collConsentEvents, consentEventDoc{ID: e.ID, Subject: u.ID, Purpose: e.Purpose, Action: string(e.Action), NoticeVersion: e.NoticeVersion,
			At: e.At.UTC(), Channel: e.Channel, Method: e.Method, Lang: e.Lang, WordingHash: e.WordingHash, Receipt: e.Receipt,
			RecordedBy: e.RecordedBy, Reference: e.Reference, Seq: nextSeq()})
		st := consentStateDoc{Granted: e.Action.Holds(), Action: string(e.Action), NoticeVersion: e.NoticeVersion, At: e.At.UTC(), EventID: e.ID}
		states[e.Purpose] = st
		if e.Action == consent.Grant || e.Action == consent.Withdraw {
			m := e.At.In(twtime.Zone).Format("2006-01")
			md := s.months[m]
			if md == nil {
				md = &consentCountsDoc{ID: m, Grant: map[string]int{}, Withdraw: map[string]int{}}
				s.months[m] = md
			}
			if e.Action == consent.Grant {
				md.Grant[e.Purpose]++
			} else {
				md.Withdraw[e.Purpose]++
			}
		}
	}
	for p, st := range states {
		if st.Granted {
			s.current[p]++
		}
	}
	// The user's document with its consent state, as the two stores leave it together.
	raw, err := bson.Marshal(doc)
	if err != nil {
		return err
	}
	var full bson.D
	if err := bson.Unmarshal(raw, &full); err != nil {
		return err
	}
	if len(states) > 0 {
		full = append(full, bson.E{Key: "consents", Value: states})
	}
	s.add(collUsers, full)
	for _, se := range p.Sessions {
		s.list(listSessions, u.ID, se.ID)
		s.add(collSessions, sessionDoc{ID: se.ID, UserID: u.ID, Created: se.Created.UTC(), LastSeen: se.LastSeen.UTC()})
	}
	for _, m := range p.Mail {
		s.list(listMail, u.ID, m.ID)
		d := mailDoc{ID: m.ID, UserID: u.ID, To: sealer.Seal("mail.to", m.To), Subject: sealer.Seal("mail.subject", m.Subject),
			Body: sealer.Seal("mail.body", m.Body), Lang: m.Lang, Kind: m.Kind, Created: m.Created.UTC(), NextAttempt: m.NextAttempt.UTC(),
			Attempts: m.Attempts, SentAt: m.SentAt.UTC(), LastError: m.LastError}
		if d.Coded, err = sealCoded(sealer, m); err != nil {
			return err
		}
		if m.SentAt.IsZero() {
			d.SentAt = time.Time{}
			s.add(collOutbox, d)
		} else {
			s.add(collMail, d)
		}
	}
	return s.maybeFlush(ctx)
}

// Ref hands out the next reference of a year, as the request numbering would.
func (s *Seeder) Ref(ctx context.Context, year int) (string, error) {
	if _, ok := s.refs[year]; !ok {
		var c counterDoc
		err := s.db.coll(collCounters).FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("requests-%04d", year)}}).Decode(&c)
		if err = translate(err); err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return "", err
		}
		s.refs[year] = c.N
	}
	s.refs[year]++
	return rights.FormatRef(year, s.refs[year]), nil
}

// TimedAction is an action on a request and when it was taken.
type TimedAction struct {
	At  time.Time
	Act rights.Action
}

// Request buffers a request filed (r as rights.File left it, with its reference from
// Ref or numbered by the caller in order of filing) and then worked through acts, as Requests.Create and Update would have stored it:
// its timeline, queue entry while open, the person's list and the monthly statistics.
// The requester must be a person of this batch or already stored.
func (s *Seeder) Request(ctx context.Context, r *rights.Request, acts []TimedAction) error {
	sealer := s.sealers[r.Subject]
	if sealer == nil {
		var err error
		if sealer, err = s.vault.For(ctx, r.Subject); err != nil {
			return err
		}
	}
	var year int
	var n int64
	if _, err := fmt.Sscanf(r.Ref, "%d-%d", &year, &n); err != nil {
		return fmt.Errorf("seed request: reference %q: %w", r.Ref, err)
	}
	s.refs[year] = max(s.refs[year], n)
	r.Version = 1
	st := rights.Step{Ref: r.Ref, At: r.Filed, Action: "filed", ActorID: r.Subject, Role: "requester"}
	if r.EnteredBy != "" {
		st.Action, st.ActorID, st.Role = "filed_"+r.Channel, r.EnteredBy, "officer"
	}
	steps := []stepDoc{stepToDoc(st, sealer)}
	s.tally(r, st)
	for _, a := range acts {
		st, err := a.Act(r, a.At)
		if err != nil {
			return fmt.Errorf("seed request %s: %w", r.Ref, err)
		}
		st.Ref, st.At = r.Ref, a.At
		r.Version++
		steps = append(steps, stepToDoc(st, sealer))
		s.tally(r, st)
	}
	d := requestToDoc(r, sealer)
	d.Steps = steps
	if r.State.Open() {
		s.add(collOpenRequests, openOf(d))
	}
	s.subjReqs[r.Subject] = append(s.subjReqs[r.Subject], r.Ref)
	s.add(collRequests, d)
	return s.maybeFlush(ctx)
}

func (s *Seeder) tally(r *rights.Request, st rights.Step) {
	t, ok := rights.TallyOf(r, st)
	if !ok {
		return
	}
	id := t.Month + ":" + string(t.Kind)
	d := s.stats[id]
	if d == nil {
		d = &statsDoc{ID: id, Month: t.Month, Kind: string(t.Kind), Counts: map[string]int{}, Days: map[string]int{}}
		s.stats[id] = d
	}
	for _, k := range t.Inc {
		d.Counts[k]++
	}
	if t.Days >= 0 {
		d.Days[fmt.Sprint(t.Days)]++
	}
}

func (s *Seeder) maybeFlush(ctx context.Context) error {
	if s.pending < s.BatchSize {
		return nil
	}
	return s.Flush(ctx)
}

// addAll adds ids to documents {_id, field: [ids]}, remembering which it has written.
func (s *Seeder) addAll(ctx context.Context, coll, field string, byID map[string][]string) error {
	return s.db.addToAll(ctx, coll, field, byID, s.written)
}

// Flush writes what is buffered: lists first (they name documents before the documents
// exist, as everywhere), then the documents, then the counters.
func (s *Seeder) Flush(ctx context.Context) error {
	ctx = background.Job(ctx, "seed")
	insert := func(coll string, docs []any) error {
		for len(docs) > 0 {
			n := min(len(docs), 1000)
			if _, err := s.db.coll(coll).InsertMany(ctx, docs[:n]); err != nil {
				return fmt.Errorf("seed %s: %w", coll, translate(err))
			}
			docs = docs[n:]
		}
		return nil
	}
	if err := s.addAll(ctx, collLists, "ids", s.lists); err != nil {
		return err
	}
	if err := s.addAll(ctx, collSubjectRequests, "refs", s.subjReqs); err != nil {
		return err
	}
	for _, coll := range []string{collKeys, collEmails, collUsers, collConsentEvents, collSessions, collOutbox, collMail, collOpenRequests, collRequests} {
		if err := insert(coll, s.docs[coll]); err != nil {
			return err
		}
	}
	for year, n := range s.refs {
		_, err := s.db.coll(collCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("requests-%04d", year)}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: n}}}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("seed request numbers: %w", translate(err))
		}
	}
	cons := &Consents{db: s.db}
	if err := cons.moveCurrent(ctx, s.current); err != nil {
		return err
	}
	for m, d := range s.months {
		inc := bson.D{}
		for p, n := range d.Grant {
			inc = append(inc, bson.E{Key: "grant." + p, Value: n})
		}
		for p, n := range d.Withdraw {
			inc = append(inc, bson.E{Key: "withdraw." + p, Value: n})
		}
		if _, err := s.db.coll(collConsentCounts).UpdateOne(ctx, bson.D{{Key: "_id", Value: m}}, bson.D{{Key: "$inc", Value: inc}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return fmt.Errorf("seed consent counts: %w", translate(err))
		}
	}
	for id, d := range s.stats {
		inc := bson.D{}
		for k, n := range d.Counts {
			inc = append(inc, bson.E{Key: "counts." + k, Value: n})
		}
		for k, n := range d.Days {
			inc = append(inc, bson.E{Key: "days." + k, Value: n})
		}
		if _, err := s.db.coll(collRequestStats).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$inc", Value: inc}, {Key: "$setOnInsert", Value: bson.D{{Key: "month", Value: d.Month}, {Key: "kind", Value: d.Kind}}}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return fmt.Errorf("seed request statistics: %w", translate(err))
		}
	}
	refs := s.refs
	s.reset()
	s.refs = refs
	return nil
}
