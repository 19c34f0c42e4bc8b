package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/internal/ids"
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

// incidentsList shows every incident with its two 72-hour clocks.
func (s *Server) incidentsList(c *gin.Context) {
	list, err := s.Incidents.List(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "incidents", s.View(c, "incident.list_title", incidentsPage{Incidents: list, Now: s.Now()}))
}

func (s *Server) newIncidentPage(c *gin.Context) {
	s.renderIncident(c, http.StatusOK, incidentPage{New: true, Values: map[string]string{"discovered": s.Now().In(web.Taipei).Format(localMinute)}}, nil)
}

func (s *Server) renderIncident(c *gin.Context, status int, p incidentPage, inv *apperr.Invalid) {
	p.Now = s.Now()
	title := "incident.new_title"
	if !p.New {
		title = "incident.title"
	}
	v := s.View(c, title, p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.Render(c, status, "incident", v)
}

func (s *Server) incidentPage(c *gin.Context) {
	i, err := s.Incidents.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.renderIncident(c, http.StatusOK, incidentPage{Incident: i, Values: s.incidentValues(c.Request.Context(), i)}, nil)
}

func (s *Server) incidentValues(ctx context.Context, i *incident.Incident) map[string]string {
	var emails []string
	for _, id := range i.Affected {
		if u, err := s.Users.ByID(ctx, id); err == nil {
			emails = append(emails, u.Email)
		}
	}
	return map[string]string{"discovered": i.Discovered.In(web.Taipei).Format(localMinute), "title": i.Title, "what": i.What, "data": i.Data,
		"people": strconv.Itoa(i.People), "measures": i.Measures, "what_en": i.WhatEN, "measures_en": i.MeasuresEN, "affected": strings.Join(emails, "\n"), "version": strconv.FormatInt(i.Version, 10),
		"report_ref": i.ReportRef, "emails": incident.EmailLines(i.Emails), "letters": incident.LetterLines(i.Letters)}
}

// saveIncident creates or updates a record from the form. The people affected are
// entered three ways: accounts by their e-mail address, addresses without an account
// (told by e-mail), and names with postal addresses (told by letter).
func (s *Server) saveIncident(c *gin.Context) {
	ctx := c.Request.Context()
	u := web.CurrentUser(c)
	id := c.Param("id")
	i := &incident.Incident{}
	if id != "" {
		cur, err := s.Incidents.Get(ctx, id)
		if err != nil {
			s.Fail(c, err)
			return
		}
		i = cur
		if c.PostForm("version") != strconv.FormatInt(cur.Version, 10) {
			s.Fail(c, apperr.ErrStale)
			return
		}
	}
	f := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
	values := map[string]string{}
	for _, k := range []string{"discovered", "title", "what", "data", "people", "measures", "what_en", "measures_en", "affected", "emails", "letters", "version"} {
		values[k] = c.PostForm(k)
	}
	inv := &apperr.Invalid{}
	i.Title, i.What, i.Data, i.Measures = f("title"), f("what"), f("data"), f("measures")
	i.WhatEN, i.MeasuresEN = f("what_en"), f("measures_en")
	if t, err := time.ParseInLocation(localMinute, f("discovered"), web.Taipei); err == nil {
		i.Discovered = t
	} else {
		i.Discovered = time.Time{}
	}
	if n, err := strconv.Atoi(f("people")); err == nil {
		i.People = n
	} else {
		i.People = -1
	}
	i.Affected = nil
	lines := strings.Fields(f("affected"))
	if len(lines) > 10_000 {
		inv.Add("affected", "incident.too_many", 10_000)
	} else {
		var unknown, unverified []string
		for _, e := range lines {
			acc, err := s.Users.ByEmail(ctx, e)
			switch {
			case errors.Is(err, apperr.ErrNotFound):
				unknown = append(unknown, web.Clip(e, 100))
			case err != nil:
				s.Fail(c, err)
				return
			case !acc.EmailVerified:
				// The notice names the incident and lands in the inbox: an account
				// never proven to own the address is not the person.
				unverified = append(unverified, web.Clip(e, 100))
			case !slices.Contains(i.Affected, acc.ID): // one notice per person, however typed
				i.Affected = append(i.Affected, acc.ID)
			}
		}
		if len(unknown) > 0 {
			inv.Add("affected", "incident.unknown_people", strings.Join(unknown[:min(len(unknown), 10)], ", "))
		}
		if len(unverified) > 0 {
			inv.Add("affected", "incident.unverified_people", strings.Join(unverified[:min(len(unverified), 10)], ", "))
		}
	}
	emails, err := incident.ParseEmails(c.PostForm("emails"))
	addProblems(inv, err)
	letters, err := incident.ParseLetters(c.PostForm("letters"))
	addProblems(inv, err)
	i.Emails, i.Letters = incident.KeepTold(i.Emails, emails), incident.KeepTold(i.Letters, letters)
	if err := i.Validate(s.Now()); err != nil {
		var v *apperr.Invalid
		if errors.As(err, &v) {
			inv.Problems = append(inv.Problems, v.Problems...)
		}
	}
	if len(inv.Problems) > 0 {
		s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: nilIfNew(i, id), New: id == "", Values: values}, inv)
		return
	}
	now := s.Now()
	if id == "" {
		i.ID, i.Recorded, i.RecordedBy = ids.New("inc"), now, u.ID
	}
	i.Updated, i.UpdatedBy = now, u.ID
	if err := s.Incidents.Save(ctx, i); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "incident.saved")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}

func addProblems(inv *apperr.Invalid, err error) {
	var v *apperr.Invalid
	if errors.As(err, &v) {
		inv.Problems = append(inv.Problems, v.Problems...)
	}
}

