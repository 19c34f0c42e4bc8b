package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/incident"
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
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "incidents", s.view(c, "incident.list_title", incidentsPage{Incidents: list, Now: s.Now()}))
}

func (s *Server) newIncidentPage(c *gin.Context) {
	s.renderIncident(c, http.StatusOK, incidentPage{New: true, Values: map[string]string{"discovered": s.Now().In(taipei).Format(localMinute)}}, nil)
}

func (s *Server) renderIncident(c *gin.Context, status int, p incidentPage, inv *apperr.Invalid) {
	p.Now = s.Now()
	title := "incident.new_title"
	if !p.New {
		title = "incident.title"
	}
	v := s.view(c, title, p)
	if inv != nil {
		v.Problems = inv.Problems
	}
	s.render(c, status, "incident", v)
}

func (s *Server) incidentPage(c *gin.Context) {
	i, err := s.Incidents.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
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
	return map[string]string{"discovered": i.Discovered.In(taipei).Format(localMinute), "title": i.Title, "what": i.What, "data": i.Data,
		"people": strconv.Itoa(i.People), "measures": i.Measures, "what_en": i.WhatEN, "measures_en": i.MeasuresEN, "affected": strings.Join(emails, "\n"), "version": strconv.FormatInt(i.Version, 10),
		"report_ref": i.ReportRef, "emails": incident.EmailLines(i.Emails), "letters": incident.LetterLines(i.Letters)}
}

// saveIncident creates or updates a record from the form. The people affected are
// entered three ways: accounts by their e-mail address, addresses without an account
// (told by e-mail), and names with postal addresses (told by letter).
func (s *Server) saveIncident(c *gin.Context) {
	id := c.Param("id")
	values := map[string]string{}
	for _, k := range []string{"discovered", "title", "what", "data", "people", "measures", "what_en", "measures_en", "affected", "emails", "letters", "version"} {
		values[k] = c.PostForm(k)
	}
	cmd := incident.SaveCommand{ID: id, Version: formVersion(c), Discovered: formMinute(c, "discovered"), People: -1,
		Title: c.PostForm("title"), What: c.PostForm("what"), Data: c.PostForm("data"), Measures: c.PostForm("measures"),
		WhatEN: c.PostForm("what_en"), MeasuresEN: c.PostForm("measures_en"),
		Affected: c.PostForm("affected"), Emails: c.PostForm("emails"), Letters: c.PostForm("letters"), By: currentUser(c).ID}
	if n, err := strconv.Atoi(strings.TrimSpace(c.PostForm("people"))); err == nil {
		cmd.People = n
	}
	i, err := s.IncidentNotices.Save(c.Request.Context(), cmd)
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &inv):
		s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: nilIfNew(i, id), New: id == "", Values: values}, inv)
	case err != nil:
		s.fail(c, err)
	default:
		s.addFlash(c, flashSuccess, "incident.saved")
		c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
	}
}

