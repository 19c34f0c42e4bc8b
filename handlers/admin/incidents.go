package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/receipt"
)

// localMinute is the form's date-and-time format (an <input type="datetime-local">).
const localMinute = "2006-01-02T15:04"

type incidentPage struct {
	Incident *incident.Incident
	New      bool
	Values   map[string]string
	Now      time.Time
	Names    []string // the people affected, as the administrator entered them
}

type incidentsPage struct {
	Incidents []*incident.Incident
	Now       time.Time
}

// IncidentsList shows every incident with its two 72-hour clocks.
func (h *Handlers) IncidentsList(c *gin.Context) error {
	list, err := h.incidents.List(c.Request.Context())
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "incidents", h.View(c, "incident.list_title", incidentsPage{Incidents: list, Now: h.Now()}))
	return nil
}

func (h *Handlers) NewIncidentPage(c *gin.Context) error {
	h.renderIncident(c, http.StatusOK, incidentPage{New: true, Values: map[string]string{"discovered": h.Now().In(twtime.Zone).Format(localMinute)}}, nil)
	return nil
}

func (h *Handlers) renderIncident(c *gin.Context, status int, p incidentPage, inv *apperr.Invalid) {
	p.Now = h.Now()
	title := "incident.new_title"
	if !p.New {
		title = "incident.title"
	}
	h.RenderForm(c, status, "incident", title, p, inv)
}

func (h *Handlers) IncidentPage(c *gin.Context) error {
	i, err := h.incidents.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	h.renderIncident(c, http.StatusOK, incidentPage{Incident: i, Values: h.incidentValues(c.Request.Context(), i)}, nil)
	return nil
}

func (h *Handlers) incidentValues(ctx context.Context, i *incident.Incident) map[string]string {
	var emails []string
	for _, id := range i.Affected {
		if u, err := h.Users.ByID(ctx, id); err == nil {
			emails = append(emails, u.Email)
		}
	}
	return map[string]string{"discovered": i.Discovered.In(twtime.Zone).Format(localMinute), "title": i.Title, "what": i.What, "data": i.Data,
		"people": strconv.Itoa(i.People), "measures": i.Measures, "what_en": i.WhatEN, "measures_en": i.MeasuresEN, "affected": strings.Join(emails, "\n"), "version": strconv.FormatInt(i.Version, 10),
		"report_ref": i.ReportRef, "emails": incident.EmailLines(i.Emails), "letters": incident.LetterLines(i.Letters)}
}

// incidentForm is the record's form, shown again as typed when it has problems. Numbers
// and times are read by the command, so that one the form cannot read is the service's
// problem to name.
type incidentForm struct {
	Discovered string `form:"discovered,notrim"`
	Title      string `form:"title,notrim"`
	What       string `form:"what,notrim"`
	Data       string `form:"data,notrim"`
	People     string `form:"people,notrim"`
	Measures   string `form:"measures,notrim"`
	WhatEN     string `form:"what_en,notrim"`
	MeasuresEN string `form:"measures_en,notrim"`
	Affected   string `form:"affected,notrim"`
	Emails     string `form:"emails,notrim"`
	Letters    string `form:"letters,notrim"`
	Version    string `form:"version,notrim"`
}

// Values are the form's fields as the page shows them again.
func (f *incidentForm) Values() map[string]string {
	return map[string]string{"discovered": f.Discovered, "title": f.Title, "what": f.What, "data": f.Data, "people": f.People,
		"measures": f.Measures, "what_en": f.WhatEN, "measures_en": f.MeasuresEN, "affected": f.Affected, "emails": f.Emails,
		"letters": f.Letters, "version": f.Version}
}

