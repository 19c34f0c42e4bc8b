package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// Requests implements rights.Requests. A request lives in "requests" under its
// reference; while open, a small copy of what the queue shows lives in "open_requests",
// so the officers' queue reads a few hundred documents, not every request ever filed
// (the embedded engine scans a collection for anything but an _id look-up).
type Requests struct {
	db    *DB
	vault *vault.Vault
	// open is the queue as Open last decoded and sorted it, with the documents it came
	// from: while the kept documents are the same, the queue is too (decoding and
	// sorting them was about a third of the officer's queue page).
	open atomic.Pointer[openDecoded]
	// shared is the queue as OpenShared last built it, for readers that only read.
	shared atomic.Pointer[openShared]
	// A person's list: their index and each request's list fields as last decoded
	// (decoding a whole request for a row was about a third of the page).
	index decoded[subjectRequestsDoc]
	rows  decoded[requestListDoc]
}

type openDecoded struct {
	raws []bson.Raw // held, so that no other read can come back at the same address
	docs []openDoc  // sorted; never changed once kept
}

type openShared struct {
	raws []bson.Raw // what they were built from, held as above
	reqs []*rights.Request
}

var _ rights.Requests = (*Requests)(nil)

// NewRequests returns the request store; what the requester typed is sealed with their key.
func NewRequests(db *DB, v *vault.Vault) *Requests {
	return &Requests{db: db, vault: v, index: decoded[subjectRequestsDoc]{coll: collSubjectRequests}, rows: decoded[requestListDoc]{coll: collRequests}}
}

type requestDoc struct {
	Ref         string    `bson:"_id"`
	Kind        string    `bson:"kind"`
	Subject     string    `bson:"subject"`
	State       string    `bson:"state"`
	Channel     string    `bson:"channel"`
	Received    string    `bson:"received"` // YYYY-MM-DD, Taiwan date
	Due         string    `bson:"due"`
	Filed       time.Time `bson:"filed"`
	Scope       []byte    `bson:"scope,omitempty"` // sealed
	Purposes    []string  `bson:"purposes,omitempty"`
	Whole       bool      `bson:"whole,omitempty"`
	ScopeFiles  []string  `bson:"scope_files,omitempty"`
	Field       string    `bson:"field,omitempty"`
	Proposed    []byte    `bson:"proposed,omitempty"`    // sealed
	Explanation []byte    `bson:"explanation,omitempty"` // sealed
	Version     int64     `bson:"version"`
	EnteredBy   string    `bson:"entered_by,omitempty"`
	Erased      bool      `bson:"erased,omitempty"`            // the person was erased: an anonymous record
	Principal   []byte    `bson:"principal,omitempty"`         // sealed
	PrincipalOf []byte    `bson:"principal_contact,omitempty"` // sealed
	// The paper or counter requester's contact as given (sealed).
	ContactName    []byte             `bson:"contact_name,omitempty"`
	ContactEmail   []byte             `bson:"contact_email,omitempty"`
	ContactPhone   []byte             `bson:"contact_phone,omitempty"`
	ContactAddress []byte             `bson:"contact_address,omitempty"`
	Postmarked     bool               `bson:"postmarked,omitempty"`
	Deliveries     []deliveryDoc      `bson:"deliveries,omitempty"`
	Notices        []requestNoticeDoc `bson:"notices,omitempty"`

	Assignee      string       `bson:"assignee,omitempty"`
	IdentityLevel string       `bson:"identity_level,omitempty"`
	IdentityNote  []byte       `bson:"identity_note,omitempty"` // sealed
	Extension     *extDoc      `bson:"extension,omitempty"`
	Decision      *decisionDoc `bson:"decision,omitempty"`
	Fee           *feeDoc      `bson:"fee,omitempty"`
	DuplicateOf   string       `bson:"duplicate_of,omitempty"`
	Unread        int          `bson:"unread,omitempty"` // the requester's messages no officer has opened

	// The timeline and the messages live in the request's document: one read shows a
	// request, and a state change and its step are one atomic write.
	Steps    []stepDoc    `bson:"steps"`
	Messages []messageDoc `bson:"messages,omitempty"`
}

type deliveryDoc struct {
	Letter string `bson:"letter"`
	Method string `bson:"method"`
	On     string `bson:"on"`
	By     string `bson:"by"`
}

