package export

import (
	"context"
	"sort"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/rights"
)

// Gatherer collects what the portal holds on a person: the "my data" export of someone
// with an account, and the data.json of a copy package (Contents.PackageData).
type Gatherer struct {
	Notices interface {
		Current(ctx context.Context) (*consent.Notice, error)
	}
	Consents interface {
		States(ctx context.Context, subject string) (map[string]consent.State, error)
		History(ctx context.Context, subject string, limit int) ([]*consent.Event, error)
	}
	Disclosures interface {
		ForSubject(ctx context.Context, subject string) ([]*disclosure.Record, error)
	}
	Requests interface {
		ForSubject(ctx context.Context, subject string) ([]*rights.Request, error)
	}
	Timeline interface {
		Steps(ctx context.Context, ref string, internal bool) ([]rights.Step, error)
	}
	Files interface {
		List(ctx context.Context, ref string) ([]attachments.File, error)
	}
	Messages interface {
		Messages(ctx context.Context, ref string) ([]rights.Message, error)
	}
	Users interface {
		ByID(ctx context.Context, id string) (*account.User, error)
	}
	Guests interface {
		Guest(ctx context.Context, id string) (*rights.Guest, error)
	}
	// Said reads what a timeline step said; steps written before sentences were kept
	// have only their note, which the web layer reads back.
	Said func(st rights.Step) ([]rights.Said, string)
	// Cat words the disclosure grounds in the reader's language.
	Cat *i18n.Catalog
	// Agency is the controller named in every export.
	Agency string
	Now    func() time.Time
}

// maxHistory bounds the consent events one export lists.
const maxHistory = 10000

