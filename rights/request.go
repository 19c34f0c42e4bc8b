package rights

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
)

// State is where a request stands.
type State string

const (
	Submitted State = "submitted" // received, identity not yet checked
	Identity  State = "identity"  // waiting for a stronger identity check
	Review    State = "review"    // an officer is examining it
	Extended  State = "extended"  // the one extension was taken
	Decided   State = "decided"   // granted, partly granted or refused
	Fulfilled State = "fulfilled" // what was granted has been carried out
	Closed    State = "closed"
	Withdrawn State = "withdrawn" // by the requester
	Duplicate State = "duplicate" // closed as a duplicate of another request
)

// Open reports whether a request in state s still needs the agency's work, so it
// belongs in the officers' queue.
func (s State) Open() bool {
	switch s {
	case Submitted, Identity, Review, Extended, Decided:
		return true
	}
	return false
}

// Deciding reports whether a request in state s still runs against its decision due
// date (Art. 13); once decided, the fulfilment clock (ClockOf) takes over.
func (s State) Deciding() bool {
	switch s {
	case Submitted, Identity, Review, Extended:
		return true
	}
	return false
}

// Ended reports whether a request in state s is over — closed, withdrawn, or closed as
// a duplicate — so nothing more is attached to it.
func (s State) Ended() bool { return s == Closed || s == Withdrawn || s == Duplicate }

// Channels a request arrives by.
const (
	ChannelWeb     = "web"
	ChannelPaper   = "paper"   // entered by an officer; Received may be a postmark date
	ChannelCounter = "counter" // filed in person
)

// Request is one exercise of an Art. 3 right.
type Request struct {
	Ref      string // "2026-000123": the year received and a sequence number
	Kind     Kind
	Subject  string // the requester's user id
	State    State
	Channel  string
	Received Date // the day of receipt (not counted)
	Due      Date // the decision due date, moved by an extension
	Filed    time.Time
	// Principal is the data subject an agent files for (APA Art. 24: the agent shows a
	// written authorisation, attached to the request); empty when people file for
	// themselves.
	Principal        string
	PrincipalContact string
	// Erased: the requester was erased; this is an anonymous record (reference, kind,
	// dates, outcome) kept for statistics and accountability. Subject stays while the
	// erasure is under way, so a run that failed part-way can be finished (ErasureDone).
	Erased bool
	// EnteredBy is the officer who entered a paper or counter request ("" online).
	EnteredBy string
	// Contact is the requester of a paper or counter request as the letter or the
	// counter gave them: the name and postal address its letters go to, and the e-mail
	// address or phone number, if any, they may be reached at.
	Contact Contact
	// Postmarked: Received is the postmark of a letter sent by registered mail (APA
	// Art. 49), not the day it arrived.
	Postmarked bool
	// Deliveries record how each letter reached the requester, as the officer set it.
	Deliveries []Delivery
	// Notices are the written notices given besides the extension and the decision
	// (notices.go): each is a letter too.
	Notices []Notice

	// What is asked. Scope describes the data concerned in the requester's words;
	// Purposes limits a stop or delete request; a correction names the field, the
	// proposed value and why (Enforcement Rules Art. 19).
	Scope    string
	Purposes []string
	// Whole: a stop or delete request about everything rather than named purposes or
	// data — a deletion closes the account and erases the person, a stop restricts all
	// processing. It is a choice of its own, never inferred from the purposes ticked.
	Whole bool
	// ScopeFiles are the agency's personal data files (inventory ids) the requester
	// named; none means all of them.
	ScopeFiles  []string
	Field       string
	Proposed    string
	Explanation string

	// The agency's work on it.
	Assignee      string // the officer's user id
	IdentityLevel IdentityLevel
	IdentityNote  string
	Extension     *Extension
	Decision      *Decision
	Fee           *Fee
	DuplicateOf   string

	// Unread counts the requester's messages (and the files sent with them) since an
	// officer last opened the request; it is not part of the version, so a reply never
	// makes an officer's open page stale.
	Unread int

	Version int64
}

