package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/audit"
)

// KeyAuditActor names who acted when the session did not know yet (a sign-in, a
// sign-up): set by those handlers on success.
const KeyAuditActor = "audit_actor"

// targetParams are the route parameters that name the record acted on, in preference.
// A person (subject) names the record better than a purpose of the public catalogue.
var targetParams = []string{"ref", "id", "subject", "purpose", "letter"}

// KeyAuditOutcome overrides the outcome the status gives (a CSV cut short after its
// 200 was sent failed).
const KeyAuditOutcome = "audit_outcome"

// keyAuditBegun holds the sequence number of the request's opening event (AuditBegin);
// keyAuditRefused marks a request refused because that event could not be written.
const (
	keyAuditBegun   = "audit_begun"
	keyAuditRefused = "audit_refused"
)

// AuditTrail records, after the handler, every request that changes something (any
// method but GET and HEAD: staff actions, citizens' requests and consents, sign-ins
// and their failures, administrative changes, API writes) and every page where staff
// look at one person's record. Details are the route's parameters and the status: never
// form contents.
//
// The trail fails closed: a request that may change something is first recorded as
// "pending" (AuditBegin, once the session names the actor) and refused with a 503 if
// that cannot be written, so nothing is done that the trail does not show. The event
// written here afterwards names the pending one (details "opened") and carries the
// outcome; if it is lost (the disk filled in between), the pending event still says who
// tried what, and when. Two events per change cost one more append (about 5 ms) and
// leave the hash chain and its verification as they were: an event is never changed
// after it is written.
func (s *Core) AuditTrail(c *gin.Context) {
	c.Next()
	if s.Audit == nil || c.GetBool(keyAuditRefused) {
		return
	}
	if !s.audited(c) {
		return
	}
	e := s.auditEvent(c)
	switch status := c.Writer.Status(); {
	case status >= 500:
		e.Outcome = audit.Failed
	case status >= 400:
		e.Outcome = audit.Refused
	default:
		e.Outcome = audit.OK
	}
	if o := c.GetString(KeyAuditOutcome); o != "" {
		e.Outcome = o
	}
	e.Details["status"] = strconv.Itoa(c.Writer.Status())
	if crossOrigin(c.Request) {
		e.Details["refused"] = "cross-origin"
	}
	if v, ok := c.Get(keyAuditBegun); ok {
		e.Details["opened"] = strconv.FormatInt(v.(int64), 10)
	}
	// The request's own context may be cancelled once the answer is sent.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), auditTimeout)
	defer cancel()
	if err := s.Audit.Append(ctx, e); err != nil {
		s.Log.Error("audit outcome not recorded (its pending event stands)", "request_id", c.GetString(KeyRequestID), "action", e.Action, "err", err)
	}
}

// AuditBegin writes the pending event of a request that may change something, before
// its handler runs; when that fails the request is refused (503) and false returned.
// Reading requests, and anonymous ones that change nothing, pass without an event.
func (s *Core) AuditBegin(c *gin.Context) bool {
	r := c.Request
	if s.Audit == nil || r.Method == http.MethodGet || r.Method == http.MethodHead || !s.audited(c) {
		return true
	}
	if _, ok := c.Get(keyAuditBegun); ok {
		return true
	}
	e := s.auditEvent(c)
	e.Outcome = audit.Pending
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditTimeout)
	defer cancel()
	if err := s.Audit.Append(ctx, e); err != nil {
		c.Set(keyAuditRefused, true)
		s.Log.Error("audit trail not writable: request refused", "request_id", c.GetString(KeyRequestID), "action", e.Action, "err", err)
		if !apperr.IsStorageFull(err) {
			err = fmt.Errorf("%w: audit trail: %v", apperr.ErrUnavailable, err)
		}
		s.Fail(c, err)
		return false
	}
	c.Set(keyAuditBegun, e.Seq)
	return true
}

