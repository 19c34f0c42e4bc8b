package handlers

import (
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/handlers/web"
)

// routes is the one route table: each route with its handlers and, beside them, its
// properties (a counted page's title, an upload's body limit, what the audit trail skips
// or records of reading, what is never counted). An area declares what all its routes share.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	root := &r.RouterGroup
	rt := &routeTable{props: map[string]*web.RouteProps{}, areas: map[*gin.RouterGroup]web.RouteProps{}}
	defer s.SetRoutes(rt.props)
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = true
	proxies := make([]string, len(s.Opt.TrustedProxies))
	for i, p := range s.Opt.TrustedProxies {
		proxies[i] = p.String()
	}
	if len(proxies) == 0 {
		proxies = nil
	}
	_ = r.SetTrustedProxies(proxies) // already validated by the configuration

	// The audit trail wraps the recoverer and the body limit, so a request that ends in a
	// panic or is refused as too large is recorded too.
	r.Use(s.measure, s.AuditTrail, s.Recoverer, s.AccessLog, s.SecurityHeaders, s.RefuseCrossOrigin, s.LimitBody, s.Language, s.whilePreparing, s.Count)

	rt.get(root, "/healthz", s.healthz).uncounted()
	rt.get(root, "/readyz", s.readyz).uncounted()
	rt.get(root, "/.well-known/gpc.json", s.gpc).uncounted()
	rt.get(root, "/static/:hash/*path", s.Static).uncounted()
	rt.get(root, "/lang", s.H(s.public.SwitchLanguage)).uncounted()

	site := r.Group("/", s.Session, s.ForcePasswordChange)
	rt.get(site, "/", s.H(s.public.Home)).titled("home.title")
	rt.get(site, "/privacy", s.H(s.public.Privacy)).titled("privacy.title")
	rt.get(site, "/setup", s.H(s.public.SetupForm)).titled("setup.title")
	rt.post(site, "/setup", s.H(s.public.SetupSubmit))
	rt.get(site, "/signup", s.H(s.public.SignUpPage)).titled("signup.title")
	rt.post(site, "/signup", s.H(s.public.SignUpSubmit))
	rt.get(site, "/mail-sent", s.H(s.public.MailSent)).titled("mail_sent.signup.title")
	rt.post(site, "/mail-sent", s.H(s.public.ResendFromMailSent))
	rt.get(site, "/verify", s.H(s.public.Verify)).titled("signin.title")
	rt.get(site, "/signin", s.H(s.public.SignInPage)).titled("signin.title")
	rt.post(site, "/signin", s.H(s.public.SignInSubmit))
	rt.post(site, "/signout", s.H(s.public.SignOut)).anonymousNoOp()
	rt.get(site, "/forgot", s.H(s.public.ForgotPage)).titled("forgot.title")
	rt.post(site, "/forgot", s.H(s.public.ForgotSubmit))
	rt.get(site, "/reset", s.H(s.public.ResetPage)).titled("reset.title")
	rt.post(site, "/reset", s.H(s.public.ResetSubmit))
	rt.get(site, "/privacy/changes", s.H(s.public.NoticeChanges)).titled("changes.title")
	rt.get(site, "/privacy/versions/:n", s.H(s.public.NoticeVersion)).titled("privacy.title")
	rt.post(site, "/notice/dismiss", s.H(s.public.DismissNotice)).anonymousNoOp()
	rt.get(site, "/receipts/verify", s.H(s.public.VerifyReceiptPage)).titled("verify.title")
	rt.get(site, "/transparency", s.H(s.public.Transparency)).titled("transparency.title")
	rt.get(site, "/privacy/files", s.H(s.public.PublicFiles)).titled("inventory.public_title")
	rt.get(site, "/fees", s.H(s.public.PublicFees)).titled("fees.public_title")
	rt.get(site, "/announcements", s.H(s.public.AnnouncementsList)).titled("announce.list_title")
	rt.get(site, "/announcements/:id", s.H(s.public.AnnouncementPage)).titled("announce.title")
	rt.get(site, "/cookies", s.H(s.public.CookiesPage)).titled("cookies.title")
	rt.post(site, "/cookies", s.H(s.public.SaveCookieChoice)).unaudited()
	// Guests: requests without an account, followed with a mailed code.
	rt.get(site, "/guest/requests/new", s.H(s.public.GuestNewPage)).titled("request.new_title")
	rt.post(site, "/guest/requests", s.H(s.public.GuestFileRequest)).upload()
	rt.get(site, "/guest/requests/:ref/confirm", s.H(s.public.GuestConfirmPage)).titled("guest.confirm_title")
	rt.post(site, "/guest/requests/:ref/confirm", s.H(s.public.GuestConfirm))
	rt.get(site, "/guest/requests/:ref", s.H(s.public.GuestDetail)).titled("request.title")
	rt.post(site, "/guest/requests/:ref/withdraw", s.H(s.public.GuestWithdraw))
	rt.post(site, "/guest/requests/:ref/messages", s.H(s.public.GuestMessage)).upload()
	rt.get(site, "/guest/requests/:ref/letters/:letter", s.H(s.public.GuestLetter)).titled("letter.decision_title")
	rt.get(site, "/guest/requests/:ref/files/:id", s.H(s.public.GuestDownload))
	rt.get(site, "/guest/requests/:ref/package", s.H(s.public.GuestPackage))
	rt.get(site, "/guest/track", s.H(s.public.GuestTrackPage)).titled("guest.track_title")
	rt.post(site, "/guest/track", s.H(s.public.GuestTrack))
	rt.post(site, "/receipts/verify", s.H(s.public.VerifyReceipt)).anonymousNoOp()

	// Anyone signed in: their own account.
	me := site.Group("/account", s.RequireUser)
	rt.get(me, "", s.H(s.citizen.AccountPage)).titled("account.title")
	rt.post(me, "/profile", s.H(s.citizen.ProfileSubmit))
	rt.post(me, "/verify", s.H(s.citizen.ResendVerification))
	rt.get(me, "/password", s.H(s.citizen.PasswordPage)).titled("password.title")
	rt.post(me, "/password", s.H(s.citizen.PasswordSubmit))
	rt.post(me, "/restriction/lift", s.H(s.citizen.LiftRestriction))
	rt.get(me, "/data", s.H(s.citizen.MyData)).titled("mydata.title")
	rt.get(me, "/data.json", s.H(s.citizen.MyDataJSON))
	rt.get(me, "/inbox", s.H(s.citizen.Inbox)).titled("inbox.title")
	rt.get(me, "/inbox/:id", s.H(s.citizen.InboxMessage)).titled("message.title")
	rt.get(me, "/sessions", s.H(s.citizen.MySessions)).titled("sessions.title")
	rt.post(me, "/sessions/end", s.H(s.citizen.EndMySession))
	rt.post(me, "/sessions/end-others", s.H(s.citizen.EndMyOtherSessions))
	rt.get(me, "/consents", s.H(s.citizen.ConsentsPage)).titled("consents.title")
	rt.post(me, "/consents", s.H(s.citizen.ChangeConsent))
	rt.post(me, "/consents/review", s.H(s.citizen.ReviewConsents))
	rt.get(me, "/consents/receipts/:id", s.H(s.citizen.ReceiptView)).titled("receipt.title")
	rt.get(me, "/consents/receipts/:id/download", s.H(s.citizen.ReceiptDownload))

	// Requests: a signed-in person's own.
	reqs := site.Group("/requests", s.RequireUser)
	rt.get(reqs, "", s.H(s.citizen.MyRequests)).titled("requests.title")
	rt.get(reqs, "/new", s.H(s.citizen.NewRequestPage)).titled("request.new_title")
	rt.post(reqs, "", s.H(s.citizen.FileRequest)).upload()
	rt.get(reqs, "/:ref", s.H(s.citizen.RequestDetail)).titled("request.title")
	rt.post(reqs, "/:ref/withdraw", s.H(s.citizen.WithdrawRequest))
	rt.get(reqs, "/:ref/letters/:letter", s.H(s.citizen.RequesterLetter)).titled("letter.decision_title")
	rt.post(reqs, "/:ref/messages", s.H(s.citizen.RequesterMessage)).upload()
	rt.get(reqs, "/:ref/files/:id", s.H(s.citizen.RequesterDownload))
	rt.get(reqs, "/:ref/package", s.H(s.citizen.RequesterPackage))

	// Staff of any role.
	staff := rt.area(site.Group("/staff", s.RequireRole(account.Roles...)), uncounted)
	rt.get(staff, "", s.H(s.staff.StaffHome))

	// Privacy officers.
	officer := rt.area(site.Group("/officer", s.RequireRole(account.RoleOfficer)), staffArea)
	rt.get(officer, "/queue", s.H(s.officer.Queue))
	rt.get(officer, "/queue.csv", s.H(s.officer.QueueCSV))
	rt.get(officer, "/intake", s.H(s.officer.IntakePage))
	rt.get(officer, "/disclosures", s.H(s.officer.DisclosuresList))
	rt.get(officer, "/disclosures.csv", s.H(s.officer.DisclosuresCSV))
	rt.get(officer, "/disclosures/report", s.H(s.officer.DisclosuresReport))
	rt.get(officer, "/disclosures/new", s.H(s.officer.NewDisclosurePage))
	rt.post(officer, "/disclosures", s.H(s.officer.SaveDisclosure)).upload()
	rt.get(officer, "/disclosures/:id", s.H(s.officer.DisclosurePageFor))
	rt.post(officer, "/disclosures/:id", s.H(s.officer.SaveDisclosure)).upload()
	rt.get(officer, "/disclosures/:id/files/:fid", s.H(s.officer.DisclosureFile))
	rt.post(officer, "/intake", s.H(s.officer.IntakeSubmit)).upload()
	rt.get(officer, "/post", s.H(s.officer.PostList))
	rt.get(officer, "/post/print", s.H(s.officer.PostPrint))
	rt.get(officer, "/requests/:ref", s.H(s.officer.OfficerRequest))
	rt.get(officer, "/requests/:ref/decide", s.H(s.officer.DecidePage))
	rt.post(officer, "/requests/:ref/:action", s.H(s.officer.OfficerAct)).upload()
	rt.get(officer, "/requests/:ref/letters/:letter", s.H(s.officer.OfficerLetter))
	rt.get(officer, "/requests/:ref/files/:id", s.H(s.officer.OfficerDownload))
	rt.get(officer, "/consents", s.H(s.officer.PaperConsentForm))
	rt.post(officer, "/consents", s.H(s.officer.PaperConsentSubmit)).upload()
	rt.get(officer, "/consents/:id/files/:fid", s.H(s.officer.PaperScan))

	// Webmasters: the traffic report, aggregates only.
	wm := rt.area(site.Group("/webmaster", s.RequireRole(account.RoleWebmaster)), staffArea)
	rt.get(wm, "/traffic", s.H(s.webmaster.Traffic))
	rt.get(wm, "/traffic.csv", s.H(s.webmaster.TrafficCSV))

	// Administrators.
	admin := rt.area(site.Group("/admin", s.RequireRole(account.RoleAdmin)), staffArea)
	rt.get(admin, "/staff", s.H(s.admin.StaffList))
	rt.get(admin, "/staff/new", s.H(s.admin.NewStaffPage))
	rt.post(admin, "/staff", s.H(s.admin.CreateStaff))
	rt.get(admin, "/staff.csv", s.H(s.admin.StaffCSV))
	rt.post(admin, "/staff/review", s.H(s.admin.RecordReview))
	rt.get(admin, "/users", s.H(s.admin.FindUser))
	rt.get(admin, "/users/:id", s.H(s.admin.UserPage))
	rt.post(admin, "/users/:id", s.H(s.admin.UpdateStaff))
	rt.post(admin, "/users/:id/unlock", s.H(s.admin.UnlockUser))
	rt.post(admin, "/users/:id/unlock-code", s.H(s.admin.IssueUnlockCode))
	rt.post(admin, "/users/:id/password", s.H(s.admin.ResetStaffPassword))
	rt.post(admin, "/users/:id/sessions", s.H(s.admin.RevokeSessions))
	rt.get(admin, "/tokens", s.H(s.admin.TokensPage))
	rt.post(admin, "/tokens", s.H(s.admin.IssueToken))
	rt.post(admin, "/tokens/:id/revoke", s.H(s.admin.RevokeToken))
	rt.get(admin, "/calendar", s.H(s.admin.CalendarAdmin))
	rt.get(admin, "/fees", s.H(s.admin.FeesPage))
	rt.get(admin, "/files", s.H(s.admin.InventoryAdmin))
	rt.get(admin, "/files/new", s.H(s.admin.NewInventoryFile))
	rt.post(admin, "/files", s.H(s.admin.SaveInventoryFile))
	rt.get(admin, "/files/:id", s.H(s.admin.InventoryFile))
	rt.post(admin, "/files/:id", s.H(s.admin.SaveInventoryFile))
	rt.post(admin, "/fees", s.H(s.admin.SaveFees))
	rt.post(admin, "/fees/payment", s.H(s.admin.SavePayment))
	rt.get(admin, "/letters", s.H(s.admin.LetterSettings))
	rt.post(admin, "/letters", s.H(s.admin.SaveLetterSettings))
	rt.get(admin, "/requests/stats", s.H(s.admin.RequestStats))
	rt.get(admin, "/requests/stats.csv", s.H(s.admin.RequestStatsCSV))
	rt.post(admin, "/requests/stats/publish", s.H(s.admin.PublishStats))
	rt.post(admin, "/calendar", s.H(s.admin.ImportCalendar))
	rt.post(admin, "/calendar/import", s.H(s.admin.ConfirmImport))
	rt.post(admin, "/calendar/day-off", s.H(s.admin.AddDayOff))
	rt.post(admin, "/calendar/remove", s.H(s.admin.RemoveDay))
	rt.post(admin, "/calendar/fulfilment", s.H(s.admin.SetFulfilDays))
	rt.get(admin, "/notices", s.H(s.admin.NoticesAdmin))
	rt.post(admin, "/notices/draft/start", s.H(s.admin.StartDraft))
	rt.get(admin, "/notices/draft", s.H(s.admin.DraftEditor))
	rt.post(admin, "/notices/draft", s.H(s.admin.SaveDraft))
	rt.get(admin, "/notices/draft/preview", s.H(s.admin.PreviewDraft))
	rt.post(admin, "/notices/draft/publish", s.H(s.admin.PublishDraft))
	rt.post(admin, "/notices/draft/discard", s.H(s.admin.DiscardDraft))
	rt.get(admin, "/notices/stats", s.H(s.admin.ConsentStats))
	rt.get(admin, "/purposes/:id", s.H(s.admin.PurposeEditor))
	rt.post(admin, "/purposes", s.H(s.admin.SavePurpose))
	rt.get(admin, "/audit", s.H(s.admin.AuditList))
	rt.get(admin, "/retention", s.H(s.admin.RetentionAdmin))
	rt.get(admin, "/incidents", s.H(s.admin.IncidentsList))
	rt.get(admin, "/incidents/new", s.H(s.admin.NewIncidentPage))
	rt.post(admin, "/incidents", s.H(s.admin.SaveIncident))
	rt.get(admin, "/incidents/:id", s.H(s.admin.IncidentPage))
	rt.post(admin, "/incidents/:id", s.H(s.admin.SaveIncident))
	rt.post(admin, "/incidents/:id/reported", s.H(s.admin.IncidentReported))
	rt.post(admin, "/incidents/:id/notify", s.H(s.admin.IncidentNotify))
	rt.post(admin, "/incidents/:id/announce", s.H(s.admin.IncidentAnnounce))
	rt.get(admin, "/incidents/:id/letters", s.H(s.admin.IncidentLetters))
	rt.post(admin, "/retention", s.H(s.admin.SaveRetention))
	rt.get(admin, "/quotas", s.H(s.admin.QuotaAdmin))
	rt.post(admin, "/quotas", s.H(s.admin.SaveQuota))
	rt.get(admin, "/audit.csv", s.H(s.admin.AuditCSV))

	// The JSON API; openapi.json describes every route under it.
	v1 := rt.area(r.Group(web.APIPrefix), uncounted)
	rt.get(v1, "/openapi.json", s.H(s.api.OpenAPI))
	rt.post(v1, "/receipts/verify", s.H(s.api.VerifyReceipt)).anonymousNoOp()
	rt.get(v1, "/consents/:subject/:purpose", s.api.RequireToken(apitoken.ScopeConsentRead), s.H(s.api.LookupConsent))

	apiMe := rt.area(v1.Group("/me", s.Session, s.api.RequireAPIUser), uncounted)
	rt.get(apiMe, "/consents", s.H(s.api.MyConsents))
	rt.get(apiMe, "/consents/history", s.H(s.api.MyHistory))
	rt.post(apiMe, "/consents/:purpose", s.H(s.api.ChangeConsent))
	rt.get(apiMe, "/receipts/:id", s.H(s.api.MyReceipt))
	rt.get(apiMe, "/requests", s.H(s.api.MyRequests))
	rt.post(apiMe, "/requests", s.H(s.api.FileRequest))
	rt.get(apiMe, "/requests/:ref", s.H(s.api.MyRequest))
	rt.get(apiMe, "/requests/:ref/messages", s.H(s.api.MyMessages))
	rt.post(apiMe, "/requests/:ref/messages", s.H(s.api.PostMyMessage))
	rt.get(v1, "/requests", s.api.RequireToken(apitoken.ScopeRequestsRead), s.H(s.api.Queue))
	rt.get(v1, "/requests/:ref", s.api.RequireToken(apitoken.ScopeRequestsRead), s.H(s.api.QueuedRequest))
	read := s.api.RequireToken(apitoken.ScopeRecordsRead)
	rt.get(v1, "/disclosures", read, s.H(s.api.Disclosures))
	rt.get(v1, "/disclosures/:id", read, s.H(s.api.Disclosure))
	rt.get(v1, "/files", read, s.H(s.api.Files))
	rt.get(v1, "/files/:id", read, s.H(s.api.File))

	// The session is read so the page shows who is signed in, as every page does.
	r.NoRoute(s.Session, func(c *gin.Context) { s.RenderError(c, http.StatusNotFound, "") })
	r.NoMethod(func(c *gin.Context) { s.RenderError(c, http.StatusMethodNotAllowed, "") })
	return r
}

