package consent

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"time"

	"github.com/example/pdpa-portal/apperr"
)

// Action is what a consent event does.
type Action string

const (
	Grant    Action = "grant"
	Withdraw Action = "withdraw"
	// Decline records an optional purpose left unticked when it was asked, so the person
	// is not asked again until the purpose changes.
	Decline Action = "decline"
	// Acknowledge records that the person was told of a required purpose — one resting on
	// the law or on providing the service (PDPA Art. 15(1), (2)), not on consent — and
	// read the notice (Art. 8). It is not a consent: there is nothing to withdraw, and
	// objecting takes a stop or delete request.
	Acknowledge Action = "acknowledge"
)

// Holds reports whether an action leaves the purpose in effect for the person.
func (a Action) Holds() bool { return a == Grant || a == Acknowledge }

// Channels and methods of consent (the burden of proof is the agency's, Art. 7(4)).
const (
	ChannelWeb   = "web"
	ChannelAPI   = "api"
	ChannelPaper = "paper"
	// ChannelRequest: withdrawn by fulfilling the person's own stop or delete request.
	ChannelRequest = "request"

	MethodExplicit = "explicit"
	MethodGPC      = "gpc"
)

// Event is one append-only consent record.
type Event struct {
	ID            string
	Subject       string // the person's user id
	Purpose       string
	Action        Action
	NoticeVersion int
	At            time.Time
	Channel       string
	Method        string
	Lang          string
	WordingHash   string // hash of the exact wording shown
	Receipt       string // the signed receipt (compact JWS)
	// A consent given on paper is entered by an officer: who, and the document's reference.
	RecordedBy string
	Reference  string
}

// State is the current decision on one purpose.
type State struct {
	Purpose       string
	Granted       bool
	Action        Action
	NoticeVersion int
	At            time.Time
	EventID       string
}

// Store keeps the events and, on the person's document, the current state per purpose.
type Store interface {
	// Append records e and sets the state, unless the state already says e.Action; then
	// it records nothing and returns (false, nil). Concurrent appends for one person are
	// serialised, so two identical grants at once yield one event.
	Append(ctx context.Context, e *Event) (bool, error)
	States(ctx context.Context, subject string) (map[string]State, error)
	// History lists a person's events, newest first.
	History(ctx context.Context, subject string, limit int) ([]*Event, error)
	Event(ctx context.Context, id string) (*Event, error)
}

// Signer turns an event into a signed receipt.
type Signer interface {
	SignEvent(e *Event, n *Notice, p *Purpose) (string, error)
}

// Service applies the consent rules.
type Service struct {
	Store   Store
	Notices Notices
	Signer  Signer // nil: events carry no receipt
	NewID   func() string
	Now     func() time.Time
	// People and Scans serve the entry of paper forms (RecordPaperFor).
	People People
	Scans  Scans
}

// WordingHash binds the exact text a person saw when deciding on a purpose.
func WordingHash(n *Notice, p *Purpose, lang string) string {
	h := sha256.New()
	for _, s := range []string{lang, p.ID, p.Code, p.Name.In(lang), p.Description.In(lang), p.DeclineEffect.In(lang),
		p.LegalBasis.In(lang), p.Retention.In(lang), n.Title.In(lang)} {
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(len(s)))
		h.Write(l[:])
		h.Write([]byte(s))
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(n.Version)) // #nosec G115 -- the bits are hashed; a negative version still hashes apart
	h.Write(v[:])
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Decision is what a person ticked for the purposes of a notice version.
type Decision struct {
	Subject string
	Notice  *Notice // the version shown
	Lang    string
	Granted map[string]bool
	Channel string
	GPC     bool // the browser sent Sec-GPC: 1
	// Acknowledged: the person ticked the one acknowledgement of the required purposes
	// (they are not consents). A required purpose listed in Granted counts too, so clients
	// that name every purpose keep working.
	Acknowledged bool
	// Only limits the decision to these purposes (the re-consent page); nil means all.
	Only []string
}

// acknowledges reports whether the decision accepts required purpose id.
func (d Decision) acknowledges(id string) bool { return d.Acknowledged || d.Granted[id] }

// CheckDecision reports the problems of a decision: the required purposes must be
// acknowledged, and only the notice's purposes exist.
func CheckDecision(d Decision) *apperr.Invalid {
	v := &apperr.Invalid{}
	for id := range d.Granted {
		if d.Notice.Purpose(id) == nil {
			v.Add("purposes", "consent.unknown_purpose")
			break
		}
	}
	for _, p := range d.Notice.Purposes {
		if !d.includes(p.ID) {
			continue
		}
		if p.Required && !d.acknowledges(p.ID) {
			v.Add("acknowledge", "consent.acknowledge_required")
			break
		}
	}
	return v
}

func (d Decision) includes(id string) bool {
	if d.Only == nil {
		return true
	}
	for _, x := range d.Only {
		if x == id {
			return true
		}
	}
	return false
}