// requestNoticeDoc is a written notice given on the request (rights.Notice).
type requestNoticeDoc struct {
	Letter string    `bson:"letter"`
	At     time.Time `bson:"at"`
	OldDue string    `bson:"old_due,omitempty"`
	NewDue string    `bson:"new_due,omitempty"`
}

type extDoc struct {
	Reason []byte    `bson:"reason"` // sealed
	At     time.Time `bson:"at"`
	By     string    `bson:"by"`
	OldDue string    `bson:"old_due"`
}

type decisionDoc struct {
	Items   []itemDoc `bson:"items"`
	Outcome string    `bson:"outcome"`
	At      time.Time `bson:"at"`
	By      string    `bson:"by"`
}

type itemDoc struct {
	Key     string   `bson:"key"`
	Granted bool     `bson:"granted"`
	Grounds []string `bson:"grounds,omitempty"`
	Reason  []byte   `bson:"reason,omitempty"` // sealed
	// Kept is the reason of an erased person's decision still open to appeal, kept in
	// the anonymous record (Eraser.anonymise).
	Kept string `bson:"kept,omitempty"`
}

type feeDoc struct {
	Lines   []feeLineDoc `bson:"lines"`
	Total   int          `bson:"total"`
	Status  string       `bson:"status"`
	Settled time.Time    `bson:"settled,omitempty"`
	PayBy   string       `bson:"pay_by,omitempty"` // YYYY-MM-DD
	Payment *paymentDoc  `bson:"payment,omitempty"`
}

type paymentDoc struct {
	On      string `bson:"on"` // YYYY-MM-DD
	Amount  int    `bson:"amount"`
	Method  string `bson:"method"`
	Receipt string `bson:"receipt"`
}

type feeLineDoc struct {
	Item     string `bson:"item"`
	Unit     int    `bson:"unit"`
	Quantity int    `bson:"quantity"`
}

type openDoc struct {
	Ref      string `bson:"_id"`
	Kind     string `bson:"kind"`
	Subject  string `bson:"subject"`
	State    string `bson:"state"`
	Received string `bson:"received"`
	Due      string `bson:"due"`
	Assignee string `bson:"assignee,omitempty"`
	Channel  string `bson:"channel,omitempty"`
	// What the fulfilment clock of a decided request needs (rights.ClockOf).
	Outcome    string    `bson:"outcome,omitempty"`
	DecidedAt  time.Time `bson:"decided_at,omitempty"`
	FeeStatus  string    `bson:"fee_status,omitempty"`
	FeeSettled time.Time `bson:"fee_settled,omitempty"`
	// Unread is the request's count, kept here too so the queue shows it without
	// opening the requests.
	Unread int `bson:"unread,omitempty"`
}

func openOf(d *requestDoc) openDoc {
	o := openDoc{Ref: d.Ref, Kind: d.Kind, Subject: d.Subject, State: d.State, Received: d.Received, Due: d.Due, Assignee: d.Assignee, Channel: d.Channel, Unread: d.Unread}
	if d.Decision != nil {
		o.Outcome, o.DecidedAt = d.Decision.Outcome, d.Decision.At
	}
	if d.Fee != nil {
		o.FeeStatus, o.FeeSettled = d.Fee.Status, d.Fee.Settled
	}
	return o
}

type counterDoc struct {
	ID string `bson:"_id"`
	N  int64  `bson:"n"`
}

// nextRef numbers requests per year of receipt. A number taken by a request whose
// insert then failed stays unused: references may have gaps, never repeats.
func (s *Requests) nextRef(ctx context.Context, year int) (string, error) {
	id := fmt.Sprintf("requests-%04d", year)
	defer s.db.locks.lock(collCounters, id)()
	_, err := s.db.coll(collCounters).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return "", fmt.Errorf("number request: %w", translate(err))
	}
	var c counterDoc
	if err := s.db.coll(collCounters).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c); err != nil {
		return "", fmt.Errorf("number request: %w", translate(err))
	}
	return rights.FormatRef(year, c.N), nil
}

// Number takes the next reference of the year the request was received.
func (s *Requests) Number(ctx context.Context, r *rights.Request) error {
	ref, err := s.nextRef(ctx, r.Received.Year)
	if err != nil {
		return err
	}
	r.Ref = ref
	return nil
}

