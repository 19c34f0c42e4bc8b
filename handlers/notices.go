package handlers

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/forms"
	"github.com/example/pdpa-portal/handlers/web"
)

// --- administrators ---

type noticesAdminPage struct {
	Versions  []*consent.Notice
	Draft     *consent.Notice
	Catalogue []consent.Purpose
}

func (s *Server) noticesAdmin(c *gin.Context) {
	ctx := c.Request.Context()
	vs, err := s.Drafts.Versions(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	d, err := s.Drafts.Draft(ctx)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		s.Fail(c, err)
		return
	}
	cat, err := s.Catalogue.Purposes(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "notices_admin", s.View(c, "notices.title", noticesAdminPage{Versions: vs, Draft: d, Catalogue: cat}))
}

// startDraft opens a draft from the current version, unless one is open.
func (s *Server) startDraft(c *gin.Context) {
	ctx := c.Request.Context()
	if _, err := s.Drafts.Draft(ctx); err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/notices/draft")
		return
	} else if !errors.Is(err, apperr.ErrNotFound) {
		s.Fail(c, err)
		return
	}
	cur, err := s.Notices.Current(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	d := *cur
	d.Summary = consent.Text{}
	if err := s.Drafts.SaveDraft(ctx, &d); err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/notices/draft")
}

// draftPage is the editor: each text in both languages, sections as plain text.
type draftPage struct {
	Values    map[string]string
	Sections  []consent.Section
	Catalogue []consent.Purpose
	Included  map[string]bool
	Langs     []string
	// Published is the version the draft is compared with (0: none yet); Compare holds
	// each section's comparison by key, Changed the sections that differ, in order.
	Published int
	Compare   map[string]*sectionCompare
	Changed   []consent.Section
}

// sectionCompare is a section of the draft beside the published one, per language.
type sectionCompare struct {
	Changed bool
	Langs   []langCompare
}

type langCompare struct {
	Lang string
	Rows []consent.Change
}

// compareDraft sets each section of the editor (as typed) beside the published version.
func (p *draftPage) compareDraft(cur *consent.Notice) {
	p.Compare = map[string]*sectionCompare{}
	published := map[string]consent.Section{}
	if cur != nil {
		p.Published = cur.Version
		for _, sec := range cur.Sections {
			published[sec.Key] = sec
		}
	}
	for _, sec := range p.Sections {
		sc := &sectionCompare{}
		for _, l := range p.Langs {
			old := ""
			if ps, ok := published[sec.Key]; ok {
				old = consent.SectionText(ps, l)
			}
			rows := consent.Compare(old, p.Values["section-"+sec.Key+"-"+l])
			sc.Changed = sc.Changed || consent.Changed(rows)
			sc.Langs = append(sc.Langs, langCompare{Lang: l, Rows: rows})
		}
		p.Compare[sec.Key] = sc
		if sc.Changed {
			p.Changed = append(p.Changed, sec)
		}
	}
}

// nameSections puts the section's heading and the text's language in front of each
// problem of a section's field ("section-purposes-en"): the editor has two dozen text
// areas, and the summary at the top must say which one to fix.
func (s *Server) nameSections(c *gin.Context, sections []consent.Section, vals map[string]string, problems []apperr.Problem) []apperr.Problem {
	v := s.ViewIn(c.GetString(web.KeyLang))
	out := make([]apperr.Problem, len(problems))
	for i, p := range problems {
		out[i] = p
		for _, sec := range sections {
			for _, l := range consent.Langs {
				for _, kind := range []string{"section", "heading"} {
					if p.Field != kind+"-"+sec.Key+"-"+l {
						continue
					}
					heading := vals["heading-"+sec.Key+"-"+v.Lang]
					if heading == "" {
						heading = sec.Heading.In(v.Lang)
					}
					label := "draft.text-" + l
					if kind == "heading" {
						label = "draft.heading-" + l
					}
					out[i].Key, out[i].Args = "draft.section_problem", []any{heading, v.T(label), v.Problem(p)}
				}
			}
		}
	}
	return out
}

func (p *draftPage) Val(key string) string { return p.Values[key] }