func nilIfNew(i *incident.Incident, id string) *incident.Incident {
	if id == "" {
		return nil
	}
	return i
}

// incidentReported records the report to the authority: when and its reference.
func (s *Server) incidentReported(c *gin.Context) {
	ctx := c.Request.Context()
	i, err := s.Incidents.Get(ctx, c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	inv := &apperr.Invalid{}
	at, err := time.ParseInLocation(localMinute, strings.TrimSpace(c.PostForm("reported_at")), web.Taipei)
	switch {
	case err != nil:
		inv.Add("reported_at", "incident.required")
	case at.Before(i.Discovered) || at.After(s.Now()):
		inv.Add("reported_at", "incident.reported_range")
	}
	ref := strings.TrimSpace(c.PostForm("report_ref"))
	switch {
	case ref == "":
		inv.Add("report_ref", "incident.required")
	case len([]rune(ref)) > 200:
		inv.Add("report_ref", "incident.too_long", 200)
	}
	if c.PostForm("version") != strconv.FormatInt(i.Version, 10) {
		s.Fail(c, apperr.ErrStale)
		return
	}
	if len(inv.Problems) > 0 {
		values := s.incidentValues(ctx, i)
		values["reported_at"], values["report_ref"] = c.PostForm("reported_at"), web.Clip(ref, 200)
		s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: values}, inv)
		return
	}
	i.ReportedAt, i.ReportRef, i.Updated, i.UpdatedBy = at, ref, s.Now(), web.CurrentUser(c).ID
	if err := s.Incidents.Save(ctx, i); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "incident.reported")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}

// incidentNotify tells everyone not told yet — accounts and addresses by mail in their
// own language, people with a postal address by a letter for the print run — of what
// happened and what was done (ER Art. 22), after a confirmation saying how many by each
// channel.
func (s *Server) incidentNotify(c *gin.Context) {
	ctx := c.Request.Context()
	i, err := s.Incidents.Get(ctx, c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	version := c.PostForm("version")
	if version != strconv.FormatInt(i.Version, 10) {
		s.Fail(c, apperr.ErrStale)
		return
	}
	pending := i.Pending()
	if !i.NotifiedAt.IsZero() && pending.Total() == 0 {
		s.AddFlash(c, web.FlashError, "incident.already_notified")
		c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
		return
	}
	if err := i.CheckNotify(); err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	// Mail once sent cannot be recalled: say to how many people it goes, then send.
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.incident_notify_title", TextKey: "confirm.incident_notify_text",
		TextArgs: []any{pending.Accounts, pending.Emails, pending.Letters},
		Action:   "/admin/incidents/" + i.ID + "/notify", Back: "/admin/incidents/" + i.ID}) {
		return
	}
	// Queued to the end even if the administrator's browser goes away meanwhile.
	i, res, err := s.IncidentNotices.Notify(context.WithoutCancel(ctx), i.ID, i.Version, web.CurrentUser(c).ID)
	if err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	s.AddFlashArgs(c, web.FlashSuccess, "incident.notified", res.Accounts, res.Emails, res.Letters)
	if res.Failed > 0 {
		s.AddFlashArgs(c, web.FlashError, "incident.notify_incomplete", res.Failed)
	}
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}

// incidentProblem shows the record again with what stops an action, or fails as usual.
func (s *Server) incidentProblem(c *gin.Context, i *incident.Incident, err error) {
	var inv *apperr.Invalid
	if i == nil || !errors.As(err, &inv) {
		s.Fail(c, err)
		return
	}
	values := s.incidentValues(c.Request.Context(), i)
	values["impracticable"] = web.Clip(c.PostForm("impracticable"), incident.MaxText)
	s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: values}, inv)
}

// incidentAnnounce publishes the incident on /announcements when telling each person
// would cost too much (ER Art. 22), after a confirmation: it cannot be withdrawn.
func (s *Server) incidentAnnounce(c *gin.Context) {
	ctx := c.Request.Context()
	i, err := s.Incidents.Get(ctx, c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	version, err := strconv.ParseInt(c.PostForm("version"), 10, 64)
	if err != nil || version != i.Version {
		s.Fail(c, apperr.ErrStale)
		return
	}
	reason := c.PostForm("impracticable")
	if err := i.CheckAnnounce(reason); err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.announce_title", TextKey: "confirm.announce_text",
		Action: "/admin/incidents/" + i.ID + "/announce", Back: "/admin/incidents/" + i.ID}) {
		return
	}
	i, err = s.IncidentNotices.Announce(ctx, i.ID, version, reason, web.CurrentUser(c).ID)
	if err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	s.announced.Forget()
	s.AddFlash(c, web.FlashSuccess, "incident.announced")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}

// incidentLetters is the print run of the incident's letters: one A4 page each, the
// address placed for a window envelope.
func (s *Server) incidentLetters(c *gin.Context) {
	i, err := s.Incidents.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	set, err := s.Letters.Settings(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := incidentLettersPage{Incident: i, Agency: web.AgencyOf(s.Agency), Set: set}
	for _, l := range i.LettersDue() {
		lang := l.LangOr(i18n.ZH)
		what, measures := i.Texts(lang)
		// An official letter (函) like a request's: its number from the same per-year
		// sequence, taken the first time the run is printed and kept.
		issued, err := s.Letters.Issue(c.Request.Context(), i.ID, i.LetterOf(l), l.ToldAt)
		if err != nil {
			s.Fail(c, err)
			return
		}
		p.Letters = append(p.Letters, incidentLetter{Contact: l, L: s.ViewIn(lang), What: what, Measures: measures,
			Number: issued.Number.Format(set.Prefix, lang)})
	}
	s.Render(c, http.StatusOK, "incident_letters", s.View(c, "incident.letters_title", p))
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
