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

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/vault"
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
		"report_ref": i.ReportRef}
}

// saveIncident creates or updates a record from the form; the people affected are
// entered as e-mail addresses, one a line, and must all be accounts.
func (s *Server) saveIncident(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	id := c.Param("id")
	i := &incident.Incident{}
	if id != "" {
		cur, err := s.Incidents.Get(ctx, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		i = cur
		if c.PostForm("version") != strconv.FormatInt(cur.Version, 10) {
			s.fail(c, apperr.ErrStale)
			return
		}
	}
	f := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
	values := map[string]string{}
	for _, k := range []string{"discovered", "title", "what", "data", "people", "measures", "what_en", "measures_en", "affected", "version"} {
		values[k] = c.PostForm(k)
	}
	inv := &apperr.Invalid{}
	i.Title, i.What, i.Data, i.Measures = f("title"), f("what"), f("data"), f("measures")
	i.WhatEN, i.MeasuresEN = f("what_en"), f("measures_en")
	if t, err := time.ParseInLocation(localMinute, f("discovered"), taipei); err == nil {
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
				unknown = append(unknown, clip(e, 100))
			case err != nil:
				s.fail(c, err)
				return
			case !acc.EmailVerified:
				// The notice names the incident and lands in the inbox: an account
				// never proven to own the address is not the person.
				unverified = append(unverified, clip(e, 100))
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
		i.ID, i.Recorded, i.RecordedBy = account.NewID("inc"), now, u.ID
	}
	i.Updated, i.UpdatedBy = now, u.ID
	if err := s.Incidents.Save(ctx, i); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "incident.saved")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
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
		s.fail(c, err)
		return
	}
	inv := &apperr.Invalid{}
	at, err := time.ParseInLocation(localMinute, strings.TrimSpace(c.PostForm("reported_at")), taipei)
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
		s.fail(c, apperr.ErrStale)
		return
	}
	if len(inv.Problems) > 0 {
		values := s.incidentValues(ctx, i)
		values["reported_at"], values["report_ref"] = c.PostForm("reported_at"), clip(ref, 200)
		s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: values}, inv)
		return
	}
	i.ReportedAt, i.ReportRef, i.Updated, i.UpdatedBy = at, ref, s.Now(), currentUser(c).ID
	if err := s.Incidents.Save(ctx, i); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "incident.reported")
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}

// incidentNotify tells every person affected, by mail in their own language, what
// happened and what was done (ER Art. 22). Each person's notice is named after the
// incident and the account, so pressing again — after a send cut off part-way, or for
// people added to the record since — queues only the notices not queued yet, and two
// presses at once send nobody two. Who was told is recorded after the mail is queued.
func (s *Server) incidentNotify(c *gin.Context) {
	ctx := c.Request.Context()
	i, err := s.Incidents.Get(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.PostForm("version") != strconv.FormatInt(i.Version, 10) {
		s.fail(c, apperr.ErrStale)
		return
	}
	untold := i.Untold()
	if !i.NotifiedAt.IsZero() && len(untold) == 0 {
		s.addFlash(c, flashError, "incident.already_notified")
		c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
		return
	}
	if strings.TrimSpace(i.Measures) == "" || len(i.Affected) == 0 {
		inv := &apperr.Invalid{}
		if strings.TrimSpace(i.Measures) == "" {
			inv.Add("measures", "incident.measures_first")
		}
		if len(i.Affected) == 0 {
			inv.Add("affected", "incident.nobody")
		}
		s.renderIncident(c, http.StatusBadRequest, incidentPage{Incident: i, Values: s.incidentValues(ctx, i)}, inv)
		return
	}
	// Mail once sent cannot be recalled: say to how many people it goes, then send.
	if !s.confirmed(c, confirmPage{TitleKey: "confirm.incident_notify_title", TextKey: "confirm.incident_notify_text", TextArgs: []any{len(untold)},
		Action: "/admin/incidents/" + i.ID + "/notify", Back: "/admin/incidents/" + i.ID}) {
		return
	}
	// Queued to the end even if the administrator's browser goes away meanwhile.
	ctx = context.WithoutCancel(ctx)
	sent, queued, failed := 0, 0, 0 // queued counts those queued by an earlier press too
	for _, id := range untold {
		u, err := s.Users.ByID(ctx, id)
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
				i.Told = append(i.Told, id) // erased since: nobody left to tell
			} else {
				failed++
			}
			continue
		}
		lang := u.Lang
		if lang == "" {
			lang = i18n.ZH
		}
		what, measures := i.Texts(lang)
		err = s.Accounts.Mailer.Send(ctx, account.Mail{ID: "incident-" + i.ID + "-" + u.ID, UserID: u.ID, To: u.Email, Lang: lang, Kind: "incident", Link: "/account",
			Args: []any{what, measures, i.Discovered.In(taipei).Format("2006-01-02 15:04")}})
		switch {
		case err == nil:
			sent++
		case errors.Is(err, apperr.ErrConflict): // queued by an earlier press
		default:
			s.Log.Error("incident notice not queued", "incident", i.ID, "err", err)
			failed++
			continue
		}
		queued++
		i.Told = append(i.Told, u.ID)
	}
	if queued > 0 && i.NotifiedAt.IsZero() { // the clock stops at the first notice queued, not at a press that reached nobody
		i.NotifiedAt = s.Now()
	}
	i.Notified += queued // people erased since are in Told but were not told
	i.Updated, i.UpdatedBy = s.Now(), currentUser(c).ID
	if err := s.Incidents.Save(ctx, i); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlashArgs(c, flashSuccess, "incident.notified", sent)
	if failed > 0 {
		s.addFlashArgs(c, flashError, "incident.notify_incomplete", failed)
	}
	c.Redirect(http.StatusSeeOther, "/admin/incidents/"+i.ID)
}