// Create numbers (unless Number did) and stores a request. The queue entry is written first: if the second
// write fails, the requester saw no confirmation, and what is left is a queue entry whose
// page answers "not found" (an officer's nuisance, never a lost request), which the
// hourly run drops a day later (DropUnfinished).
func (s *Requests) Create(ctx context.Context, r *rights.Request) error {
	if r.Ref == "" {
		if err := s.Number(ctx, r); err != nil {
			return err
		}
	}
	ref := r.Ref
	sealer, err := s.vault.For(ctx, r.Subject)
	if err != nil {
		return fmt.Errorf("create request: %w", err)
	}
	r.Ref, r.Version = ref, 1
	d := requestToDoc(r, sealer)
	st := rights.Step{Ref: ref, At: r.Filed, Action: "filed", ActorID: r.Subject, Role: "requester"}
	if r.EnteredBy != "" {
		st.Action, st.ActorID, st.Role = "filed_"+r.Channel, r.EnteredBy, "officer"
	}
	d.Steps = []stepDoc{stepToDoc(st, sealer)}
	if r.State.Open() {
		if _, err := s.db.coll(collOpenRequests).InsertOne(ctx, openOf(d)); err != nil {
			return fmt.Errorf("create request: %w", translate(err))
		}
	}
	// The person's list of references, so "my requests" is two _id look-ups deep rather
	// than a scan of every request ever filed.
	// The embedded engine's updates are read-modify-write (doclock.go).
	unlock := s.db.locks.lock(collSubjectRequests, r.Subject)
	_, err = s.db.coll(collSubjectRequests).UpdateOne(ctx, bson.D{{Key: "_id", Value: r.Subject}},
		bson.D{{Key: "$addToSet", Value: bson.D{{Key: "refs", Value: ref}}}}, options.UpdateOne().SetUpsert(true))
	unlock()
	if err != nil {
		return fmt.Errorf("create request: %w", translate(err))
	}
	if _, err := s.db.coll(collRequests).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("create request: %w", translate(err))
	}
	return s.tally(ctx, r, st)
}

type subjectRequestsDoc struct {
	ID   string   `bson:"_id"`
	Refs []string `bson:"refs"`
	// The filings admitted under the quota and not yet stored (filings.go).
	Filing        []filingClaimDoc `bson:"filing,omitempty"`
	FilingVersion int64            `bson:"filing_version,omitempty"`
}

// requestToDoc converts a request, sealing what the requester and the officers typed.
func requestToDoc(r *rights.Request, sealer *vault.Sealer) *requestDoc {
	seal := func(field, v string) []byte {
		if v == "" || sealer == nil {
			return nil
		}
		return sealer.Seal(field, v)
	}
	d := &requestDoc{Ref: r.Ref, Kind: string(r.Kind), Subject: r.Subject, State: string(r.State), Channel: r.Channel,
		Received: r.Received.String(), Due: r.Due.String(), Filed: r.Filed.UTC(), Purposes: r.Purposes, ScopeFiles: r.ScopeFiles, Field: r.Field, Version: r.Version,
		Erased: r.Erased, Whole: r.Whole,
		Principal: seal("request.principal", r.Principal), PrincipalOf: seal("request.principal_contact", r.PrincipalContact),
		Scope: seal("request.scope", r.Scope), Proposed: seal("request.proposed", r.Proposed), Explanation: seal("request.explanation", r.Explanation),
		Assignee: r.Assignee, IdentityLevel: string(r.IdentityLevel), EnteredBy: r.EnteredBy, IdentityNote: seal("request.identity_note", r.IdentityNote), DuplicateOf: r.DuplicateOf, Unread: r.Unread,
		ContactName: seal("request.contact_name", r.Contact.Name), ContactEmail: seal("request.contact_email", r.Contact.Email),
		ContactPhone: seal("request.contact_phone", r.Contact.Phone), ContactAddress: seal("request.contact_address", r.Contact.Address), Postmarked: r.Postmarked}
	for _, dl := range r.Deliveries {
		d.Deliveries = append(d.Deliveries, deliveryDoc{Letter: dl.Letter, Method: dl.Method, On: dl.On.String(), By: dl.By})
	}
	for _, n := range r.Notices {
		nd := requestNoticeDoc{Letter: n.Letter, At: n.At.UTC()}
		if !n.OldDue.IsZero() {
			nd.OldDue, nd.NewDue = n.OldDue.String(), n.NewDue.String()
		}
		d.Notices = append(d.Notices, nd)
	}
	if e := r.Extension; e != nil {
		d.Extension = &extDoc{Reason: seal("request.extension", e.Reason), At: e.At.UTC(), By: e.By, OldDue: e.OldDue.String()}
	}
	if x := r.Decision; x != nil {
		d.Decision = &decisionDoc{Outcome: string(x.Outcome), At: x.At.UTC(), By: x.By}
		for _, it := range x.Items {
			d.Decision.Items = append(d.Decision.Items, itemDoc{Key: it.Key, Granted: it.Granted, Grounds: it.Grounds, Reason: seal("request.item", it.Reason)})
		}
	}
	if f := r.Fee; f != nil {
		d.Fee = &feeDoc{Total: f.Total, Status: string(f.Status), Settled: f.Settled.UTC()}
		if !f.PayBy.IsZero() {
			d.Fee.PayBy = f.PayBy.String()
		}
		if p := f.Payment; p != nil {
			d.Fee.Payment = &paymentDoc{On: p.On.String(), Amount: p.Amount, Method: p.Method, Receipt: p.Receipt}
		}
		for _, l := range f.Lines {
			d.Fee.Lines = append(d.Fee.Lines, feeLineDoc(l))
		}
	}
	return d
}