// Record stores a decision: an acknowledgement for each required purpose, a grant for
// each ticked optional one, a decline for each optional one left unticked (method "gpc"
// when the browser asked for it and the purpose follows GPC). An explicit tick always
// wins over GPC.
func (s *Service) Record(ctx context.Context, d Decision) ([]*Event, error) {
	if err := CheckDecision(d).OrNil(); err != nil {
		return nil, err
	}
	var out []*Event
	for i := range d.Notice.Purposes {
		p := &d.Notice.Purposes[i]
		if !d.includes(p.ID) {
			continue
		}
		action, method := Decline, MethodExplicit
		switch {
		case p.Required:
			action = Acknowledge // CheckDecision saw it acknowledged
		case d.Granted[p.ID]:
			action = Grant
		case d.GPC && p.GPC:
			method = MethodGPC
		}
		e, err := s.append(ctx, d.Subject, d.Notice, p, action, d.Lang, d.Channel, method)
		if err != nil {
			return out, err
		}
		if e != nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// ErrStaleNotice: the person decided on a notice version that is no longer current, so
// the wording they saw is not the wording a record would bind.
var ErrStaleNotice = errors.New("the notice changed since the page was shown")

// ErrRequired: a required purpose cannot be withdrawn on its own; the account rests on it.
var ErrRequired = errors.New("a required purpose cannot be withdrawn on its own")

// Change grants or withdraws one purpose of the current notice, which must be the
// version the person saw (shown). Doing what is already in effect records nothing and
// returns nil.
func (s *Service) Change(ctx context.Context, subject, purposeID string, grant bool, shown int, lang, channel string) (*Event, error) {
	n, err := s.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	if shown != n.Version {
		return nil, ErrStaleNotice
	}
	p := n.Purpose(purposeID)
	if p == nil {
		return nil, apperr.ErrNotFound
	}
	action := Grant
	switch {
	case p.Required && !grant:
		return nil, ErrRequired
	case p.Required:
		action = Acknowledge
	case !grant:
		action = Withdraw
	}
	return s.append(ctx, subject, n, p, action, lang, channel, MethodExplicit)
}

func (s *Service) append(ctx context.Context, subject string, n *Notice, p *Purpose, action Action, lang, channel, method string) (*Event, error) {
	return s.appendEvent(ctx, n, p, &Event{Subject: subject, Action: action, Lang: lang, Channel: channel, Method: method})
}

// WithdrawOnRequest withdraws an optional purpose because the person's approved stop or
// delete request says so; the event names the officer and the request. A purpose not
// (or no longer) in the notice, or one already withdrawn, records nothing; a required
// one returns ErrRequired (the processing restriction covers it instead).
func (s *Service) WithdrawOnRequest(ctx context.Context, subject, purposeID, officer, ref, lang string) (*Event, error) {
	n, err := s.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	p := n.Purpose(purposeID)
	if p == nil {
		return nil, nil
	}
	if p.Required {
		return nil, ErrRequired
	}
	return s.appendEvent(ctx, n, p, &Event{Subject: subject, Action: Withdraw, Lang: lang, Channel: ChannelRequest,
		Method: MethodExplicit, RecordedBy: officer, Reference: ref})
}

// Paper is a consent or withdrawal signed on paper and entered by an officer.
type Paper struct {
	Subject   string
	Purpose   string
	Grant     bool
	Lang      string // the language of the form the person signed
	Officer   string // the officer's user id
	Reference string // the document's number or file reference
	// Version is the notice version printed on the signed form; the record binds its
	// wording. A purpose changed since then is put to the person again.
	Version int
}

// RecordPaper enters a decision made on paper under the notice version the form showed.
func (s *Service) RecordPaper(ctx context.Context, pp Paper) (*Event, error) {
	n, err := s.Notices.Version(ctx, pp.Version)
	if err != nil {
		return nil, err
	}
	p := n.Purpose(pp.Purpose)
	if p == nil {
		return nil, apperr.ErrNotFound
	}
	action := Grant
	switch {
	case p.Required && !pp.Grant:
		return nil, ErrRequired
	case p.Required:
		action = Acknowledge
	case !pp.Grant:
		action = Withdraw
	}
	return s.appendEvent(ctx, n, p, &Event{Subject: pp.Subject, Action: action, Lang: pp.Lang, Channel: ChannelPaper,
		Method: MethodExplicit, RecordedBy: pp.Officer, Reference: pp.Reference})
}

func (s *Service) appendEvent(ctx context.Context, n *Notice, p *Purpose, e *Event) (*Event, error) {
	if err := s.Prepare(n, p, e, s.Now()); err != nil {
		return nil, err
	}
	added, err := s.Store.Append(ctx, e)
	if err != nil || !added {
		return nil, err
	}
	return e, nil
}

// Prepare completes an event about purpose p of notice n made at a given time — its id,
// the hash of the wording and the signed receipt — without recording it (the demo
// records many at once).
func (s *Service) Prepare(n *Notice, p *Purpose, e *Event, at time.Time) error {
	e.ID, e.Purpose, e.NoticeVersion, e.At = s.NewID(), p.ID, n.Version, at.UTC()
	e.WordingHash = WordingHash(n, p, e.Lang)
	if s.Signer != nil {
		r, err := s.Signer.SignEvent(e, n, p)
		if err != nil {
			return err
		}
		e.Receipt = r
	}
	return nil
}

// Pending lists the purposes of n a person has not decided on since they last changed
// (a new or changed purpose, or a required one not granted).
func Pending(n *Notice, states map[string]State) []string {
	var out []string
	for _, p := range n.Purposes {
		st, ok := states[p.ID]
		switch {
		case !ok, st.NoticeVersion < p.Since, p.Required && !st.Granted:
			out = append(out, p.ID)
		}
	}
	return out
}

// Stats are aggregate counts: how many consent now per purpose, and grants and
// withdrawals per month ("2026-11") keyed "<purpose>|grant" and "<purpose>|withdraw".
type Stats struct {
	Current map[string]int
	Months  map[string]map[string]int
}

// StatsSource computes the aggregates.
type StatsSource interface {
	Stats(ctx context.Context, since time.Time) (*Stats, error)
}

// Acks records acknowledgements of notice versions.
type Acks interface {
	Ack(ctx context.Context, userID string, version int, at time.Time) error
	Acked(ctx context.Context, userID string, version int) (bool, error)
}
