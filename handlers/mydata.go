package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// personalData gathers everything the portal holds on a person with an account.
func (s *Server) personalData(ctx context.Context, lang string, u *account.User) (*export.PersonalData, error) {
	d := &export.PersonalData{Schema: export.SchemaVersion, Generated: s.Now().UTC(), Agency: web.AgencyOf(s.Agency).PIIController,
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
	states, err := s.Consents.Store.States(ctx, u.ID)
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
	history, err := s.Consents.Store.History(ctx, u.ID, 10000)
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
	ds, err := s.Disclosures.ForSubject(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	d.Disclosures = []export.Disclosure{}
	today := rights.DateOf(s.Now())
	for _, r := range ds {
		if !r.Visible(today) {
			continue
		}
		d.Disclosures = append(d.Disclosures, export.Disclosure{Date: r.First.String(), Last: dateOrBlank(r.Last), Frequency: r.Frequency,
			Recipient: r.RecipientName, RecipientKind: r.RecipientKind, Categories: r.Categories, Ground: r.Ground,
			GroundText: s.Cat.T(lang, "dground."+r.Ground)})
	}
	rs, err := s.Requests.ForSubject(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		er, err := s.exportRequest(ctx, r)
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

func (s *Server) exportRequest(ctx context.Context, r *rights.Request) (*export.Request, error) {
	er := &export.Request{Ref: r.Ref, Kind: string(r.Kind), State: string(r.State), Received: r.Received.String(), Due: r.Due.String(),
		Scope: r.Scope, Purposes: r.Purposes, Whole: r.Whole, Field: r.Field, Proposed: r.Proposed, Explanation: r.Explanation, Principal: r.Principal,
		Timeline: []export.Step{}}
	if r.Decision != nil {
		er.Outcome = string(r.Decision.Outcome)
	}
	steps, err := s.Timeline.Steps(ctx, r.Ref, false)
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

// myData shows the signed-in person, on one page, everything the portal holds on them.
func (s *Server) myData(c *gin.Context) {
	d, err := s.personalData(c.Request.Context(), c.GetString(web.KeyLang), web.CurrentUser(c))
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "mydata", s.View(c, "mydata.title", d))
}

// myDataJSON downloads the same as data.json (schema: export/SCHEMA.md).
func (s *Server) myDataJSON(c *gin.Context) {
	d, err := s.personalData(c.Request.Context(), c.GetString(web.KeyLang), web.CurrentUser(c))
	if err != nil {
		s.Fail(c, err)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="my-data-`+s.Now().In(web.Taipei).Format(time.DateOnly)+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
}
