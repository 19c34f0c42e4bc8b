package officer

import (
	"errors"
	"html/template"
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
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
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

// disclosureFormOf is the form filled in with record r, its subjects named by emails.
func disclosureFormOf(r *disclosure.Record, emails []string) disclosureForm {
	return disclosureForm{Version: r.Version, First: r.First.Start(), Last: timeOf(r.Last), Frequency: r.Frequency,
		RecipientName: r.RecipientName, RecipientAddress: r.RecipientAddress, RecipientKind: r.RecipientKind,
		Categories: strings.Join(r.Categories, ", "), Description: r.Description, Ground: r.Ground, Reference: r.Reference,
		Subjects: strings.Join(emails, "\n"), Count: r.Count, WithheldUntil: timeOf(r.WithheldUntil)}
}

// Values are the form's fields as the page shows them again.
func (f disclosureForm) Values() map[string]string {
	vals := map[string]string{"version": strconv.Itoa(f.Version), "first": web.FormDate(f.First), "last": web.FormDate(f.Last), "frequency": f.Frequency,
		"recipient_name": f.RecipientName, "recipient_address": f.RecipientAddress, "recipient_kind": f.RecipientKind, "categories": f.Categories,
		"description": f.Description, "ground": f.Ground, "reference": f.Reference, "subjects": f.Subjects, "withheld_until": web.FormDate(f.WithheldUntil)}
	if f.Count > 0 {
		vals["count"] = strconv.Itoa(f.Count)
	}
	return vals
}

// timeOf is a date as the form holds it (zero for none).
func timeOf(d rights.Date) time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return d.Start()
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

func (h *Handlers) renderDisclosure(c *gin.Context, status int, p disclosurePage, inv *apperr.Invalid) {
	p.Grounds, p.Kinds = disclosure.Grounds, disclosure.RecipientKinds
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	title := "disclosure.new_title"
	if !p.New {
		title = "disclosure.title"
	}
	h.RenderForm(c, status, "disclosure", title, p, inv)
}

// NewDisclosurePage shows an empty record.
func (h *Handlers) NewDisclosurePage(c *gin.Context) error {
	h.renderDisclosure(c, http.StatusOK, disclosurePage{New: true, Values: map[string]string{"first": rights.DateOf(h.Now()).String()}}, nil)
	return nil
}

// DisclosurePageFor shows a record, its versions and the form for a new version.
func (h *Handlers) DisclosurePageFor(c *gin.Context) error {
	ctx := c.Request.Context()
	r, err := h.disclosures.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	versions, err := h.disclosures.Versions(ctx, r.ID)
	if err != nil {
		return err
	}
	fs, err := h.files.List(ctx, r.ID)
	if err != nil {
		return err
	}
	p := disclosurePage{Record: r, Versions: versions, People: map[string]string{}, Emails: map[string]string{}, Files: fs}
	var emails []string
	for _, id := range r.Subjects {
		if u, err := h.Users.ByID(ctx, id); err == nil {
			emails = append(emails, u.Email)
			p.Emails[id] = u.Email
		}
	}
	for _, ver := range versions {
		if _, ok := p.People[ver.ChangedBy]; !ok {
			if u, err := h.Users.ByID(ctx, ver.ChangedBy); err == nil {
				p.People[ver.ChangedBy] = u.Name
			}
		}
	}
	p.Values = disclosureFormOf(r, emails).Values()
	h.renderDisclosure(c, http.StatusOK, p, nil)
	return nil
}

// SaveDisclosure records a new disclosure, or a new version of one (POST /:id).
func (h *Handlers) SaveDisclosure(c *gin.Context) error {
	var f disclosureForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	id := c.Param("id")
	vals := f.Values()
	fhs, err := cases.Uploads(c, 0)
	if err != nil && !cases.UploadProblem(inv, err) {
		return err
	}
	r, err := h.disclosureService.Save(ctx, disclosure.SaveCommand{ID: id, Version: f.Version, First: web.DateOf(f.First), Last: web.DateOf(f.Last),
		Frequency: f.Frequency, RecipientName: f.RecipientName, RecipientAddress: f.RecipientAddress, RecipientKind: f.RecipientKind,
		Categories: f.Categories, Description: f.Description, Ground: f.Ground, Reference: f.Reference, Subjects: f.Subjects, Count: f.Count,
		WithheldUntil: web.DateOf(f.WithheldUntil), Documents: cases.CheckedFiles(fhs), By: web.CurrentUser(c).ID, Problems: inv})
	var problems *apperr.Invalid
	switch {
	case errors.As(err, &problems):
		web.InFormOrder(problems, &f)
		h.renderDisclosure(c, http.StatusBadRequest, disclosurePage{Values: vals, New: id == "", Record: &disclosure.Record{ID: id}}, problems)
		return nil
	case errors.Is(err, apperr.ErrStale):
		return &web.PageError{Status: http.StatusConflict, Key: "disclosure.changed_meanwhile"}
	case err != nil:
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.disclosure_saved")
	c.Redirect(http.StatusSeeOther, "/officer/disclosures/"+r.ID)
	return nil
}

// DisclosureFile serves a document of a disclosure record to an officer.
func (h *Handlers) DisclosureFile(c *gin.Context) error {
	return h.ServeFile(c, c.Param("id"), c.Param("fid"))
}

type disclosuresPage struct {
	Records []*disclosure.Record
	Filter  map[string]string
	Grounds []string
	Query   template.URL
	Total   int
}

// DisclosuresList is the register with filters.
func (h *Handlers) DisclosuresList(c *gin.Context) error {
	rs, f, total, err := h.filteredDisclosures(c)
	var inv *apperr.Invalid
	if errors.As(err, &inv) {
		// The filter again with its problems, as typed (a date that did not read stays).
		v := h.View(c, "disclosures.title", disclosuresPage{Grounds: disclosure.Grounds,
			Filter: map[string]string{"recipient": f.Recipient, "ground": f.Ground, "from": c.Query("from"), "to": c.Query("to")}})
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "disclosures", v)
		return nil
	}
	if err != nil {
		return err
	}
	q := template.URL(url.Values{"recipient": {f.Recipient}, "ground": {f.Ground}, "from": {web.FormDate(f.From)}, "to": {web.FormDate(f.To)}}.Encode()) // #nosec G203 -- url.Values.Encode percent-escapes every key and value
	h.Render(c, http.StatusOK, "disclosures", h.View(c, "disclosures.title", disclosuresPage{Records: rs, Total: total, Grounds: disclosure.Grounds, Query: q,
		Filter: map[string]string{"recipient": f.Recipient, "ground": f.Ground, "from": web.FormDate(f.From), "to": web.FormDate(f.To)}}))
	return nil
}

// DisclosuresCSV exports what the list shows.
func (h *Handlers) DisclosuresCSV(c *gin.Context) error {
	rs, _, _, err := h.filteredDisclosures(c)
	if err != nil {
		return err
	}
	v := h.TextView(c)
	out := web.NewCSV()
	w := out.W
	_ = w.Write([]string{v.T("disclosure.first"), v.T("disclosure.last"), v.T("disclosure.frequency"), v.T("disclosure.recipient_name"),
		v.T("disclosure.recipient_address"), v.T("disclosure.recipient_kind"), v.T("disclosure.categories"), v.T("disclosure.description"),
		v.T("disclosure.ground"), v.T("disclosure.reference"), v.T("disclosure.people"), v.T("disclosure.withheld_until"), v.T("disclosure.version")})
	for _, r := range rs {
		people := r.Count
		if people == 0 {
			people = len(r.Subjects)
		}
		_ = w.Write([]string{r.First.String(), web.DateOrBlank(r.Last), web.CSVCell(r.Frequency), web.CSVCell(r.RecipientName), web.CSVCell(r.RecipientAddress),
			v.T("recipient." + r.RecipientKind), strings.Join(r.Categories, " "), web.CSVCell(r.Description), v.T("dground." + r.Ground),
			web.CSVCell(r.Reference), strconv.Itoa(people), web.DateOrBlank(r.WithheldUntil), strconv.Itoa(r.Version)})
	}
	h.SendCSV(c, "disclosures-"+rights.DateOf(h.Now()).String()+".csv", out)
	return nil
}

type reportRow struct {
	Month   string
	Ground  string
	Records int
	People  int
}

// DisclosuresReport counts the records and the people concerned per month and ground
// (a series counts in the month it began).
func (h *Handlers) DisclosuresReport(c *gin.Context) error {
	rs, _, _, err := h.filteredDisclosures(c)
	if err != nil {
		return err
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
	h.Render(c, http.StatusOK, "disclosure_report", h.View(c, "disclosures.report_title", out))
	return nil
}

// filteredDisclosures is the register as the officers' list, export and report read it;
// a filter with problems is the *apperr.Invalid error: the list shows its form again
// with them, the export and the report, which have no form, list them.
func (h *Handlers) filteredDisclosures(c *gin.Context) ([]*disclosure.Record, cases.DisclosureFilter, int, error) {
	rs, f, total, inv, err := h.ListDisclosures(c)
	if err == nil && inv != nil {
		err = inv
	}
	return rs, f, total, err
}