// ErasureDone reports whether the requester's erasure has finished: the record is
// anonymous and no longer names whom it was about. An erased record still naming its
// subject is one whose erasure failed part-way and is to be run again.
func (r *Request) ErasureDone() bool { return r.Erased && r.Subject == "" }

// RequestedBy reports whether the person id may see r as their own request: never once
// it is an anonymous record, even while it still names them.
func (r *Request) RequestedBy(id string) bool { return !r.Erased && id != "" && r.Subject == id }

// Contact is how a requester who came on paper or to the counter is reached.
type Contact struct {
	Name, Email, Phone, Address string
}

// Limits on a contact's fields.
const (
	MaxContactName    = 100
	MaxContactPhone   = 30
	MaxContactAddress = 200
)

// Reachable reports whether the agency has any way to answer: a postal address, an
// e-mail address or a phone number.
func (c Contact) Reachable() bool {
	return strings.TrimSpace(c.Address) != "" || strings.TrimSpace(c.Email) != "" || strings.TrimSpace(c.Phone) != ""
}

// Fields a correction may concern: the personal data the portal itself holds.
var CorrectableFields = []string{"name", "phone", "address", "email", "other"}

// Limits on what a requester types.
const (
	MaxScope       = 2000
	MaxProposed    = 500
	MaxExplanation = 2000
	MaxPrincipal   = 200
)

// Validate checks a request as filed: the form adapts to the kind, so what each kind
// needs is checked here. known reports whether a purpose id exists.
func Validate(r *Request, known func(purpose string) bool) *apperr.Invalid {
	v := &apperr.Invalid{}
	switch r.Kind {
	case View, Copy, Correct, Stop, Delete:
	default:
		v.Add("kind", "request.kind_invalid")
		return v
	}
	text := func(field, value string, max int, required bool) {
		switch {
		case required && strings.TrimSpace(value) == "":
			v.Add(field, "field.required")
		case utf8.RuneCountInString(value) > max:
			v.Add(field, "field.too_long", max)
		}
	}
	text("scope", r.Scope, MaxScope, r.Kind == View || r.Kind == Copy)
	if r.Kind == Correct {
		ok := false
		for _, f := range CorrectableFields {
			ok = ok || f == r.Field
		}
		if !ok {
			v.Add("field", "request.field_invalid")
		}
		text("proposed", r.Proposed, MaxProposed, true)
		if ok && strings.TrimSpace(r.Proposed) != "" && utf8.RuneCountInString(r.Proposed) <= MaxProposed {
			// What fulfilment would write to the profile must be a value the profile
			// itself accepts (a phone number, a name of at most 100 characters).
			for _, p := range account.ValidateProfileField(r.Field, r.Proposed).Problems {
				v.Add("proposed", p.Key, p.Args...)
			}
		}
		text("explanation", r.Explanation, MaxExplanation, true)
	}
	if r.Principal != "" || r.PrincipalContact != "" {
		text("principal", r.Principal, MaxPrincipal, true)
		text("principal_contact", r.PrincipalContact, MaxPrincipal, false)
	}
	if r.Whole && r.Kind != Stop && r.Kind != Delete {
		v.Add("whole", "request.whole_kind")
	}
	if r.Kind == Stop || r.Kind == Delete {
		switch {
		case r.Whole && len(r.Purposes) > 0:
			// Either named purposes or everything: a request that says both would leave
			// the officer guessing which the person meant.
			v.Add("whole", "request.whole_or_purposes")
		case !r.Whole && len(r.Purposes) == 0 && strings.TrimSpace(r.Scope) == "":
			v.Add("purposes", "request.purposes_required")
		}
		for _, p := range r.Purposes {
			if !known(p) {
				v.Add("purposes", "consent.unknown_purpose")
				break
			}
		}
	}
	return v
}

var refPattern = regexp.MustCompile(`^\d{4}-\d{6}$`)

// ValidRef reports whether s has the form of a reference number, so a malformed one is
// "not found" without a look-up.
func ValidRef(s string) bool { return refPattern.MatchString(s) }

// FormatRef makes the reference of the n-th request received in year.
func FormatRef(year int, n int64) string { return fmt.Sprintf("%04d-%06d", year, n) }