// ByRef returns a request by its reference.
func (s *Requests) ByRef(ctx context.Context, ref string) (*rights.Request, error) {
	_, r, err := s.load(ctx, ref)
	return r, err
}

func (s *Requests) load(ctx context.Context, ref string) (*requestDoc, *rights.Request, error) {
	return s.loadWith(ctx, ref, s.db.byID)
}

// loadForWrite is load for a caller holding the request's lock about to write it.
func (s *Requests) loadForWrite(ctx context.Context, ref string) (*requestDoc, *rights.Request, error) {
	return s.loadWith(ctx, ref, s.db.fresh)
}

func (s *Requests) loadWith(ctx context.Context, ref string, read func(context.Context, string, string, any) error) (*requestDoc, *rights.Request, error) {
	var d requestDoc
	if err := read(ctx, collRequests, ref, &d); err != nil {
		return nil, nil, fmt.Errorf("request %s: %w", ref, err)
	}
	r, err := s.toDomain(ctx, &d)
	return &d, r, err
}

// ForSubject lists a person's requests, newest first. A reference listed whose request
// document is missing (a filing that failed half-way, never confirmed) is skipped.
func (s *Requests) ForSubject(ctx context.Context, subject string) ([]*rights.Request, error) {
	refs, err := s.subjectRefs(ctx, subject, false)
	if err != nil {
		return nil, err
	}
	return s.listed(ctx, subject, refs)
}

// listed reads the requests of subject's list refs whole, newest first.
func (s *Requests) listed(ctx context.Context, subject string, refs []string) ([]*rights.Request, error) {
	// The person's data key is unwrapped once for the list, not once a request.
	var sealer *vault.Sealer
	read := func(ctx context.Context, ref string) (requestDoc, error) {
		var d requestDoc
		return d, s.db.byID(ctx, collRequests, ref, &d)
	}
	return readListed(ctx, refs, read, func(d *requestDoc) (*rights.Request, error) {
		if d.Erased || d.Subject != subject {
			return s.toDomain(ctx, d)
		}
		if sealer == nil {
			var err error
			if sealer, err = s.vault.For(ctx, subject); err != nil {
				return nil, err
			}
		}
		return toRequest(d, sealer)
	})
}

// subjectRefs are the references on a person's list (none for a person with no list).
// A page's list may take the index as last decoded (kept); ForSubject, which erasure and
// exports use, reads it afresh.
func (s *Requests) subjectRefs(ctx context.Context, subject string, kept bool) ([]string, error) {
	var idx subjectRequestsDoc
	var err error
	if kept {
		idx, err = s.index.byID(ctx, s.db, subject)
	} else {
		err = s.db.byID(ctx, collSubjectRequests, subject, &idx)
	}
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("requests: %w", err)
	}
	return idx.Refs, nil
}

