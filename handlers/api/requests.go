package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

type apiRequestSummary struct {
	Ref      string `json:"ref"`
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Channel  string `json:"channel,omitempty"`
	Received string `json:"received"`
	Due      string `json:"due"`
	DaysLeft *int   `json:"daysLeft,omitempty"`
	Assignee string `json:"assignee,omitempty"`
}

type apiItem struct {
	Key     string   `json:"key"`
	Granted bool     `json:"granted"`
	Grounds []string `json:"grounds,omitempty"`
	Reason  string   `json:"reason,omitempty"`
}

type apiRequest struct {
	apiRequestSummary
	Subject     string    `json:"subject,omitempty"`
	Scope       string    `json:"scope,omitempty"`
	Purposes    []string  `json:"purposes,omitempty"`
	Whole       bool      `json:"whole,omitempty"`
	Field       string    `json:"field,omitempty"`
	Proposed    string    `json:"proposed,omitempty"`
	Explanation string    `json:"explanation,omitempty"`
	Extension   *apiExt   `json:"extension,omitempty"`
	Decision    *apiDec   `json:"decision,omitempty"`
	Fee         *apiFee   `json:"fee,omitempty"`
	Timeline    []apiStep `json:"timeline"`
	Version     int64     `json:"version"`
	Filed       time.Time `json:"filed"`
	DuplicateOf string    `json:"duplicateOf,omitempty"`
	Identity    string    `json:"identityLevel,omitempty"`
	Letters     []string  `json:"letters,omitempty"`
}

type apiExt struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	OldDue string    `json:"originalDue"`
}

type apiDec struct {
	Outcome string    `json:"outcome"`
	At      time.Time `json:"at"`
	Items   []apiItem `json:"items"`
}

type apiFee struct {
	Total  int    `json:"totalNTD"`
	Status string `json:"status"`
	// PayBy is the last day to pay (YYYY-MM-DD); PaidOn the day a recorded payment was made.
	PayBy  string `json:"payBy,omitempty"`
	PaidOn string `json:"paidOn,omitempty"`
}

type apiStep struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Note   string    `json:"note,omitempty"`
	// Said: what the portal recorded (what fulfilling did), in the caller's language.
	Said []string `json:"said,omitempty"`
}

type apiNote struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	From  string    `json:"from"`
	Body  string    `json:"body,omitempty"`
	Files []string  `json:"files,omitempty"`
}

func summaryOf(r *rights.Request, today rights.Date) apiRequestSummary {
	out := apiRequestSummary{Ref: r.Ref, Kind: string(r.Kind), State: string(r.State), Channel: r.Channel, Received: r.Received.String(),
		Due: r.Due.String(), Assignee: r.Assignee}
	if r.State.Open() {
		n := rights.DaysLeft(r.Due, today)
		out.DaysLeft = &n
	}
	return out
}

func (h *Handlers) apiRequestOf(c *gin.Context, r *rights.Request, withSubject bool) (*apiRequest, error) {
	steps, err := h.timeline.Steps(c.Request.Context(), r.Ref, false)
	if err != nil {
		return nil, err
	}
	out := &apiRequest{apiRequestSummary: summaryOf(r, rights.DateOf(h.Now())), Scope: r.Scope, Purposes: r.Purposes, Whole: r.Whole, Field: r.Field,
		Proposed: r.Proposed, Explanation: r.Explanation, Version: r.Version, Filed: r.Filed, DuplicateOf: r.DuplicateOf,
		Timeline: make([]apiStep, len(steps))}
	out.Assignee = ""
	if withSubject {
		out.Subject, out.Assignee, out.Identity = r.Subject, r.Assignee, string(r.IdentityLevel)
		if r.Erased {
			out.Subject = "" // named only until its erasure finishes, and only for that
		}
	}
	names, err := h.PurposeNames(c.Request.Context())
	if err != nil {
		return nil, err
	}
	v := h.TextView(c)
	for i, st := range steps {
		said, note := h.SaidOf(st)
		out.Timeline[i] = apiStep{At: st.At, Action: st.Action, Note: note}
		for _, sd := range said {
			out.Timeline[i].Said = append(out.Timeline[i].Said, v.SayText(sd, names))
		}
	}
	if e := r.Extension; e != nil {
		out.Extension = &apiExt{Reason: e.Reason, At: e.At, OldDue: e.OldDue.String()}
		out.Letters = append(out.Letters, "/requests/"+r.Ref+"/letters/extension")
	}
	if d := r.Decision; d != nil {
		out.Decision = &apiDec{Outcome: string(d.Outcome), At: d.At}
		for _, it := range d.Items {
			out.Decision.Items = append(out.Decision.Items, apiItem(it))
		}
		out.Letters = append(out.Letters, "/requests/"+r.Ref+"/letters/decision")
	}
	if f := r.Fee; f != nil {
		out.Fee = &apiFee{Total: f.Total, Status: string(f.Status)}
		if !f.PayBy.IsZero() {
			out.Fee.PayBy = f.PayBy.String()
		}
		if f.Payment != nil {
			out.Fee.PaidOn = f.Payment.On.String()
		}
	}
	return out, nil
}

// MyRequests lists the signed-in person's requests, newest first.
func (h *Handlers) MyRequests(c *gin.Context) error {
	rs, err := h.requests.ForSubject(c.Request.Context(), web.CurrentUser(c).ID)
	if err != nil {
		return err
	}
	today := rights.DateOf(h.Now())
	out := make([]apiRequestSummary, len(rs))
	for i, r := range rs {
		out[i] = summaryOf(r, today)
	}
	web.WriteJSON(c.Writer, http.StatusOK, gin.H{"requests": out})
	return nil
}

