package admin

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/handlers/web"
)

// --- administrators ---

type noticesAdminPage struct {
	Versions  []*consent.Notice
	Draft     *consent.Notice
	Catalogue []consent.Purpose
}

func (h *Handlers) NoticesAdmin(c *gin.Context) error {
	ctx := c.Request.Context()
	vs, err := h.drafts.Versions(ctx)
	if err != nil {
		return err
	}
	d, err := h.drafts.Draft(ctx)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	cat, err := h.catalogue.Purposes(ctx)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "notices_admin", h.View(c, "notices.title", noticesAdminPage{Versions: vs, Draft: d, Catalogue: cat}))
	return nil
}

// StartDraft opens a draft from the current version, unless one is open.
func (h *Handlers) StartDraft(c *gin.Context) error {
	ctx := c.Request.Context()
	if _, err := h.drafts.Draft(ctx); err == nil {
		c.Redirect(http.StatusSeeOther, "/admin/notices/draft")
		return nil
	} else if !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	cur, err := h.Notices.Current(ctx)
	if err != nil {
		return err
	}
	d := *cur
	d.Summary = consent.Text{}
	if err := h.drafts.SaveDraft(ctx, &d); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/notices/draft")
	return nil
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
func (h *Handlers) nameSections(c *gin.Context, sections []consent.Section, vals map[string]string, problems []apperr.Problem) []apperr.Problem {
	v := h.ViewIn(c.GetString(web.KeyLang))
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

func (h *Handlers) draftValues(d *consent.Notice) (map[string]string, map[string]bool) {
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
func (h *Handlers) loadDraft(c *gin.Context) (*consent.Notice, []consent.Purpose, error) {
	ctx := c.Request.Context()
	d, err := h.drafts.Draft(ctx)
	if err != nil {
		return nil, nil, err
	}
	cat, err := h.catalogue.Purposes(ctx)
	if err != nil {
		return nil, nil, err
	}
	return d, cat, nil
}

// renderDraft shows the editor with the given values and problems.
func (h *Handlers) renderDraft(c *gin.Context, status int, sections []consent.Section, cat []consent.Purpose, vals map[string]string, inc map[string]bool, problems []apperr.Problem) error {
	cur, err := h.Notices.Current(c.Request.Context())
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	p := &draftPage{Values: vals, Sections: sections, Catalogue: cat, Included: inc, Langs: consent.Langs}
	p.compareDraft(cur)
	v := h.View(c, "notices.draft_title", p)
	v.Problems = h.nameSections(c, sections, vals, problems)
	h.Render(c, status, "notice_draft", v)
	return nil
}

func (h *Handlers) DraftEditor(c *gin.Context) error {
	d, cat, err := h.loadDraft(c)
	if err != nil {
		return err
	}
	vals, inc := h.draftValues(d)
	return h.renderDraft(c, http.StatusOK, d.Sections, cat, vals, inc, nil)
}

// draftForm reads the editor's form: each text by its field, trimmed as the editor shows
// it again, and the purposes ticked.
func draftForm(c *gin.Context) (map[string]string, []string, error) {
	if err := c.Request.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, err
		}
		return nil, nil, forms.ErrMalformed
	}
	texts := map[string]string{}
	for k := range c.Request.PostForm {
		texts[k] = strings.TrimSpace(c.Request.PostForm.Get(k))
	}
	return texts, c.Request.PostForm["purposes"], nil
}

// SaveDraft stores the editor's changes (consent: Editions.SaveDraft); what was typed
// is kept when there are problems.
func (h *Handlers) SaveDraft(c *gin.Context) error {
	texts, ticked, err := draftForm(c)
	if err != nil {
		return err
	}
	_, err = h.editions().SaveDraft(c.Request.Context(), consent.DraftCommand{Texts: texts, Purposes: ticked})
	if inv := (*apperr.Invalid)(nil); errors.As(err, &inv) {
		base, cat, err := h.loadDraft(c)
		if err != nil {
			return err
		}
		inc := map[string]bool{}
		for _, id := range ticked {
			inc[id] = true
		}
		return h.renderDraft(c, http.StatusBadRequest, base.Sections, cat, texts, inc, inv.Problems)
	}
	if err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.draft_saved")
	if c.PostForm("then") == "preview" {
		// The preview shows what was just typed: it is saved first.
		c.Redirect(http.StatusSeeOther, "/admin/notices/draft/preview")
		return nil
	}
	c.Redirect(http.StatusSeeOther, "/admin/notices/draft")
	return nil
}

// PreviewDraft shows the draft exactly as the privacy page will.
func (h *Handlers) PreviewDraft(c *gin.Context) error {
	ctx := c.Request.Context()
	d, err := h.drafts.Draft(ctx)
	if err != nil {
		return err
	}
	cur, err := h.Notices.Current(ctx)
	if err != nil {
		return err
	}
	n := consent.NextVersion(cur, d, h.Now())
	h.Render(c, http.StatusOK, "privacy", h.View(c, "privacy.title", web.PrivacyPage{Notice: n, Preview: true}))
	return nil
}

// editions edits and publishes the draft through the notices the pages read.
func (h *Handlers) editions() *consent.Editions {
	return &consent.Editions{Notices: h.Notices, Drafts: h.drafts, Catalogue: h.catalogue, Now: h.Now}
}

// PublishDraft makes the draft the current notice (consent: Editions.Publish), after a
// confirmation naming the version.
func (h *Handlers) PublishDraft(c *gin.Context) error {
	n, err := h.editions().Publish(c.Request.Context(), c.PostForm("confirm") == "yes")
	var ask *consent.PublishConfirmFirst
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &ask):
		h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.publish_title", TextKey: "confirm.publish_text", TextArgs: []any{ask.Next.Version},
			Action: "/admin/notices/draft/publish", Back: "/admin/notices/draft"})
		return nil
	case errors.As(err, &inv):
		cat, err := h.catalogue.Purposes(c.Request.Context())
		if err != nil {
			return err
		}
		vals, inc := h.draftValues(n)
		return h.renderDraft(c, http.StatusBadRequest, n.Sections, cat, vals, inc, inv.Problems)
	case errors.Is(err, apperr.ErrConflict):
		return &web.PageError{Status: http.StatusConflict, Key: "notices.publish_conflict"}
	case err != nil:
		return err
	}
	h.ForgetNotice()
	h.AddFlash(c, web.FlashSuccess, "flash.notice_published")
	c.Redirect(http.StatusSeeOther, "/admin/notices")
	return nil
}