// readListed reads the requests refs by read, each turned into a request by conv,
// newest first. A reference whose document is missing is skipped, and so is one conv
// answers with no request or with vault.ErrKeyDestroyed (the person was erased
// meanwhile).
func readListed[D any](ctx context.Context, refs []string, read func(ctx context.Context, ref string) (D, error), conv func(d *D) (*rights.Request, error)) ([]*rights.Request, error) {
	out := make([]*rights.Request, 0, len(refs))
	for _, ref := range refs {
		d, err := read(ctx, ref)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", ref, err)
		}
		r, err := conv(&d)
		if errors.Is(err, vault.ErrKeyDestroyed) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if r != nil {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Filed.After(out[j].Filed) })
	return out, nil
}

// requestListDoc is the part of a request document a list shows. Decoding a whole
// request (timeline, messages, sealed fields) for each row was the largest part of a
// citizen's list page after rendering.
type requestListDoc struct {
	Ref      string    `bson:"_id"`
	Kind     string    `bson:"kind"`
	Subject  string    `bson:"subject"`
	State    string    `bson:"state"`
	Channel  string    `bson:"channel"`
	Received string    `bson:"received"`
	Due      string    `bson:"due"`
	Filed    time.Time `bson:"filed"`
	Version  int64     `bson:"version"`
	Erased   bool      `bson:"erased,omitempty"`
	Assignee string    `bson:"assignee,omitempty"`
	Unread   int       `bson:"unread,omitempty"`
}

// ListForSubject lists a person's requests as a list shows them, newest first. As in
// ForSubject, a reference whose request is missing is skipped, and so is every request
// not erased once the person's data key is gone.
func (s *Requests) ListForSubject(ctx context.Context, subject string) ([]*rights.Request, error) {
	refs, err := s.subjectRefs(ctx, subject, true)
	if err != nil {
		return nil, err
	}
	read := func(ctx context.Context, ref string) (requestListDoc, error) { return s.rows.byID(ctx, s.db, ref) }
	keyChecked, keyGone := false, false
	return readListed(ctx, refs, read, func(d *requestListDoc) (*rights.Request, error) {
		if !d.Erased {
			if !keyChecked {
				_, err := s.vault.For(ctx, subject)
				if err != nil && !errors.Is(err, vault.ErrKeyDestroyed) {
					return nil, err
				}
				keyChecked, keyGone = true, err != nil
			}
			if keyGone || d.Subject != subject {
				return nil, nil
			}
		}
		received, err := rights.ParseDate(d.Received)
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", d.Ref, err)
		}
		due, err := rights.ParseDate(d.Due)
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", d.Ref, err)
		}
		return &rights.Request{Ref: d.Ref, Kind: rights.Kind(d.Kind), Subject: d.Subject, State: rights.State(d.State),
			Channel: d.Channel, Received: received, Due: due, Filed: d.Filed, Version: d.Version, Erased: d.Erased,
			Assignee: d.Assignee, Unread: d.Unread}, nil
	})
}

// Open lists the open requests, soonest due first, from the queue collection alone (no
// personal data is opened for the list).
func (s *Requests) Open(ctx context.Context) ([]*rights.Request, error) {
	docs, err := s.openDocs(ctx)
	if err != nil {
		return nil, fmt.Errorf("open requests: %w", err)
	}
	out := make([]*rights.Request, 0, len(docs))
	for _, d := range docs {
		if d.State == string(rights.Decided) && d.DecidedAt.IsZero() {
			// Queued before the queue kept the decision: bring the entry up to date from
			// its request (an _id look-up, once per such entry).
			if fixed, err := s.refreshOpen(ctx, d.Ref); err != nil {
				return nil, err
			} else if fixed != nil {
				d = *fixed
			}
		}
		received, err1 := rights.ParseDate(d.Received)
		due, err2 := rights.ParseDate(d.Due)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("open request %s: bad date", d.Ref)
		}
		r := &rights.Request{Ref: d.Ref, Kind: rights.Kind(d.Kind), Subject: d.Subject, State: rights.State(d.State), Received: received, Due: due,
			Assignee: d.Assignee, Channel: d.Channel, Unread: d.Unread}
		if d.Outcome != "" {
			r.Decision = &rights.Decision{Outcome: rights.Outcome(d.Outcome), At: d.DecidedAt}
		}
		if d.FeeStatus != "" {
			r.Fee = &rights.Fee{Status: rights.FeeStatus(d.FeeStatus), Settled: d.FeeSettled}
		}
		out = append(out, r)
	}
	return out, nil
}

