package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
)

// routes is the one route table.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
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

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/.well-known/gpc.json", s.gpc)
	r.GET("/static/:hash/*path", s.Static)
	r.GET("/lang", s.switchLanguage)

	site := r.Group("/", s.Session, s.ForcePasswordChange)
	site.GET("/", s.home)
	site.GET("/privacy", s.privacy)
	site.GET("/setup", s.setupForm)
	site.POST("/setup", s.setupSubmit)
	site.GET("/signup", s.signUpPage)
	site.POST("/signup", s.signUpSubmit)
	site.GET("/mail-sent", s.mailSent)
	site.POST("/mail-sent", s.resendFromMailSent)
	site.GET("/verify", s.verify)
	site.GET("/signin", s.signInPage)
	site.POST("/signin", s.signInSubmit)
	site.POST("/signout", s.signOut)
	site.GET("/forgot", s.forgotPage)
	site.POST("/forgot", s.forgotSubmit)
	site.GET("/reset", s.resetPage)
	site.POST("/reset", s.resetSubmit)
	site.GET("/privacy/changes", s.noticeChanges)
	site.GET("/privacy/versions/:n", s.noticeVersion)
	site.POST("/notice/dismiss", s.dismissNotice)
	site.GET("/receipts/verify", s.verifyReceiptPage)
	site.GET("/transparency", s.transparency)
	site.GET("/privacy/files", s.publicFiles)
	site.GET("/fees", s.publicFees)
	site.GET("/announcements", s.announcementsList)
	site.GET("/announcements/:id", s.announcementPage)
	site.GET("/cookies", s.cookiesPage)
	site.POST("/cookies", s.saveCookieChoice)
	// Guests: requests without an account, followed with a mailed code.
	site.GET("/guest/requests/new", s.guestNewPage)
	site.POST("/guest/requests", s.guestFileRequest)
	site.GET("/guest/requests/:ref/confirm", s.guestConfirmPage)
	site.POST("/guest/requests/:ref/confirm", s.guestConfirm)
	site.GET("/guest/requests/:ref", s.guestDetail)
	site.POST("/guest/requests/:ref/withdraw", s.guestWithdraw)
	site.POST("/guest/requests/:ref/messages", s.guestMessage)
	site.GET("/guest/requests/:ref/letters/:letter", s.guestLetter)
	site.GET("/guest/requests/:ref/files/:id", s.guestDownload)
	site.GET("/guest/requests/:ref/package", s.guestPackage)
	site.GET("/guest/track", s.guestTrackPage)
	site.POST("/guest/track", s.guestTrack)
	site.POST("/receipts/verify", s.verifyReceipt)

	// Anyone signed in: their own account.
	me := site.Group("/account", s.RequireUser)
	me.GET("", s.accountPage)
	me.POST("/profile", s.profileSubmit)
	me.POST("/verify", s.resendVerification)
	me.GET("/password", s.passwordPage)
	me.POST("/password", s.passwordSubmit)
	me.POST("/restriction/lift", s.liftRestriction)
	me.GET("/data", s.myData)
	me.GET("/data.json", s.myDataJSON)
	me.GET("/inbox", s.inbox)
	me.GET("/inbox/:id", s.inboxMessage)
	me.GET("/sessions", s.mySessions)
	me.POST("/sessions/end", s.endMySession)
	me.POST("/sessions/end-others", s.endMyOtherSessions)
	me.GET("/consents", s.consentsPage)
	me.POST("/consents", s.changeConsent)
	me.POST("/consents/review", s.reviewConsents)
	me.GET("/consents/receipts/:id", s.receiptView)
	me.GET("/consents/receipts/:id/download", s.receiptDownload)

	// Requests: a signed-in person's own.
	reqs := site.Group("/requests", s.RequireUser)
	reqs.GET("", s.myRequests)
	reqs.GET("/new", s.newRequestPage)
	reqs.POST("", s.fileRequest)
	reqs.GET("/:ref", s.requestDetail)
	reqs.POST("/:ref/withdraw", s.withdrawRequest)
	reqs.GET("/:ref/letters/:letter", s.requesterLetter)
	reqs.POST("/:ref/messages", s.requesterMessage)
	reqs.GET("/:ref/files/:id", s.requesterDownload)
	reqs.GET("/:ref/package", s.requesterPackage)

	// Staff of any role.
	staff := site.Group("/staff", s.RequireRole(account.Roles...))
	staff.GET("", s.staffHome)

	// Privacy officers.
	officer := site.Group("/officer", s.RequireRole(account.RoleOfficer))
	officer.GET("/queue", s.queue)
	officer.GET("/queue.csv", s.queueCSV)
	officer.GET("/intake", s.intakePage)
	officer.GET("/disclosures", s.disclosuresList)
	officer.GET("/disclosures.csv", s.disclosuresCSV)
	officer.GET("/disclosures/report", s.disclosuresReport)
	officer.GET("/disclosures/new", s.newDisclosurePage)
	officer.POST("/disclosures", s.saveDisclosure)
	officer.GET("/disclosures/:id", s.disclosurePageFor)
	officer.POST("/disclosures/:id", s.saveDisclosure)
	officer.GET("/disclosures/:id/files/:fid", s.disclosureFile)
	officer.POST("/intake", s.intakeSubmit)
	officer.GET("/post", s.postList)
	officer.GET("/post/print", s.postPrint)
	officer.GET("/requests/:ref", s.officerRequest)
	officer.GET("/requests/:ref/decide", s.decidePage)
	officer.POST("/requests/:ref/:action", s.officerAct)
	officer.GET("/requests/:ref/letters/:letter", s.officerLetter)
	officer.GET("/requests/:ref/files/:id", s.officerDownload)
	officer.GET("/consents", s.paperConsentForm)
	officer.POST("/consents", s.paperConsentSubmit)
	officer.GET("/consents/:id/files/:fid", s.paperScan)

	// Webmasters: the traffic report, aggregates only.
	wm := site.Group("/webmaster", s.RequireRole(account.RoleWebmaster))
	wm.GET("/traffic", s.H(s.webmaster.Traffic))
	wm.GET("/traffic.csv", s.H(s.webmaster.TrafficCSV))

	// Administrators.
	admin := site.Group("/admin", s.RequireRole(account.RoleAdmin))
	admin.GET("/staff", s.staffList)
	admin.GET("/staff/new", s.newStaffPage)
	admin.POST("/staff", s.createStaff)
	admin.GET("/staff.csv", s.staffCSV)
	admin.POST("/staff/review", s.recordReview)
	admin.GET("/users", s.findUser)
	admin.GET("/users/:id", s.userPage)
	admin.POST("/users/:id", s.updateStaff)
	admin.POST("/users/:id/unlock", s.unlockUser)
	admin.POST("/users/:id/unlock-code", s.issueUnlockCode)
	admin.POST("/users/:id/password", s.resetStaffPassword)
	admin.POST("/users/:id/sessions", s.revokeSessions)
	admin.GET("/tokens", s.tokensPage)
	admin.POST("/tokens", s.issueToken)
	admin.POST("/tokens/:id/revoke", s.revokeToken)
	admin.GET("/calendar", s.calendarAdmin)
	admin.GET("/fees", s.feesPage)
	admin.GET("/files", s.inventoryAdmin)
	admin.GET("/files/new", s.newInventoryFile)
	admin.POST("/files", s.saveInventoryFile)
	admin.GET("/files/:id", s.inventoryFile)
	admin.POST("/files/:id", s.saveInventoryFile)
	admin.POST("/fees", s.saveFees)
	admin.POST("/fees/payment", s.savePayment)
	admin.GET("/letters", s.letterSettings)
	admin.POST("/letters", s.saveLetterSettings)
	admin.GET("/requests/stats", s.requestStats)
	admin.GET("/requests/stats.csv", s.requestStatsCSV)
	admin.POST("/requests/stats/publish", s.publishStats)
	admin.POST("/calendar", s.importCalendar)
	admin.POST("/calendar/import", s.confirmImport)
	admin.POST("/calendar/day-off", s.changeDay(addDayOff))
	admin.POST("/calendar/remove", s.changeDay(removeDay))
	admin.POST("/calendar/fulfilment", s.setFulfilDays)
	admin.GET("/notices", s.noticesAdmin)
	admin.POST("/notices/draft/start", s.startDraft)
	admin.GET("/notices/draft", s.draftEditor)
	admin.POST("/notices/draft", s.saveDraft)
	admin.GET("/notices/draft/preview", s.previewDraft)
	admin.POST("/notices/draft/publish", s.publishDraft)
	admin.POST("/notices/draft/discard", s.discardDraft)
	admin.GET("/notices/stats", s.consentStats)
	admin.GET("/purposes/:id", s.purposeEditor)
	admin.POST("/purposes", s.savePurpose)
	admin.GET("/audit", s.auditList)
	admin.GET("/retention", s.retentionAdmin)
	admin.GET("/incidents", s.incidentsList)
	admin.GET("/incidents/new", s.newIncidentPage)
	admin.POST("/incidents", s.saveIncident)
	admin.GET("/incidents/:id", s.incidentPage)
	admin.POST("/incidents/:id", s.saveIncident)
	admin.POST("/incidents/:id/reported", s.incidentReported)
	admin.POST("/incidents/:id/notify", s.incidentNotify)
	admin.POST("/incidents/:id/announce", s.incidentAnnounce)
	admin.GET("/incidents/:id/letters", s.incidentLetters)
	admin.POST("/retention", s.saveRetention)
	admin.GET("/quotas", s.quotaAdmin)
	admin.POST("/quotas", s.saveQuota)
	admin.GET("/audit.csv", s.auditCSV)

	s.apiRoutes(r)

	// The session is read so the page shows who is signed in, as every page does.
	r.NoRoute(s.Session, func(c *gin.Context) { s.RenderError(c, http.StatusNotFound, "") })
	r.NoMethod(func(c *gin.Context) { s.RenderError(c, http.StatusMethodNotAllowed, "") })
	return r
}