func (s *Server) draftValues(d *consent.Notice) (map[string]string, map[string]bool) {
	vals := map[string]string{}
	for _, l := range consent.Langs {
		vals["title-"+l] = d.Title[l]
		vals["summary-"+l] = d.Summary[l]
		vals["intro-"+l] = d.Intro[l]
		for _, sec := range d.Sections {
			vals["heading-"+sec.Key+"-"+l] = sec.Heading[l]
			vals["section-"+sec.Key+"-"+l] = consent.SectionText(sec, l)
		}
	}
	inc := map[string]bool{}
	for _, p := range d.Purposes {
		inc[p.ID] = true
	}
	return vals, inc
}

// loadDraft reads the draft and the catalogue; on failure it has answered.
func (s *Server) loadDraft(c *gin.Context) (*consent.Notice, []consent.Purpose, bool) {
	ctx := c.Request.Context()
	d, err := s.Drafts.Draft(ctx)
	if err != nil {
		s.Fail(c, err)
		return nil, nil, false
	}
	cat, err := s.Catalogue.Purposes(ctx)
	if err != nil {
		s.Fail(c, err)
		return nil, nil, false
	}
	return d, cat, true
}

// renderDraft shows the editor with the given values and problems.
func (s *Server) renderDraft(c *gin.Context, status int, sections []consent.Section, cat []consent.Purpose, vals map[string]string, inc map[string]bool, problems []apperr.Problem) {
	cur, err := s.Notices.Current(c.Request.Context())
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		s.Fail(c, err)
		return
	}
	p := &draftPage{Values: vals, Sections: sections, Catalogue: cat, Included: inc, Langs: consent.Langs}
	p.compareDraft(cur)
	v := s.View(c, "notices.draft_title", p)
	v.Problems = s.nameSections(c, sections, vals, problems)
	s.Render(c, status, "notice_draft", v)
}

func (s *Server) draftEditor(c *gin.Context) {
	d, cat, ok := s.loadDraft(c)
	if !ok {
		return
	}
	vals, inc := s.draftValues(d)
	s.renderDraft(c, http.StatusOK, d.Sections, cat, vals, inc, nil)
}

// cleanText refuses text a person could not have typed (invalid UTF-8, NUL, controls).
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// readDraft builds a draft from the editor form, with every problem found.
func (s *Server) readDraft(c *gin.Context, base *consent.Notice, cat []consent.Purpose) (*consent.Notice, map[string]string, map[string]bool, *apperr.Invalid, error) {
	if err := c.Request.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, nil, nil, err
		}
		return nil, nil, nil, nil, forms.ErrMalformed
	}
	form := c.Request.PostForm
	inv := &apperr.Invalid{}
	vals := map[string]string{}
	get := func(key string, max int) string {
		v := strings.TrimSpace(form.Get(key))
		vals[key] = v
		switch {
		case !cleanText(v):
			inv.Add(key, "validation.invalid_text")
		case utf8.RuneCountInString(v) > max:
			inv.Add(key, "field.too_long", max)
		}
		return v
	}
	d := &consent.Notice{Title: consent.Text{}, Summary: consent.Text{}, Intro: consent.Text{}}
	for _, l := range consent.Langs {
		d.Title[l] = get("title-"+l, 200)
		d.Summary[l] = get("summary-"+l, 2000)
		d.Intro[l] = get("intro-"+l, 5000)
	}
	for _, sec := range base.Sections {
		heading := consent.Text{}
		texts := map[string]string{}
		for _, l := range consent.Langs {
			heading[l] = get("heading-"+sec.Key+"-"+l, 200)
			if heading[l] == "" {
				inv.Add("heading-"+sec.Key+"-"+l, "field.required")
			}
			texts[l] = get("section-"+sec.Key+"-"+l, 20000)
		}
		ns, problems := consent.ParseSection(sec.Key, heading, texts)
		inv.Problems = append(inv.Problems, problems.Problems...)
		d.Sections = append(d.Sections, ns)
	}
	inc := map[string]bool{}
	for _, id := range form["purposes"] {
		inc[id] = true
	}
	for _, p := range cat {
		if inc[p.ID] {
			d.Purposes = append(d.Purposes, p)
		}
	}
	if len(d.Purposes) != len(inc) {
		inv.Add("purposes", "consent.unknown_purpose")
	}
	return d, vals, inc, inv, nil
}