// command is the save the form asks for: of record id ("" for a new one), by by.
func (f *incidentForm) command(id, by string, problems *apperr.Invalid) incident.SaveCommand {
	cmd := incident.SaveCommand{ID: id, Version: formVersion(f.Version), Discovered: formMinute(f.Discovered), People: -1,
		Title: f.Title, What: f.What, Data: f.Data, Measures: f.Measures, WhatEN: f.WhatEN, MeasuresEN: f.MeasuresEN,
		Affected: f.Affected, Emails: f.Emails, Letters: f.Letters, By: by, Problems: problems}
	if n, err := strconv.Atoi(strings.TrimSpace(f.People)); err == nil {
		cmd.People = n
	}
	return cmd
}

// SaveIncident creates or updates a record from the form. The people affected are
// entered three ways: accounts by their e-mail address, addresses without an account
// (told by e-mail), and names with postal addresses (told by letter).
func (h *Handlers) SaveIncident(c *gin.Context) error {
	id := c.Param("id")
	var f incidentForm
	problems, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	i, err := h.incidentNotices.Save(c.Request.Context(), f.command(id, web.CurrentUser(c).ID, problems))
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &inv):
		h.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: nilIfNew(i, id), New: id == "", Values: f.Values()}, inv)
		return nil
	case err != nil:
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "incident.saved")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
	return nil
}

// incidentActionForm is what the record's actions send: the version the page was read
// at, the report's time and reference, the reason for an announcement, the confirmation.
type incidentActionForm struct {
	Version       string `form:"version,notrim"`
	ReportedAt    string `form:"reported_at,notrim"`
	ReportRef     string `form:"report_ref,notrim"`
	Impracticable string `form:"impracticable,notrim"`
	Confirm       string `form:"confirm"`
}

// decodeAction reads an action's form; text it cannot read is the request's problem.
func (h *Handlers) decodeAction(c *gin.Context) (*incidentActionForm, error) {
	var f incidentActionForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return nil, err
	}
	if err := inv.OrNil(); err != nil {
		return nil, err
	}
	return &f, nil
}

// formVersion is the version the form was read at (-1, never a version, when it is not
// a number).
func formVersion(s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// formMinute reads a date-and-time field in Taiwan time; zero when it cannot.
func formMinute(s string) time.Time {
	t, err := time.ParseInLocation(localMinute, strings.TrimSpace(s), twtime.Zone)
	if err != nil {
		return time.Time{}
	}
	return t
}

func nilIfNew(i *incident.Incident, id string) *incident.Incident {
	if id == "" {
		return nil
	}
	return i
}

// IncidentReported records the report to the authority: when and its reference.
func (h *Handlers) IncidentReported(c *gin.Context) error {
	f, err := h.decodeAction(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	i, err := h.incidentNotices.Reported(ctx, incident.ReportCommand{ID: c.Param("id"), Version: formVersion(f.Version),
		At: formMinute(f.ReportedAt), Ref: f.ReportRef, By: web.CurrentUser(c).ID})
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &inv):
		values := h.incidentValues(ctx, i)
		values["reported_at"], values["report_ref"] = f.ReportedAt, web.Clip(strings.TrimSpace(f.ReportRef), incident.MaxReportRef)
		h.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: values}, inv)
		return nil
	case err != nil:
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "incident.reported")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
	return nil
}