// PersonalData gathers everything the portal holds on a person with an account, the
// purposes named in lang.
func (g *Gatherer) PersonalData(ctx context.Context, lang string, u *account.User) (*PersonalData, error) {
	d := &PersonalData{Schema: SchemaVersion, Generated: g.Now().UTC(), Agency: g.Agency,
		Profile: Profile{Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name, Phone: u.Phone, Address: u.Address,
			MailLanguage: u.Lang, Created: u.Created.UTC(), Disputed: u.Disputed},
		Consents: []ConsentState{}, ConsentHistory: []ConsentEvent{}, Requests: []Request{}}
	if !u.LastSignIn.IsZero() {
		t := u.LastSignIn.UTC()
		d.Profile.LastSignIn = &t
	}
	if !u.Restricted.IsZero() {
		t := u.Restricted.UTC()
		d.Profile.Restricted = &t
	}
	n, err := g.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	// A purpose taken out of the notice since keeps its id for a name.
	name := func(id string) string {
		if p := n.Purpose(id); p != nil {
			return p.Name.In(lang)
		}
		return id
	}
	for id, at := range u.Stopped {
		d.Profile.Stopped = append(d.Profile.Stopped, StoppedPurpose{Purpose: id, Name: name(id), Since: at.UTC()})
	}
	sort.Slice(d.Profile.Stopped, func(i, j int) bool { return d.Profile.Stopped[i].Purpose < d.Profile.Stopped[j].Purpose })
	states, err := g.Consents.States(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range n.Purposes {
		cs := ConsentState{Purpose: p.ID, Name: p.Name.In(lang)}
		if p.Required {
			cs.LegalBasis = p.LegalBasis.In(lang)
		}
		if st, ok := states[p.ID]; ok {
			at := st.At.UTC()
			cs.Granted, cs.Since = st.Granted, &at
		}
		d.Consents = append(d.Consents, cs)
	}
	history, err := g.Consents.History(ctx, u.ID, maxHistory)
	if err != nil {
		return nil, err
	}
	for _, e := range history {
		ev := ConsentEvent{At: e.At.UTC(), Purpose: e.Purpose, Action: string(e.Action), Channel: e.Channel, NoticeVersion: e.NoticeVersion}
		if e.Receipt != "" {
			ev.ReceiptID = e.ID
		}
		d.ConsentHistory = append(d.ConsentHistory, ev)
	}
	ds, err := g.Disclosures.ForSubject(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	d.Disclosures = []Disclosure{}
	today := rights.DateOf(g.Now())
	for _, r := range ds {
		if !r.Visible(today) {
			continue // withheld for now (PDPA Art. 10 exceptions)
		}
		last := ""
		if !r.Last.IsZero() {
			last = r.Last.String()
		}
		d.Disclosures = append(d.Disclosures, Disclosure{Date: r.First.String(), Last: last, Frequency: r.Frequency,
			Recipient: r.RecipientName, RecipientKind: r.RecipientKind, Categories: r.Categories, Ground: r.Ground,
			GroundText: g.Cat.T(lang, "dground."+r.Ground)})
	}
	rs, err := g.Requests.ForSubject(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		er, err := g.Request(ctx, r)
		if err != nil {
			return nil, err
		}
		for _, id := range er.Purposes {
			er.PurposeNames = append(er.PurposeNames, name(id))
		}
		d.Requests = append(d.Requests, *er)
	}
	return d, nil
}

// Request is one request as its requester may have it: what was asked, its timeline as
// they see it, its messages and its files (named, not their content).
func (g *Gatherer) Request(ctx context.Context, r *rights.Request) (*Request, error) {
	er := &Request{Ref: r.Ref, Kind: string(r.Kind), State: string(r.State), Received: r.Received.String(), Due: r.Due.String(),
		Scope: r.Scope, Purposes: r.Purposes, Whole: r.Whole, Field: r.Field, Proposed: r.Proposed, Explanation: r.Explanation, Principal: r.Principal,
		Timeline: []Step{}}
	if r.Decision != nil {
		er.Outcome = string(r.Decision.Outcome)
	}
	steps, err := g.Timeline.Steps(ctx, r.Ref, false)
	if err != nil {
		return nil, err
	}
	for _, st := range steps {
		said, note := g.Said(st)
		es := Step{At: st.At.UTC(), Action: st.Action, Note: note}
		for _, sd := range said {
			ex := Said{Key: sd.Key}
			for _, w := range sd.Args {
				ex.Args = append(ex.Args, Word{Text: w.Text, Key: w.Key, Purpose: w.Purpose, ZH: w.ZH, EN: w.EN})
			}
			es.Said = append(es.Said, ex)
		}
		er.Timeline = append(er.Timeline, es)
	}
	fs, err := g.Files.List(ctx, r.Ref)
	if err != nil {
		return nil, err
	}
	ms, err := g.Messages.Messages(ctx, r.Ref)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		er.Messages = append(er.Messages, Message{At: m.At.UTC(), From: m.Role, Body: m.Body, Files: m.Files})
	}
	for _, f := range fs {
		er.Files = append(er.Files, File{ID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size})
	}
	return er, nil
}

// PackageData is what a copy package holds of r's subject: for an account, what their
// "my data" export holds; for a guest, their details and this request.
func (g *Gatherer) PackageData(ctx context.Context, r *rights.Request, lang string) (*PersonalData, error) {
	if !rights.IsGuest(r.Subject) {
		u, err := g.Users.ByID(ctx, r.Subject)
		if err != nil {
			return nil, err
		}
		return g.PersonalData(ctx, lang, u)
	}
	guest, err := g.Guests.Guest(ctx, r.Subject)
	if err != nil {
		return nil, err
	}
	er, err := g.Request(ctx, r)
	if err != nil {
		return nil, err
	}
	return &PersonalData{Schema: SchemaVersion, Generated: g.Now().UTC(), Agency: g.Agency,
		Profile: Profile{Email: guest.Email, Name: guest.Name, MailLanguage: guest.Lang, Created: guest.Created.UTC()}, Requests: []Request{*er}}, nil
}