// OpenShared is Open for readers that only read: the requests themselves are shared with
// every other reader until the queue changes, and only the slice is the caller's own (to
// sort or filter). The officers' queue page and the staff home read the whole queue on
// every view, and copying every open request each time was a quarter of the queue page's
// garbage.
func (s *Requests) OpenShared(ctx context.Context) ([]*rights.Request, error) {
	raws, err := s.db.allRaw(ctx, collOpenRequests)
	if err != nil {
		return nil, fmt.Errorf("open requests: %w", err)
	}
	if m := s.shared.Load(); m != nil && len(raws) > 0 && len(m.raws) == len(raws) && &m.raws[0] == &raws[0] {
		return slices.Clone(m.reqs), nil
	}
	// Open reads the queue again, so what it builds is at least as new as raws: kept
	// under raws, it is never older than what they say.
	reqs, err := s.Open(ctx)
	if err != nil {
		return nil, err
	}
	if len(raws) > 0 && s.db.cache != nil {
		s.shared.Store(&openShared{raws: raws, reqs: reqs})
	}
	return slices.Clone(reqs), nil
}

// openDocs is the queue collection decoded, soonest due first.
func (s *Requests) openDocs(ctx context.Context) ([]openDoc, error) {
	raws, err := s.db.allRaw(ctx, collOpenRequests)
	if err != nil {
		return nil, err
	}
	if m := s.open.Load(); m != nil && len(raws) > 0 && len(m.raws) == len(raws) && &m.raws[0] == &raws[0] {
		return m.docs, nil
	}
	var docs []openDoc
	if err := decodeAll(raws, &docs); err != nil {
		return nil, err
	}
	sort.Slice(docs, func(i, j int) bool {
		if docs[i].Due != docs[j].Due {
			return docs[i].Due < docs[j].Due
		}
		return docs[i].Ref < docs[j].Ref
	})
	if len(raws) > 0 && s.db.cache != nil {
		s.open.Store(&openDecoded{raws: raws, docs: docs})
	}
	return docs, nil
}

// refreshOpen rewrites a queue entry from its request; nil when the request is missing
// (an unfinished filing) or no longer open.
func (s *Requests) refreshOpen(ctx context.Context, ref string) (*openDoc, error) {
	defer s.db.locks.lock(collRequests, ref)()
	var d requestDoc
	err := translate(s.db.coll(collRequests).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d))
	if errors.Is(err, apperr.ErrNotFound) || err == nil && !rights.State(d.State).Open() {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open request %s: %w", ref, err)
	}
	o := openOf(&d)
	if _, err := s.db.coll(collOpenRequests).ReplaceOne(ctx, bson.D{{Key: "_id", Value: ref}}, o); err != nil {
		return nil, fmt.Errorf("open request %s: %w", ref, translate(err))
	}
	return &o, nil
}

func (s *Requests) toDomain(ctx context.Context, d *requestDoc) (*rights.Request, error) {
	var sealer *vault.Sealer
	if !d.Erased {
		var err error
		if sealer, err = s.vault.For(ctx, d.Subject); err != nil {
			return nil, err
		}
	}
	return toRequest(d, sealer)
}