func (h *Handlers) DiscardDraft(c *gin.Context) error {
	if _, _, err := h.loadDraft(c); err != nil {
		return err
	}
	if !h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.discard_title", TextKey: "confirm.discard_text",
		Action: "/admin/notices/draft/discard", Back: "/admin/notices/draft"}) {
		return nil
	}
	if err := h.drafts.DeleteDraft(c.Request.Context()); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashInfo, "flash.draft_discarded")
	c.Redirect(http.StatusSeeOther, "/admin/notices")
	return nil
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

func (h *Handlers) PurposeEditor(c *gin.Context) error {
	id := c.Param("id")
	p := &consent.Purpose{}
	isNew := id == "new"
	if !isNew {
		cat, err := h.catalogue.Purposes(c.Request.Context())
		if err != nil {
			return err
		}
		p = nil
		for i := range cat {
			if cat[i].ID == id {
				p = &cat[i]
			}
		}
		if p == nil {
			return apperr.ErrNotFound
		}
	}
	vals, flags := purposeValues(p)
	h.Render(c, http.StatusOK, "purpose", h.View(c, "purpose.title", purposePage{Values: vals, Flags: flags, IsNew: isNew}))
	return nil
}

// purposeForm is a catalogue entry's form; its texts are checked by the service.
type purposeForm struct {
	ID            string `form:"id"`
	Code          string `form:"code"`
	NameZH        string `form:"name-zh-TW"`
	NameEN        string `form:"name-en"`
	DescriptionZH string `form:"description-zh-TW"`
	DescriptionEN string `form:"description-en"`
	BasisZH       string `form:"basis-zh-TW"`
	BasisEN       string `form:"basis-en"`
	RetentionZH   string `form:"retention-zh-TW"`
	RetentionEN   string `form:"retention-en"`
	DeclineZH     string `form:"decline-zh-TW"`
	DeclineEN     string `form:"decline-en"`
	// Categories are shown again as typed.
	Categories string `form:"categories,notrim"`
	Required   bool   `form:"required"`
	Outside    bool   `form:"outside"`
	GPC        bool   `form:"gpc"`
	New        string `form:"new"`
}

func (f *purposeForm) command(problems *apperr.Invalid) consent.PurposeCommand {
	both := func(zh, en string) consent.Text { return consent.Text{"zh-TW": zh, "en": en} }
	return consent.PurposeCommand{New: f.New == "1", ID: f.ID, Code: f.Code, Name: both(f.NameZH, f.NameEN),
		Description: both(f.DescriptionZH, f.DescriptionEN), LegalBasis: both(f.BasisZH, f.BasisEN),
		Retention: both(f.RetentionZH, f.RetentionEN), DeclineEffect: both(f.DeclineZH, f.DeclineEN), Categories: f.Categories,
		Required: f.Required, Outside: f.Outside, GPC: f.GPC, Problems: problems}
}

// SavePurpose adds or changes a catalogue entry (consent: CatalogueService.SavePurpose).
func (h *Handlers) SavePurpose(c *gin.Context) error {
	var f purposeForm
	problems, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	p, err := (&consent.CatalogueService{Catalogue: h.catalogue}).SavePurpose(c.Request.Context(), f.command(problems))
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &inv):
		vals, flags := purposeValues(p)
		vals["categories"] = f.Categories
		v := h.View(c, "purpose.title", purposePage{Values: vals, Flags: flags, IsNew: f.New == "1"})
		v.Problems = inv.Problems
		h.Render(c, http.StatusBadRequest, "purpose", v)
		return nil
	case err != nil:
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.purpose_saved")
	c.Redirect(http.StatusSeeOther, "/admin/notices")
	return nil
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

// ConsentStats shows, per purpose, how many consent now and the grants and withdrawals
// per month: counts only, never a person.
func (h *Handlers) ConsentStats(c *gin.Context) error {
	ctx := c.Request.Context()
	n, err := h.Notices.Current(ctx)
	if err != nil {
		return err
	}
	st, err := h.consentStats.Stats(ctx, h.Now().AddDate(-1, 0, 0))
	if err != nil {
		return err
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
	h.Render(c, http.StatusOK, "consent_stats", h.View(c, "consent_stats.title", p))
	return nil
}