// saveDraft stores the editor's changes; what was typed is kept when there are problems.
func (s *Server) saveDraft(c *gin.Context) {
	base, cat, ok := s.loadDraft(c)
	if !ok {
		return
	}
	d, vals, inc, inv, err := s.readDraft(c, base, cat)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if len(inv.Problems) > 0 {
		s.renderDraft(c, http.StatusBadRequest, base.Sections, cat, vals, inc, inv.Problems)
		return
	}
	if err := s.Drafts.SaveDraft(c.Request.Context(), d); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.draft_saved")
	if c.PostForm("then") == "preview" {
		// The preview shows what was just typed: it is saved first.
		c.Redirect(http.StatusSeeOther, "/admin/notices/draft/preview")
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/notices/draft")
}

// previewDraft shows the draft exactly as the privacy page will.
func (s *Server) previewDraft(c *gin.Context) {
	ctx := c.Request.Context()
	d, err := s.Drafts.Draft(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	cur, err := s.Notices.Current(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	n := consent.NextVersion(cur, d, s.Now())
	s.Render(c, http.StatusOK, "privacy", s.View(c, "privacy.title", web.PrivacyPage{Notice: n, Preview: true}))
}

// publishDraft makes the draft the current notice. Its purposes keep their "since"
// version when unchanged, so only new or changed ones are asked again.
func (s *Server) publishDraft(c *gin.Context) {
	ctx := c.Request.Context()
	d, cat, ok := s.loadDraft(c)
	if !ok {
		return
	}
	if inv := consent.ValidateNotice(d); len(inv.Problems) > 0 {
		vals, inc := s.draftValues(d)
		s.renderDraft(c, http.StatusBadRequest, d.Sections, cat, vals, inc, inv.Problems)
		return
	}
	cur, err := s.Notices.Current(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	n := consent.NextVersion(cur, d, s.Now())
	// Published is for good: people are asked to acknowledge it and it stays readable.
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.publish_title", TextKey: "confirm.publish_text", TextArgs: []any{n.Version},
		Action: "/admin/notices/draft/publish", Back: "/admin/notices/draft"}) {
		return
	}
	if err := s.Notices.Publish(ctx, n); err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			err = &web.PageError{Status: http.StatusConflict, Key: "notices.publish_conflict"}
		}
		s.Fail(c, err)
		return
	}
	if err := s.Drafts.DeleteDraft(ctx); err != nil {
		s.Fail(c, err)
		return
	}
	s.ForgetNotice()
	s.AddFlash(c, web.FlashSuccess, "flash.notice_published")
	c.Redirect(http.StatusSeeOther, "/admin/notices")
}

func (s *Server) discardDraft(c *gin.Context) {
	if _, _, ok := s.loadDraft(c); !ok {
		return
	}
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.discard_title", TextKey: "confirm.discard_text",
		Action: "/admin/notices/draft/discard", Back: "/admin/notices/draft"}) {
		return
	}
	if err := s.Drafts.DeleteDraft(c.Request.Context()); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashInfo, "flash.draft_discarded")
	c.Redirect(http.StatusSeeOther, "/admin/notices")
}

// --- purpose catalogue ---

type purposePage struct {
	Values map[string]string
	Flags  map[string]bool
	IsNew  bool
}

func purposeValues(p *consent.Purpose) (map[string]string, map[string]bool) {
	vals := map[string]string{"id": p.ID, "code": p.Code, "categories": strings.Join(p.Categories, ", ")}
	for _, l := range consent.Langs {
		vals["name-"+l], vals["description-"+l] = p.Name[l], p.Description[l]
		vals["basis-"+l], vals["retention-"+l], vals["decline-"+l] = p.LegalBasis[l], p.Retention[l], p.DeclineEffect[l]
	}
	return vals, map[string]bool{"required": p.Required, "outside": p.Outside, "gpc": p.GPC}
}

func (s *Server) purposeEditor(c *gin.Context) {
	id := c.Param("id")
	p := &consent.Purpose{}
	isNew := id == "new"
	if !isNew {
		cat, err := s.Catalogue.Purposes(c.Request.Context())
		if err != nil {
			s.Fail(c, err)
			return
		}
		p = nil
		for i := range cat {
			if cat[i].ID == id {
				p = &cat[i]
			}
		}
		if p == nil {
			s.Fail(c, apperr.ErrNotFound)
			return
		}
	}
	vals, flags := purposeValues(p)
	s.Render(c, http.StatusOK, "purpose", s.View(c, "purpose.title", purposePage{Values: vals, Flags: flags, IsNew: isNew}))
}