// toRequest converts a stored request, opening its sealed fields with sealer (the
// subject's; nil for an erased request).
func toRequest(d *requestDoc, sealer *vault.Sealer) (*rights.Request, error) {
	received, err := rights.ParseDate(d.Received)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", d.Ref, err)
	}
	due, err := rights.ParseDate(d.Due)
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", d.Ref, err)
	}
	r := &rights.Request{Ref: d.Ref, Kind: rights.Kind(d.Kind), Subject: d.Subject, State: rights.State(d.State), Channel: d.Channel,
		Received: received, Due: due, Filed: d.Filed, Purposes: d.Purposes, Whole: d.Whole, ScopeFiles: d.ScopeFiles, Field: d.Field, Version: d.Version,
		Assignee: d.Assignee, IdentityLevel: rights.IdentityLevel(d.IdentityLevel), DuplicateOf: d.DuplicateOf, EnteredBy: d.EnteredBy,
		Erased: d.Erased, Unread: d.Unread, Postmarked: d.Postmarked}
	for _, dl := range d.Deliveries {
		on, _ := rights.ParseDate(dl.On)
		r.Deliveries = append(r.Deliveries, rights.Delivery{Letter: dl.Letter, Method: dl.Method, On: on, By: dl.By})
	}
	for _, nd := range d.Notices {
		n := rights.Notice{Letter: nd.Letter, At: nd.At}
		n.OldDue, _ = rights.ParseDate(nd.OldDue)
		n.NewDue, _ = rights.ParseDate(nd.NewDue)
		r.Notices = append(r.Notices, n)
	}
	open := func(field string, src []byte, dst *string) {
		if len(src) == 0 || err != nil || sealer == nil {
			return
		}
		*dst, err = sealer.Open(field, src)
	}
	open("request.scope", d.Scope, &r.Scope)
	open("request.proposed", d.Proposed, &r.Proposed)
	open("request.explanation", d.Explanation, &r.Explanation)
	open("request.identity_note", d.IdentityNote, &r.IdentityNote)
	open("request.principal", d.Principal, &r.Principal)
	open("request.principal_contact", d.PrincipalOf, &r.PrincipalContact)
	open("request.contact_name", d.ContactName, &r.Contact.Name)
	open("request.contact_email", d.ContactEmail, &r.Contact.Email)
	open("request.contact_phone", d.ContactPhone, &r.Contact.Phone)
	open("request.contact_address", d.ContactAddress, &r.Contact.Address)
	if e := d.Extension; e != nil {
		r.Extension = &rights.Extension{At: e.At, By: e.By}
		r.Extension.OldDue, _ = rights.ParseDate(e.OldDue)
		open("request.extension", e.Reason, &r.Extension.Reason)
	}
	if x := d.Decision; x != nil {
		r.Decision = &rights.Decision{Outcome: rights.Outcome(x.Outcome), At: x.At, By: x.By}
		r.Decision.Items = make([]rights.Item, len(x.Items))
		for i, it := range x.Items {
			r.Decision.Items[i] = rights.Item{Key: it.Key, Granted: it.Granted, Grounds: it.Grounds, Reason: it.Kept}
			open("request.item", it.Reason, &r.Decision.Items[i].Reason)
		}
	}
	if f := d.Fee; f != nil {
		r.Fee = &rights.Fee{Total: f.Total, Status: rights.FeeStatus(f.Status), Settled: f.Settled}
		if f.PayBy != "" {
			r.Fee.PayBy, _ = rights.ParseDate(f.PayBy)
		}
		if p := f.Payment; p != nil {
			r.Fee.Payment = &rights.Payment{Amount: p.Amount, Method: p.Method, Receipt: p.Receipt}
			r.Fee.Payment.On, _ = rights.ParseDate(p.On)
		}
		for _, l := range f.Lines {
			r.Fee.Lines = append(r.Fee.Lines, rights.FeeLine(l))
		}
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// DropUnfinished deletes the queue entries received before the given day whose request
// was never stored: a filing cut off between its two writes (see Create). Nobody was
// given a confirmation for them, and the officer's page for one only answers "not
// found". A day's margin keeps it clear of a filing still in flight.
func (s *Requests) DropUnfinished(ctx context.Context, before rights.Date) (int, error) {
	cur, err := s.db.coll(collOpenRequests).Find(ctx, bson.D{{Key: "received", Value: bson.D{{Key: "$lt", Value: before.String()}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("unfinished filings: %w", translate(err))
	}
	var refs []struct {
		Ref string `bson:"_id"`
	}
	if err := cur.All(ctx, &refs); err != nil {
		return 0, fmt.Errorf("unfinished filings: %w", translate(err))
	}
	n := 0
	for _, r := range refs {
		err := s.db.coll(collRequests).FindOne(ctx, bson.D{{Key: "_id", Value: r.Ref}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
		if err == nil {
			continue
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return n, fmt.Errorf("unfinished filings: %w", translate(err))
		}
		if _, err := s.db.coll(collOpenRequests).DeleteOne(ctx, bson.D{{Key: "_id", Value: r.Ref}}); err != nil {
			return n, fmt.Errorf("unfinished filings: %w", translate(err))
		}
		n++
	}
	return n, nil
}