// IncidentNotify tells everyone not told yet — accounts and addresses by mail in their
// own language, people with a postal address by a letter for the print run — of what
// happened and what was done (ER Art. 22), after a confirmation saying how many by each
// channel.
func (h *Handlers) IncidentNotify(c *gin.Context) error {
	f, err := h.decodeAction(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	// Queued to the end even if the administrator's browser goes away meanwhile.
	i, res, err := h.incidentNotices.Notify(context.WithoutCancel(c.Request.Context()), incident.NotifyCommand{ID: id,
		Version: formVersion(f.Version), By: web.CurrentUser(c).ID, Confirmed: f.Confirm == "yes"})
	var ask *incident.ConfirmFirst
	switch {
	case errors.As(err, &ask):
		// Mail once sent cannot be recalled: say to how many people it goes, then send.
		h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.incident_notify_title", TextKey: "confirm.incident_notify_text",
			TextArgs: []any{ask.Pending.Accounts, ask.Pending.Emails, ask.Pending.Letters},
			Action:   "/admin/incidents/" + id + "/notify", Back: "/admin/incidents/" + id})
		return nil
	case errors.Is(err, incident.ErrAllTold):
		h.AddFlash(c, web.FlashError, "incident.already_notified")
		c.Redirect(http.StatusSeeOther, "/admin/incidents/"+id)
		return nil
	case err != nil:
		return h.incidentProblem(c, i, f, err)
	}
	h.AddFlashArgs(c, web.FlashSuccess, "incident.notified", res.Accounts, res.Emails, res.Letters)
	if res.Failed > 0 {
		h.AddFlashArgs(c, web.FlashError, "incident.notify_incomplete", res.Failed)
	}
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
	return nil
}

// incidentProblem shows the record again with what stops an action, or fails as usual.
func (h *Handlers) incidentProblem(c *gin.Context, i *incident.Incident, f *incidentActionForm, err error) error {
	var inv *apperr.Invalid
	if i == nil || !errors.As(err, &inv) {
		return err
	}
	values := h.incidentValues(c.Request.Context(), i)
	values["impracticable"] = web.Clip(f.Impracticable, incident.MaxText)
	h.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: values}, inv)
	return nil
}

// IncidentAnnounce publishes the incident on /announcements when telling each person
// would cost too much (ER Art. 22), after a confirmation: it cannot be withdrawn.
func (h *Handlers) IncidentAnnounce(c *gin.Context) error {
	f, err := h.decodeAction(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	i, err := h.incidentNotices.Announce(c.Request.Context(), incident.AnnounceCommand{ID: id, Version: formVersion(f.Version),
		Reason: f.Impracticable, By: web.CurrentUser(c).ID, Confirmed: f.Confirm == "yes"})
	var ask *incident.ConfirmFirst
	switch {
	case errors.As(err, &ask):
		h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.announce_title", TextKey: "confirm.announce_text",
			Action: "/admin/incidents/" + id + "/announce", Back: "/admin/incidents/" + id})
		return nil
	case err != nil:
		return h.incidentProblem(c, i, f, err)
	}
	h.announcements.Forget()
	h.AddFlash(c, web.FlashSuccess, "incident.announced")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
	return nil
}

// IncidentLetters is the print run of the incident's letters: one A4 page each, the
// address placed for a window envelope.
func (h *Handlers) IncidentLetters(c *gin.Context) error {
	i, err := h.incidents.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	set, err := h.letters.Settings(c.Request.Context())
	if err != nil {
		return err
	}
	p := incidentLettersPage{Incident: i, Agency: web.AgencyOf(h.agency), Set: set}
	for _, l := range i.LettersDue() {
		lang := l.LangOr(i18n.ZH)
		what, measures := i.Texts(lang)
		// An official letter (函) like a request's: its number from the same per-year
		// sequence, taken the first time the run is printed and kept.
		issued, err := h.letters.Issue(c.Request.Context(), i.ID, i.LetterOf(l), l.ToldAt)
		if err != nil {
			return err
		}
		p.Letters = append(p.Letters, incidentLetter{Contact: l, L: h.ViewIn(lang), What: what, Measures: measures,
			Number: issued.Number.Format(set.Prefix, lang)})
	}
	h.Render(c, http.StatusOK, "incident_letters", h.View(c, "incident.letters_title", p))
	return nil
}

type incidentLettersPage struct {
	Incident *incident.Incident
	Agency   receipt.Controller
	Set      letters.Settings
	Letters  []incidentLetter
}

// incidentLetter is one letter, worded in its reader's language (L).
type incidentLetter struct {
	incident.Contact
	L              *web.View
	What, Measures string
	Number         string // 發文字號, in the letter's language
}
