package handlers

import (
	"errors"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/rights"
)

// Officers record every disclosure of personal data to others (the register), never
// editing silently: a change is a new version with who and when.

type disclosureForm struct {
	Version          int       `form:"version"`
	First            time.Time `form:"first" label:"disclosure.first"`
	Last             time.Time `form:"last" label:"disclosure.last"`
	Frequency        string    `form:"frequency" validate:"max=200" label:"disclosure.frequency"`
	RecipientName    string    `form:"recipient_name" validate:"max=200" label:"disclosure.recipient_name"`
	RecipientAddress string    `form:"recipient_address" validate:"max=200" label:"disclosure.recipient_address"`
	RecipientKind    string    `form:"recipient_kind" validate:"max=20" label:"disclosure.recipient_kind"`
	Categories       string    `form:"categories" validate:"max=400" label:"disclosure.categories"`
	Description      string    `form:"description" validate:"max=2000" label:"disclosure.description"`
	Ground           string    `form:"ground" validate:"max=20" label:"disclosure.ground"`
	Reference        string    `form:"reference" validate:"max=200" label:"disclosure.reference"`
	Subjects         string    `form:"subjects" validate:"max=100000" label:"disclosure.subjects"`
	Count            int       `form:"count" validate:"min=0" label:"disclosure.count"`
	WithheldUntil    time.Time `form:"withheld_until" label:"disclosure.withheld_until"`
}

type disclosurePage struct {
	Record   *disclosure.Record
	Values   map[string]string
	Grounds  []string
	Kinds    []string
	Versions []*disclosure.Record
	People   map[string]string
	Emails   map[string]string // subject id → e-mail, for the officer
	New      bool
	Files    []attachments.File
}

func dateOf(t time.Time) rights.Date {
	if t.IsZero() {
		return rights.Date{}
	}
	return rights.NewDate(t.Year(), t.Month(), t.Day())
}

func (s *Server) renderDisclosure(c *gin.Context, status int, p disclosurePage, inv *apperr.Invalid) {
	p.Grounds, p.Kinds = disclosure.Grounds, disclosure.RecipientKinds
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	title := "disclosure.new_title"
	if !p.New {
		title = "disclosure.title"
	}
	v := s.view(c, title, p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "disclosure", v)
}

// newDisclosurePage shows an empty record.
func (s *Server) newDisclosurePage(c *gin.Context) {
	s.renderDisclosure(c, http.StatusOK, disclosurePage{New: true, Values: map[string]string{"first": rights.DateOf(s.Now()).String()}}, nil)
}

