package cases

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/filename"
	"github.com/example/pdpa-portal/rights"
)

// PackageName is the file name of a copy package in lang, and its ASCII stand-in.
func (s *Cases) PackageName(lang, ref string) (name, ascii string) {
	return s.casework.PackageName(lang, ref)
}

// PersonalData gathers everything the portal holds on a person with an account.
func (s *Cases) PersonalData(ctx context.Context, lang string, u *account.User) (*export.PersonalData, error) {
	d := &export.PersonalData{Schema: export.SchemaVersion, Generated: s.Now().UTC(), Agency: web.AgencyOf(s.agency).PIIController,
		Profile: export.Profile{Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name, Phone: u.Phone, Address: u.Address,
			MailLanguage: u.Lang, Created: u.Created.UTC(), Disputed: u.Disputed},
		Consents: []export.ConsentState{}, ConsentHistory: []export.ConsentEvent{}, Requests: []export.Request{}}
	if !u.LastSignIn.IsZero() {
		t := u.LastSignIn.UTC()
		d.Profile.LastSignIn = &t
	}
	if !u.Restricted.IsZero() {
		t := u.Restricted.UTC()
		d.Profile.Restricted = &t
	}
	n, err := s.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	for id, at := range u.Stopped {
		name := id
		if p := n.Purpose(id); p != nil {
			name = p.Name.In(lang)
		}
		d.Profile.Stopped = append(d.Profile.Stopped, export.StoppedPurpose{Purpose: id, Name: name, Since: at.UTC()})
	}
	sort.Slice(d.Profile.Stopped, func(i, j int) bool { return d.Profile.Stopped[i].Purpose < d.Profile.Stopped[j].Purpose })
	states, err := s.consents.Store.States(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range n.Purposes {
		cs := export.ConsentState{Purpose: p.ID, Name: p.Name.In(lang)}
		if p.Required {
			cs.LegalBasis = p.LegalBasis.In(lang)
		}
		if st, ok := states[p.ID]; ok {
			at := st.At.UTC()
			cs.Granted, cs.Since = st.Granted, &at
		}
		d.Consents = append(d.Consents, cs)
	}
	history, err := s.consents.Store.History(ctx, u.ID, 10000)
	if err != nil {
		return nil, err
	}
	for _, e := range history {
		ev := export.ConsentEvent{At: e.At.UTC(), Purpose: e.Purpose, Action: string(e.Action), Channel: e.Channel, NoticeVersion: e.NoticeVersion}
		if e.Receipt != "" {
			ev.ReceiptID = e.ID
		}
		d.ConsentHistory = append(d.ConsentHistory, ev)
	}
	ds, err := s.disclosures.ForSubject(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	d.Disclosures = []export.Disclosure{}
	today := rights.DateOf(s.Now())
	for _, r := range ds {
		if !r.Visible(today) {
			continue
		}
		d.Disclosures = append(d.Disclosures, export.Disclosure{Date: r.First.String(), Last: web.DateOrBlank(r.Last), Frequency: r.Frequency,
			Recipient: r.RecipientName, RecipientKind: r.RecipientKind, Categories: r.Categories, Ground: r.Ground,
			GroundText: s.Cat.T(lang, "dground."+r.Ground)})
	}
	rs, err := s.requests.ForSubject(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		er, err := s.ExportRequest(ctx, r)
		if err != nil {
			return nil, err
		}
		for _, id := range er.Purposes {
			name := id
			if p := n.Purpose(id); p != nil {
				name = p.Name.In(lang)
			}
			er.PurposeNames = append(er.PurposeNames, name)
		}
		d.Requests = append(d.Requests, *er)
	}
	return d, nil
}

func (s *Cases) ExportRequest(ctx context.Context, r *rights.Request) (*export.Request, error) {
	er := &export.Request{Ref: r.Ref, Kind: string(r.Kind), State: string(r.State), Received: r.Received.String(), Due: r.Due.String(),
		Scope: r.Scope, Purposes: r.Purposes, Whole: r.Whole, Field: r.Field, Proposed: r.Proposed, Explanation: r.Explanation, Principal: r.Principal,
		Timeline: []export.Step{}}
	if r.Decision != nil {
		er.Outcome = string(r.Decision.Outcome)
	}
	steps, err := s.timeline.Steps(ctx, r.Ref, false)
	if err != nil {
		return nil, err
	}
	for _, st := range steps {
		said, note := s.SaidOf(st)
		es := export.Step{At: st.At.UTC(), Action: st.Action, Note: note}
		for _, sd := range said {
			ex := export.Said{Key: sd.Key}
			for _, w := range sd.Args {
				ex.Args = append(ex.Args, export.Word{Text: w.Text, Key: w.Key, Purpose: w.Purpose, ZH: w.ZH, EN: w.EN})
			}
			es.Said = append(es.Said, ex)
		}
		er.Timeline = append(er.Timeline, es)
	}
	att, err := s.attachmentsOf(ctx, r.Ref)
	if err != nil {
		return nil, err
	}
	for _, m := range att.Messages {
		er.Messages = append(er.Messages, export.Message{At: m.At.UTC(), From: m.Role, Body: m.Body, Files: m.Files})
	}
	for _, f := range att.Files {
		er.Files = append(er.Files, export.File{ID: f.ID, Name: f.Name, Type: f.Type, Size: f.Size})
	}
	return er, nil
}

// PackageData is what a package holds of r's subject: for an account, what their view
// page shows; for a guest, their details and this request.
func (s *Cases) PackageData(ctx context.Context, r *rights.Request, lang string) (*export.PersonalData, error) {
	if !rights.IsGuest(r.Subject) {
		u, err := s.Users.ByID(ctx, r.Subject)
		if err != nil {
			return nil, err
		}
		return s.PersonalData(ctx, lang, u)
	}
	g, err := s.guests.Guest(ctx, r.Subject)
	if err != nil {
		return nil, err
	}
	er, err := s.ExportRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	return &export.PersonalData{Schema: export.SchemaVersion, Generated: s.Now().UTC(), Agency: web.AgencyOf(s.agency).PIIController,
		Profile: export.Profile{Email: g.Email, Name: g.Name, MailLanguage: g.Lang, Created: g.Created.UTC()}, Requests: []export.Request{*er}}, nil
}

// PackageIndex writes the package's index.html, readable offline in lang.
func (s *Cases) PackageIndex(w io.Writer, lang string, d *export.PersonalData) error {
	v := s.ViewIn(lang)
	v.Page, v.TitleKey = d, "package.title"
	return s.Templates.Execute(w, lang, "package_index", v)
}

// PackageDownload serves the package to its requester and records the download.
func (s *Cases) PackageDownload(c *gin.Context, r *rights.Request) error {
	p, rc, err := s.packages.Open(c.Request.Context(), r.Ref, s.Now())
	if err != nil {
		return err
	}
	defer rc.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.FormatInt(p.Size, 10))
	h.Set("Content-Disposition", filename.Disposition(s.PackageName(c.GetString(web.KeyLang), r.Ref)))
	h.Set("Cache-Control", "private, no-store")
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, rc); err != nil {
		s.Log.Error("package download cut short", "ref", r.Ref, "err", err)
	}
	return nil
}

// PackageOf reads a request's package for a page (nil when there is none).
func (s *Cases) PackageOf(ctx context.Context, r *rights.Request) (*export.Package, error) {
	if r.Kind != rights.Copy {
		return nil, nil
	}
	p, err := s.packages.Get(ctx, r.Ref)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	return p, nil
}

func isNotFound(err error) bool { return errors.Is(err, apperr.ErrNotFound) }