func (h *Handlers) MyRequest(c *gin.Context) error {
	r, err := h.OwnRequest(c)
	if err != nil {
		return err
	}
	out, err := h.apiRequestOf(c, r, false)
	if err != nil {
		return err
	}
	web.WriteJSON(c.Writer, http.StatusOK, out)
	return nil
}

type apiFiling struct {
	Kind     string   `json:"kind"`
	Scope    string   `json:"scope"`
	Purposes []string `json:"purposes"`
	// Whole: a stop or delete about the whole account (a deletion closes it), instead
	// of purposes.
	Whole       bool   `json:"whole"`
	Field       string `json:"field"`
	Proposed    string `json:"proposed"`
	Explanation string `json:"explanation"`
}

// FileRequest files a request for the signed-in person: the same rules as the form,
// the same confirmation mail; 201 with the reference and due date once it is stored.
func (h *Handlers) FileRequest(c *gin.Context) error {
	var f apiFiling
	if err := h.decodeJSON(c, &f); err != nil {
		return err
	}
	u := web.CurrentUser(c)
	if !u.EmailVerified {
		return &web.PageError{Status: http.StatusForbidden, Key: "request.verify_first"}
	}
	// The same text rule as the forms: no invalid UTF-8, NUL or other control characters.
	texts := append([]string{f.Kind, f.Scope, f.Field, f.Proposed, f.Explanation}, f.Purposes...)
	for _, t := range texts {
		if !forms.ValidText(t) {
			return &apperr.Invalid{Problems: []apperr.Problem{{Key: forms.KeyInvalidText}}}
		}
	}
	if len(f.Purposes) > 50 {
		return &apperr.Invalid{Problems: []apperr.Problem{{Field: "purposes", Key: "field.too_many", Args: []any{50}}}}
	}
	r := &rights.Request{Kind: rights.Kind(f.Kind), Subject: u.ID, Channel: rights.ChannelWeb, Scope: f.Scope, Purposes: f.Purposes,
		Whole: f.Whole, Field: f.Field, Proposed: f.Proposed, Explanation: f.Explanation}
	// Checked by the form's rules, then filed only with its confirmation mail queued
	// (casework: File).
	if _, err := h.casework.File(c.Request.Context(), casework.Filing{Request: r, Citizen: &casework.Citizen{ID: u.ID, Email: u.Email, Lang: c.GetString(web.KeyLang)}}); err != nil {
		return err
	}
	c.Header("Location", web.APIPrefix+"/me/requests/"+r.Ref)
	web.WriteJSON(c.Writer, http.StatusCreated, summaryOf(r, rights.DateOf(h.Now())))
	return nil
}

func (h *Handlers) MyMessages(c *gin.Context) error {
	r, err := h.OwnRequest(c)
	if err != nil {
		return err
	}
	ms, err := h.messages.Messages(c.Request.Context(), r.Ref)
	if err != nil {
		return err
	}
	out := make([]apiNote, len(ms))
	for i, m := range ms {
		out[i] = apiNote{ID: m.ID, At: m.At, From: m.Role, Body: m.Body, Files: m.Files}
	}
	web.WriteJSON(c.Writer, http.StatusOK, gin.H{"messages": out})
	return nil
}

type apiMessage struct {
	Body string `json:"body"`
}

// PostMyMessage adds a text message to the person's request (files go through the
// web form, which checks them by content).
func (h *Handlers) PostMyMessage(c *gin.Context) error {
	r, err := h.OwnRequest(c)
	if err != nil {
		return err
	}
	var f apiMessage
	if err := h.decodeJSON(c, &f); err != nil {
		return err
	}
	v := &apperr.Invalid{}
	textProblemAPI(v, "body", f.Body, rights.MaxMessage)
	if err := v.OrNil(); err != nil {
		return err
	}
	m, err := h.casework.PostMessage(c.Request.Context(), casework.Message{Request: r, Role: "requester", AuthorID: web.CurrentUser(c).ID, Body: f.Body})
	if err != nil {
		return err
	}
	web.WriteJSON(c.Writer, http.StatusCreated, apiNote{ID: m.ID, At: m.At, From: m.Role, Body: m.Body})
	return nil
}

func textProblemAPI(v *apperr.Invalid, field, value string, max int) {
	switch {
	case strings.TrimSpace(value) == "":
		v.Add(field, "field.required")
	case len([]rune(value)) > max:
		v.Add(field, "field.too_long", max)
	case !forms.ValidText(value):
		v.Add(field, forms.KeyInvalidText)
	}
}

// Queue is the open requests for the agency's systems, soonest due first, optionally
// of one kind or state.
func (h *Handlers) Queue(c *gin.Context) error {
	rs, err := h.requests.Open(c.Request.Context())
	if err != nil {
		return err
	}
	kind, state := c.Query("kind"), c.Query("state")
	today := rights.DateOf(h.Now())
	out := []apiRequestSummary{}
	counts := map[string]int{}
	for _, r := range rs {
		counts[string(r.State)]++
		if (kind == "" || string(r.Kind) == kind) && (state == "" || string(r.State) == state) {
			out = append(out, summaryOf(r, today))
		}
	}
	web.WriteJSON(c.Writer, http.StatusOK, gin.H{"requests": out, "counts": counts})
	return nil
}

// QueuedRequest is one request for the agency's systems, with the subject's id and the
// timeline the requester sees (internal notes stay in the portal).
func (h *Handlers) QueuedRequest(c *gin.Context) error {
	r, err := h.Request(c)
	if err != nil {
		return err
	}
	out, err := h.apiRequestOf(c, r, true)
	if err != nil {
		return err
	}
	web.WriteJSON(c.Writer, http.StatusOK, out)
	return nil
}