// audited reports whether the request becomes an event: anything that may change
// something, and staff opening one record, exporting or searching.
func (s *Core) audited(c *gin.Context) bool {
	r := c.Request
	route := c.FullPath()
	if route == "" || s.route(c).Unaudited {
		return false
	}
	u := actorOf(c)
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// Reading: an API token reading one record (a person's consent, a request, a
		// disclosure, a file: the route names it), or staff opening one record (a
		// request, an account, a disclosure), exporting a list (CSV) or searching one.
		if tokenOf(c) != nil && len(c.Params) > 0 {
			return true
		}
		return u != nil && u.IsStaff() && s.route(c).StaffViews &&
			(len(c.Params) > 0 || strings.HasSuffix(route, ".csv") || r.URL.Query().Get("q") != "")
	}
	return u != nil || tokenOf(c) != nil || !s.route(c).AnonymousNoOp
}

// CrossOriginKey marks a request the cross-origin guard refused (Server.Handler).
type CrossOriginKey struct{}

func crossOrigin(r *http.Request) bool { return r.Context().Value(CrossOriginKey{}) != nil }

// RefuseCrossOrigin answers a request the cross-origin guard refused, inside Gin so
// that the route is known and the refusal becomes an event like any refused request
// (an anonymous no-op stays none). The event names the signed-in person, found without
// the session middleware's side effects (touching or clearing the session); no
// pending event is written, as nothing is begun.
func (s *Core) RefuseCrossOrigin(c *gin.Context) {
	if !crossOrigin(c.Request) {
		c.Next()
		return
	}
	if u := s.sessionUser(c); u != nil {
		c.Set(KeyAuditActor, u)
	}
	s.RenderError(c, http.StatusForbidden, "error.cross_origin")
}

// sessionUser is the person a valid session cookie names, read only; nil otherwise.
func (s *Core) sessionUser(c *gin.Context) *account.User {
	token, ok := s.readSessionCookie(c.Request)
	if !ok {
		return nil
	}
	ctx := c.Request.Context()
	se, err := s.Sessions.Get(ctx, account.TokenHash(token))
	if err != nil {
		return nil
	}
	u, err := s.Users.ByID(ctx, se.UserID)
	if err != nil || u.Disabled || u.Expired(s.Now()) || !s.Opt.Sessions.Valid(se, u.IsStaff(), s.Now()) {
		return nil
	}
	return u
}

// actorOf is who acts: the one a sign-in or sign-up named, else the session's user.
func actorOf(c *gin.Context) *account.User {
	if v, ok := c.Get(KeyAuditActor); ok {
		return v.(*account.User)
	}
	return CurrentUser(c)
}

// auditEvent is the request's event without its outcome and status.
func (s *Core) auditEvent(c *gin.Context) *audit.Event {
	r := c.Request
	route := c.FullPath()
	u := actorOf(c)
	method := r.Method
	if isHead(r) {
		method = http.MethodHead // served as a GET without its body
	}
	e := &audit.Event{At: s.Now(), Action: method + " " + route, Actor: audit.ActorAnonymous, Role: "", Details: map[string]string{}}
	for _, p := range c.Params {
		e.Details[p.Key] = Clip(p.Value, 64)
	}
	if strings.HasSuffix(route, ".csv") {
		e.Details["export"] = "csv"
	}
	for _, k := range targetParams {
		if v := c.Param(k); v != "" {
			e.Target = Clip(v, 64)
			break
		}
	}
	switch {
	case u != nil:
		e.Actor, e.Role = u.ID, rolesOf(u)
		if u.IsStaff() {
			e.Addr = c.ClientIP()
		}
	case tokenOf(c) != nil:
		tok := tokenOf(c)
		e.Actor, e.Role = "token:"+tok.Hash[:min(12, len(tok.Hash))], "api"
	case strings.HasPrefix(route, "/guest/requests/:ref"):
		e.Actor, e.Role = "guest", "guest"
	}
	return e
}

// auditTimeout bounds recording one event after the answer is sent.
const auditTimeout = 10 * time.Second

func tokenOf(c *gin.Context) *apitoken.Token {
	if v, ok := c.Get(KeyAPIToken); ok {
		return v.(*apitoken.Token)
	}
	return nil
}

func rolesOf(u *account.User) string {
	if len(u.Roles) == 0 {
		return "citizen"
	}
	rs := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		rs[i] = string(r)
	}
	sort.Strings(rs)
	return strings.Join(rs, ",")
}

// Clip makes s valid UTF-8 (a route parameter can carry any bytes, and the database
// would store a replacement character, breaking the event's hash) and at most n bytes,
// cut on a character boundary.
func Clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
