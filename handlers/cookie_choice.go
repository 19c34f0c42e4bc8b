package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/rights"
)

// cookieInfo describes one cookie the portal sets, for the Cookies page.
type cookieInfo struct {
	Name string
	Kind string // essential, preference, analytics: the catalogue key's last part
	Key  string // catalogue key of its purpose
	Days int    // lifetime in days; 0: until the browser closes or the session ends
	Mins int    // lifetime in minutes, for the short ones
}

// portalCookies is every cookie the portal sets. A test checks the list against the
// cookies the pages really set.
var portalCookies = []cookieInfo{
	{Name: sessionCookie, Kind: "essential", Key: "cookies.purpose.session"}, // lifetime from the session policy
	{Name: flashCookie, Kind: "essential", Key: "cookies.purpose.flash", Mins: 5},
	{Name: guestCookie, Kind: "essential", Key: "cookies.purpose.guest", Mins: int(guestAccess / time.Minute)},
	{Name: guestBindCookie, Kind: "essential", Key: "cookies.purpose.guest_bind", Mins: int(rights.CodeTTL / time.Minute)},
	{Name: langCookie, Kind: "preference", Key: "cookies.purpose.lang", Days: 365},
	{Name: noticeSeenCookie, Kind: "preference", Key: "cookies.purpose.notice", Days: 365},
	{Name: choiceCookie, Kind: "preference", Key: "cookies.purpose.choice", Days: int(choiceAge / (24 * time.Hour))},
	{Name: visitorCookie, Kind: "analytics", Key: "cookies.purpose.visit", Days: int(visitorAge / (24 * time.Hour))},
}

type cookiesPage struct {
	Cookies []cookieInfo
	Choice  string // none, accepted, refused, signal
	Enabled bool   // counting is on
}

var choiceNames = map[cookieChoice]string{choiceNone: "none", choiceAccepted: "accepted", choiceRefused: "refused", choiceSignal: "signal"}

// cookiesPage explains every cookie and lets the visitor change the analytics choice.
func (s *Server) cookiesPage(c *gin.Context) {
	list := append([]cookieInfo(nil), portalCookies...)
	list[0].Mins = int(s.opt.Sessions.Absolute / time.Minute)
	p := cookiesPage{Cookies: list, Choice: choiceNames[s.analyticsChoice(c.Request)], Enabled: s.Counter != nil}
	s.renderPublic(c, "cookies", s.view(c, "cookies.title", p), p.Choice)
}

// saveCookieChoice records Accept or Refuse. Refusing also removes the visitor cookie.
// Nothing is stored on the server: the choice is the visitor's own cookie.
func (s *Server) saveCookieChoice(c *gin.Context) {
	next := localPath(c.PostForm("next"), "/cookies")
	switch c.PostForm("choice") {
	case "accept":
		if s.analyticsChoice(c.Request) == choiceSignal {
			s.addFlash(c, flashInfo, "cookies.saved_signal")
			break
		}
		s.setCookie(c, choiceCookie, choiceAccept, int(choiceAge/time.Second))
		s.addFlash(c, flashSuccess, "cookies.saved_accept")
	case "refuse":
		s.setCookie(c, choiceCookie, choiceRefuse, int(choiceAge/time.Second))
		s.setCookie(c, visitorCookie, "", -1)
		s.addFlash(c, flashSuccess, "cookies.saved_refuse")
	default:
		s.renderError(c, http.StatusBadRequest, "cookies.bad_choice")
		return
	}
	c.Redirect(http.StatusSeeOther, next)
}