// formVersion is the version the form was read at (-1, never a version, when it is not
// a number).
func formVersion(c *gin.Context) int64 {
	v, err := strconv.ParseInt(c.PostForm("version"), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

// formMinute reads a date-and-time field in Taiwan time; zero when it cannot.
func formMinute(c *gin.Context, key string) time.Time {
	t, err := time.ParseInLocation(localMinute, strings.TrimSpace(c.PostForm(key)), taipei)
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

// incidentReported records the report to the authority: when and its reference.
func (s *Server) incidentReported(c *gin.Context) {
	ctx := c.Request.Context()
	i, err := s.IncidentNotices.Reported(ctx, incident.ReportCommand{ID: c.Param("id"), Version: formVersion(c),
		At: formMinute(c, "reported_at"), Ref: c.PostForm("report_ref"), By: currentUser(c).ID})
	var inv *apperr.Invalid
	switch {
	case errors.As(err, &inv):
		values := s.incidentValues(ctx, i)
		values["reported_at"], values["report_ref"] = c.PostForm("reported_at"), clip(strings.TrimSpace(c.PostForm("report_ref")), incident.MaxReportRef)
		s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: values}, inv)
	case err != nil:
		s.fail(c, err)
	default:
		s.addFlash(c, flashSuccess, "incident.reported")
		c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
	}
}

// incidentNotify tells everyone not told yet — accounts and addresses by mail in their
// own language, people with a postal address by a letter for the print run — of what
// happened and what was done (ER Art. 22), after a confirmation saying how many by each
// channel.
func (s *Server) incidentNotify(c *gin.Context) {
	ctx := c.Request.Context()
	i, err := s.Incidents.Get(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	version := c.PostForm("version")
	if version != strconv.FormatInt(i.Version, 10) {
		s.fail(c, apperr.ErrStale)
		return
	}
	pending := i.Pending()
	if !i.NotifiedAt.IsZero() && pending.Total() == 0 {
		s.addFlash(c, flashError, "incident.already_notified")
		c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
		return
	}
	if err := i.CheckNotify(); err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	// Mail once sent cannot be recalled: say to how many people it goes, then send.
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.incident_notify_title", TextKey: "confirm.incident_notify_text",
		TextArgs: []any{pending.Accounts, pending.Emails, pending.Letters},
		Action:   "/admin/incidents/" + i.ID + "/notify", Back: "/admin/incidents/" + i.ID}) {
		return
	}
	// Queued to the end even if the administrator's browser goes away meanwhile.
	i, res, err := s.IncidentNotices.Notify(context.WithoutCancel(ctx), i.ID, i.Version, currentUser(c).ID)
	if err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	s.addFlashArgs(c, flashSuccess, "incident.notified", res.Accounts, res.Emails, res.Letters)
	if res.Failed > 0 {
		s.addFlashArgs(c, flashError, "incident.notify_incomplete", res.Failed)
	}
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}

// incidentProblem shows the record again with what stops an action, or fails as usual.
func (s *Server) incidentProblem(c *gin.Context, i *incident.Incident, err error) {
	var inv *apperr.Invalid
	if i == nil || !errors.As(err, &inv) {
		s.fail(c, err)
		return
	}
	values := s.incidentValues(c.Request.Context(), i)
	values["impracticable"] = clip(c.PostForm("impracticable"), incident.MaxText)
	s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: values}, inv)
}

// incidentAnnounce publishes the incident on /announcements when telling each person
// would cost too much (ER Art. 22), after a confirmation: it cannot be withdrawn.
func (s *Server) incidentAnnounce(c *gin.Context) {
	ctx := c.Request.Context()
	i, err := s.Incidents.Get(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	version, err := strconv.ParseInt(c.PostForm("version"), 10, 64)
	if err != nil || version != i.Version {
		s.fail(c, apperr.ErrStale)
		return
	}
	reason := c.PostForm("impracticable")
	if err := i.CheckAnnounce(reason); err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.announce_title", TextKey: "confirm.announce_text",
		Action: "/admin/incidents/" + i.ID + "/announce", Back: "/admin/incidents/" + i.ID}) {
		return
	}
	i, err = s.IncidentNotices.Announce(ctx, i.ID, version, reason, currentUser(c).ID)
	if err != nil {
		s.incidentProblem(c, i, err)
		return
	}
	s.forgetAnnouncements()
	s.addFlash(c, flashSuccess, "incident.announced")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}

// incidentLetters is the print run of the incident's letters: one A4 page each, the
// address placed for a window envelope.
func (s *Server) incidentLetters(c *gin.Context) {
	i, err := s.Incidents.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	set, err := s.Letters.Settings(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	p := incidentLettersPage{Incident: i, Agency: s.agency(), Set: set}
	for _, l := range i.LettersDue() {
		lang := l.LangOr(i18n.ZH)
		what, measures := i.Texts(lang)
		// An official letter (函) like a request's: its number from the same per-year
		// sequence, taken the first time the run is printed and kept.
		issued, err := s.Letters.Issue(c.Request.Context(), i.ID, i.LetterOf(l), l.ToldAt)
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Letters = append(p.Letters, incidentLetter{Contact: l, L: &View{Lang: lang, s: s}, What: what, Measures: measures,
			Number: issued.Number.Format(set.Prefix, lang)})
	}
	s.render(c, http.StatusOK, "incident_letters", s.view(c, "incident.letters_title", p))
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
	L              *View
	What, Measures string
	Number         string // 發文字號, in the letter's language
}