// disclosurePageFor shows a record, its versions and the form for a new version.
func (s *Server) disclosurePageFor(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := s.Disclosures.Get(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	versions, err := s.Disclosures.Versions(ctx, r.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	fs, err := s.Files.List(ctx, r.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := disclosurePage{Record: r, Versions: versions, People: map[string]string{}, Emails: map[string]string{}, Files: fs}
	var emails []string
	for _, id := range r.Subjects {
		if u, err := s.Users.ByID(ctx, id); err == nil {
			emails = append(emails, u.Email)
			p.Emails[id] = u.Email
		}
	}
	for _, ver := range versions {
		if _, ok := p.People[ver.ChangedBy]; !ok {
			if u, err := s.Users.ByID(ctx, ver.ChangedBy); err == nil {
				p.People[ver.ChangedBy] = u.Name
			}
		}
	}
	p.Values = map[string]string{"version": strconv.Itoa(r.Version), "first": r.First.String(), "last": dateOrBlank(r.Last),
		"frequency": r.Frequency, "recipient_name": r.RecipientName, "recipient_address": r.RecipientAddress, "recipient_kind": r.RecipientKind,
		"categories": strings.Join(r.Categories, ", "), "description": r.Description, "ground": r.Ground, "reference": r.Reference,
		"subjects": strings.Join(emails, "\n"), "withheld_until": dateOrBlank(r.WithheldUntil)}
	if r.Count > 0 {
		p.Values["count"] = strconv.Itoa(r.Count)
	}
	s.renderDisclosure(c, http.StatusOK, p, nil)
}

func dateOrBlank(d rights.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// saveDisclosure records a new disclosure, or a new version of one (POST /:id).
func (s *Server) saveDisclosure(c *gin.Context) {
	var f disclosureForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	id := c.Param("id")
	vals := map[string]string{"version": strconv.Itoa(f.Version), "first": formDate(f.First), "last": formDate(f.Last), "frequency": f.Frequency,
		"recipient_name": f.RecipientName, "recipient_address": f.RecipientAddress, "recipient_kind": f.RecipientKind, "categories": f.Categories,
		"description": f.Description, "ground": f.Ground, "reference": f.Reference, "subjects": f.Subjects, "withheld_until": formDate(f.WithheldUntil)}
	if f.Count > 0 {
		vals["count"] = strconv.Itoa(f.Count)
	}
	fhs, err := uploads(c, 0)
	if err != nil && !uploadProblem(inv, err) {
		s.fail(c, err)
		return
	}
	r, err := s.DisclosureService.Save(ctx, disclosure.SaveCommand{ID: id, Version: f.Version, First: dateOf(f.First), Last: dateOf(f.Last),
		Frequency: f.Frequency, RecipientName: f.RecipientName, RecipientAddress: f.RecipientAddress, RecipientKind: f.RecipientKind,
		Categories: f.Categories, Description: f.Description, Ground: f.Ground, Reference: f.Reference, Subjects: f.Subjects, Count: f.Count,
		WithheldUntil: dateOf(f.WithheldUntil), Documents: checkedFiles(fhs), By: currentUser(c).ID, Problems: inv})
	var problems *apperr.Invalid
	switch {
	case errors.As(err, &problems):
		inFormOrder(problems, &f)
		s.renderDisclosure(c, http.StatusBadRequest, disclosurePage{Values: vals, New: id == "", Record: &disclosure.Record{ID: id}}, problems)
	case errors.Is(err, apperr.ErrStale):
		s.fail(c, &pageError{status: http.StatusConflict, key: "disclosure.changed_meanwhile"})
	case err != nil:
		s.fail(c, err)
	default:
		s.addFlash(c, flashSuccess, "flash.disclosure_saved")
		c.Redirect(http.StatusSeeOther, "/officer/disclosures/"+r.ID)
	}
}

// checkedFiles are uploads the web layer has checked (uploadsOf), as the services take
// them.
func checkedFiles(fhs []*multipart.FileHeader) []attachments.Upload {
	out := make([]attachments.Upload, len(fhs))
	for i, fh := range fhs {
		out[i] = attachments.Upload{Name: fh.Filename, Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }}
	}
	return out
}

// disclosureFile serves a document of a disclosure record to an officer.
func (s *Server) disclosureFile(c *gin.Context) { s.serveFile(c, c.Param("id"), c.Param("fid")) }

type disclosureFilter struct {
	Recipient string    `form:"recipient" validate:"max=100" label:"disclosure.recipient_name"`
	Ground    string    `form:"ground" validate:"max=20" label:"disclosure.ground"`
	From      time.Time `form:"from" label:"disclosure.from"`
	To        time.Time `form:"to" label:"disclosure.to"`
}

type disclosuresPage struct {
	Records []*disclosure.Record
	Filter  map[string]string
	Grounds []string
	Query   template.URL
	Total   int
}

func (s *Server) filteredDisclosures(c *gin.Context) ([]*disclosure.Record, disclosureFilter, int, bool) {
	var f disclosureFilter
	inv, ok := s.bind(c, &f)
	if !ok {
		return nil, f, 0, false
	}
	if len(inv.Problems) > 0 {
		// A date out of range is the officer's to correct, not a reason to show
		// another period as if it were the one asked for.
		if c.FullPath() != "/officer/disclosures" {
			s.fail(c, inv)
			return nil, f, 0, false
		}
		inFormOrder(inv, &f)
		v := s.view(c, "disclosures.title", disclosuresPage{Grounds: disclosure.Grounds,
			Filter: map[string]string{"recipient": f.Recipient, "ground": f.Ground, "from": c.Query("from"), "to": c.Query("to")}})
		v.Problems = inv.Problems
		s.render(c, http.StatusBadRequest, "disclosures", v)
		return nil, f, 0, false
	}
	if f.From.IsZero() && f.To.IsZero() {
		// The register is read a period at a time: without dates, the last twelve months.
		f.From = s.Now().In(taipei).AddDate(-1, 0, 0)
	}
	all, err := s.Disclosures.List(c.Request.Context(), dateOf(f.From), dateOf(f.To))
	if err != nil {
		s.fail(c, err)
		return nil, f, 0, false
	}
	flt := disclosure.Filter{Recipient: f.Recipient, Ground: f.Ground, From: dateOf(f.From), To: dateOf(f.To)}
	var out []*disclosure.Record
	for _, r := range all {
		if flt.Match(r) {
			out = append(out, r)
		}
	}
	return out, f, len(all), true
}

// disclosuresList is the register with filters.
func (s *Server) disclosuresList(c *gin.Context) {
	rs, f, total, ok := s.filteredDisclosures(c)
	if !ok {
		return
	}
	q := template.URL(url.Values{"recipient": {f.Recipient}, "ground": {f.Ground}, "from": {formDate(f.From)}, "to": {formDate(f.To)}}.Encode()) // #nosec G203 -- url.Values.Encode percent-escapes every key and value
	s.render(c, http.StatusOK, "disclosures", s.view(c, "disclosures.title", disclosuresPage{Records: rs, Total: total, Grounds: disclosure.Grounds, Query: q,
		Filter: map[string]string{"recipient": f.Recipient, "ground": f.Ground, "from": formDate(f.From), "to": formDate(f.To)}}))
}

// disclosuresCSV exports what the list shows.
func (s *Server) disclosuresCSV(c *gin.Context) {
	rs, _, _, ok := s.filteredDisclosures(c)
	if !ok {
		return
	}
	v := s.textView(c)
	out := newCSV()
	w := out.w
	_ = w.Write([]string{v.T("disclosure.first"), v.T("disclosure.last"), v.T("disclosure.frequency"), v.T("disclosure.recipient_name"),
		v.T("disclosure.recipient_address"), v.T("disclosure.recipient_kind"), v.T("disclosure.categories"), v.T("disclosure.description"),
		v.T("disclosure.ground"), v.T("disclosure.reference"), v.T("disclosure.people"), v.T("disclosure.withheld_until"), v.T("disclosure.version")})
	for _, r := range rs {
		people := r.Count
		if people == 0 {
			people = len(r.Subjects)
		}
		_ = w.Write([]string{r.First.String(), dateOrBlank(r.Last), csvCell(r.Frequency), csvCell(r.RecipientName), csvCell(r.RecipientAddress),
			v.T("recipient." + r.RecipientKind), strings.Join(r.Categories, " "), csvCell(r.Description), v.T("dground." + r.Ground),
			csvCell(r.Reference), strconv.Itoa(people), dateOrBlank(r.WithheldUntil), strconv.Itoa(r.Version)})
	}
	s.sendCSV(c, "disclosures-"+rights.DateOf(s.Now()).String()+".csv", out)
}

type reportRow struct {
	Month   string
	Ground  string
	Records int
	People  int
}

// disclosuresReport counts the records and the people concerned per month and ground
// (a series counts in the month it began).
func (s *Server) disclosuresReport(c *gin.Context) {
	rs, _, _, ok := s.filteredDisclosures(c)
	if !ok {
		return
	}
	rows := map[string]*reportRow{}
	for _, r := range rs {
		k := r.First.String()[:7] + "|" + r.Ground
		row := rows[k]
		if row == nil {
			row = &reportRow{Month: r.First.String()[:7], Ground: r.Ground}
			rows[k] = row
		}
		row.Records++
		if r.Count > 0 {
			row.People += r.Count
		} else {
			row.People += len(r.Subjects)
		}
	}
	out := make([]reportRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month > out[j].Month
		}
		return out[i].Ground < out[j].Ground
	})
	s.render(c, http.StatusOK, "disclosure_report", s.view(c, "disclosures.report_title", out))
}