// routeTable registers routes with Gin and keeps what each declares beside its handlers
// (title, upload, audit, counting), for the middleware to read from the matched route.
type routeTable struct {
	props map[string]*web.RouteProps
	areas map[*gin.RouterGroup]web.RouteProps // what every route of the group starts with
}

// Areas of the site: the staff home and the API are never counted; in the staff areas
// staff reading one record, exporting or searching is recorded too.
var (
	uncounted = web.RouteProps{Uncounted: true}
	staffArea = web.RouteProps{Uncounted: true, StaffViews: true}
)

// area gives every route registered on g the properties p to start with.
func (t *routeTable) area(g *gin.RouterGroup, p web.RouteProps) *gin.RouterGroup {
	t.areas[g] = p
	return g
}

// route is one declared route, taking its properties.
type route struct{ p *web.RouteProps }

func (t *routeTable) get(g *gin.RouterGroup, rel string, h ...gin.HandlerFunc) route {
	return t.add(g, http.MethodGet, rel, h)
}

func (t *routeTable) post(g *gin.RouterGroup, rel string, h ...gin.HandlerFunc) route {
	return t.add(g, http.MethodPost, rel, h)
}

func (t *routeTable) add(g *gin.RouterGroup, method, rel string, h []gin.HandlerFunc) route {
	g.Handle(method, rel, h...)
	p := new(web.RouteProps)
	*p = t.areas[g]
	t.props[method+" "+joinPaths(g.BasePath(), rel)] = p
	return route{p}
}

// joinPaths is the pattern Gin gives a route of a group (its FullPath).
func joinPaths(base, rel string) string {
	if rel == "" {
		return base
	}
	full := path.Join(base, rel)
	if strings.HasSuffix(rel, "/") && !strings.HasSuffix(full, "/") {
		full += "/"
	}
	return full
}

// titled names a counted page in the traffic report; TestEveryCountedPageHasATitle
// keeps every countable page titled.
func (r route) titled(key string) route { r.p.Title = key; return r }

// upload lets the route take attachments: the body limit of an upload.
func (r route) upload() route { r.p.Upload = true; return r }

// unaudited: the route changes nothing of anyone's, so it is never an event.
func (r route) unaudited() route { r.p.Unaudited = true; return r }

// uncounted: the route is never a page view (a machine endpoint, a file, a redirect).
func (r route) uncounted() route { r.p.Uncounted = true; return r }

// anonymousNoOp: from a visitor nobody has signed in as the route changes nothing stored,
// so it is then no event.
func (r route) anonymousNoOp() route { r.p.AnonymousNoOp = true; return r }