// savePurpose adds or changes a catalogue entry. A change reaches people only when a
// notice version that includes it is published.
func (s *Server) savePurpose(c *gin.Context) {
	if err := c.Request.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.Fail(c, err)
			return
		}
		s.Fail(c, forms.ErrMalformed)
		return
	}
	f := c.Request.PostForm
	inv := &apperr.Invalid{}
	txt := func(key string) string {
		v := strings.TrimSpace(f.Get(key))
		if !cleanText(v) {
			inv.Add(key, "validation.invalid_text")
		} else if utf8.RuneCountInString(v) > 1000 {
			inv.Add(key, "field.too_long", 1000)
		}
		return v
	}
	text := func(prefix string) consent.Text {
		t := consent.Text{}
		for _, l := range consent.Langs {
			if v := txt(prefix + "-" + l); v != "" {
				t[l] = v
			}
		}
		return t
	}
	p := &consent.Purpose{ID: txt("id"), Code: txt("code"), Name: text("name"), Description: text("description"),
		LegalBasis: text("basis"), Retention: text("retention"), DeclineEffect: text("decline"),
		Required: f.Get("required") == "on", Outside: f.Get("outside") == "on", GPC: f.Get("gpc") == "on"}
	for _, cat := range strings.FieldsFunc(txt("categories"), func(r rune) bool { return r == ',' || r == ' ' || r == '、' }) {
		p.Categories = append(p.Categories, strings.ToUpper(cat))
	}
	sort.Strings(p.Categories)
	if p.Required {
		p.DeclineEffect = nil
	}
	inv.Problems = append(inv.Problems, consent.ValidatePurpose(p).Problems...)
	isNew := f.Get("new") == "1"
	if len(inv.Problems) == 0 && isNew {
		cat, err := s.Catalogue.Purposes(c.Request.Context())
		if err != nil {
			s.Fail(c, err)
			return
		}
		for _, x := range cat {
			if x.ID == p.ID {
				inv.Add("id", "purpose.id_taken")
			}
		}
	}
	if len(inv.Problems) == 0 {
		if err := s.Catalogue.SavePurpose(c.Request.Context(), p); err != nil {
			s.Fail(c, err)
			return
		}
		s.AddFlash(c, web.FlashSuccess, "flash.purpose_saved")
		c.Redirect(http.StatusSeeOther, "/admin/notices")
		return
	}
	vals, flags := purposeValues(p)
	vals["categories"] = f.Get("categories")
	v := s.View(c, "purpose.title", purposePage{Values: vals, Flags: flags, IsNew: isNew})
	v.Problems = inv.Problems
	s.Render(c, http.StatusBadRequest, "purpose", v)
}

// --- statistics ---

type statsPage struct {
	Rows   []purposeStats
	Months []string // newest first
	// First and Last are the months shown ("" when nothing was counted).
	First, Last string
}

type purposeStats struct {
	Purpose consent.Purpose
	Current int
	Grants  map[string]int
	Withd   map[string]int
}

// consentStats shows, per purpose, how many consent now and the grants and withdrawals
// per month: counts only, never a person.
func (s *Server) consentStats(c *gin.Context) {
	ctx := c.Request.Context()
	n, err := s.Notices.Current(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	st, err := s.ConsentStats.Stats(ctx, s.Now().AddDate(-1, 0, 0))
	if err != nil {
		s.Fail(c, err)
		return
	}
	months := map[string]bool{}
	for _, m := range st.Months {
		for k := range m {
			months[k] = true
		}
	}
	p := statsPage{}
	for k := range months {
		p.Months = append(p.Months, k)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(p.Months)))
	if len(p.Months) > 0 {
		p.First, p.Last = p.Months[len(p.Months)-1], p.Months[0]
	}
	for _, pu := range n.Purposes {
		row := purposeStats{Purpose: pu, Current: st.Current[pu.ID], Grants: map[string]int{}, Withd: map[string]int{}}
		for _, m := range p.Months {
			row.Grants[m] = st.Months[pu.ID+"|grant"][m]
			row.Withd[m] = st.Months[pu.ID+"|withdraw"][m]
		}
		p.Rows = append(p.Rows, row)
	}
	s.Render(c, http.StatusOK, "consent_stats", s.View(c, "consent_stats.title", p))
}