// Requests stores requests. Create allocates the reference number.
type Requests interface {
	// Number gives r its reference (r.Ref) before anything of it is stored, so that its
	// attachments and mail can be stored first. A number never used leaves a gap.
	Number(ctx context.Context, r *Request) error
	// Create stores r under its reference, numbering it first if it has none; once it
	// returns nil the request is durable.
	Create(ctx context.Context, r *Request) error
	ByRef(ctx context.Context, ref string) (*Request, error)
	// ForSubject lists a person's requests, newest first.
	ForSubject(ctx context.Context, subject string) ([]*Request, error)
	// ListForSubject is ForSubject with only what a list shows: reference, kind, state,
	// channel, dates, assignee, unread count and version; no sealed field is opened and
	// neither timeline nor messages are read.
	ListForSubject(ctx context.Context, subject string) ([]*Request, error)
	// Open lists the requests still in the agency's hands, soonest due first.
	Open(ctx context.Context) ([]*Request, error)
	// OpenShared is Open for readers that only read: the slice is the caller's, the
	// requests are shared with other readers and not to be changed.
	OpenShared(ctx context.Context) ([]*Request, error)
	// DropUnfinished removes what a filing cut off part-way left in the queue, for
	// filings received before the given day; it returns how many.
	DropUnfinished(ctx context.Context, before Date) (int, error)
}

// File prepares a request received now: its state, date of receipt and due date under
// the calendar. The caller stores it.
func File(r *Request, now time.Time, cal Calendar) {
	r.State = Submitted
	r.Filed = now
	if r.Received.IsZero() {
		r.Received = DateOf(now)
	}
	r.Due = DueDate(r.Kind, r.Received, cal)
}

// Step is one entry of a request's timeline. Internal notes are kept from the requester.
type Step struct {
	Ref     string
	At      time.Time
	Action  string // "filed", "withdrawn", …: a catalogue key under timeline.
	ActorID string
	Role    string // "requester", "officer"
	Note    string // what a person typed
	// Said is what the portal itself records, worded when read (Said).
	Said     []Said
	Internal bool
}

// ErrChanged: the request changed since the page was shown; nothing was done.
var ErrChanged = fmt.Errorf("the request changed meanwhile: %w", apperr.ErrStale)

// transitions lists the states each state may move to.
var transitions = map[State][]State{
	Submitted: {Identity, Review, Withdrawn, Duplicate},
	Identity:  {Review, Withdrawn, Duplicate},
	Review:    {Extended, Decided, Withdrawn, Duplicate},
	Extended:  {Decided, Withdrawn},
	Decided:   {Fulfilled, Closed},
	Fulfilled: {Closed},
}

// CanMove reports whether a request may go from one state to another.
func CanMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Timeline stores the steps of requests.
type Timeline interface {
	// Update applies act to the request if it is still at version, stores the result and
	// records the step the action returns; ErrChanged if the request moved on meanwhile.
	Update(ctx context.Context, ref string, version int64, now time.Time, act Action) (*Request, error)
	Steps(ctx context.Context, ref string, withInternal bool) ([]Step, error)
}

// Message is a note between the requester and the officers about a request, with any
// attached files (by id).
type Message struct {
	ID       string
	At       time.Time
	Role     string // "requester" or "officer"
	AuthorID string
	Body     string
	Files    []string
}

// Limits on messages.
const (
	MaxMessage  = 4000
	MaxMessages = 200
)

// ErrTooManyMessages: the request has as many messages as it may hold.
var ErrTooManyMessages = fmt.Errorf("too many messages on one request: %w", apperr.ErrConflict)

// Messages stores the messages of requests.
type Messages interface {
	// AddMessage appends m; a requester's message counts as unread for the officers.
	AddMessage(ctx context.Context, ref string, m *Message) error
	Messages(ctx context.Context, ref string) ([]Message, error)
	// MarkRead clears the unread count: an officer opened the request.
	MarkRead(ctx context.Context, ref string) error
}

// RoleRequester is the role of the requester's own messages and steps.
const RoleRequester = "requester"
