package public

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
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
	{Name: web.SessionCookie, Kind: "essential", Key: "cookies.purpose.session"}, // lifetime from the session policy
	{Name: web.FlashCookie, Kind: "essential", Key: "cookies.purpose.flash", Mins: 5},
	{Name: guestCookie, Kind: "essential", Key: "cookies.purpose.guest", Mins: int(guestAccess / time.Minute)},
	{Name: cases.GuestBindCookie, Kind: "essential", Key: "cookies.purpose.guest_bind", Mins: int(rights.CodeTTL / time.Minute)},
	{Name: web.LangCookie, Kind: "preference", Key: "cookies.purpose.lang", Days: 365},
	{Name: web.NoticeSeenCookie, Kind: "preference", Key: "cookies.purpose.notice", Days: 365},
	{Name: web.ChoiceCookie, Kind: "preference", Key: "cookies.purpose.choice", Days: int(web.ChoiceAge / (24 * time.Hour))},
	{Name: web.VisitorCookie, Kind: "analytics", Key: "cookies.purpose.visit", Days: int(web.VisitorAge / (24 * time.Hour))},
}

type cookiesPage struct {
	Cookies []cookieInfo
	Choice  string // none, accepted, refused, signal
	Enabled bool   // counting is on
}

var choiceNames = map[web.CookieChoice]string{web.ChoiceNone: "none", web.ChoiceAccepted: "accepted", web.ChoiceRefused: "refused", web.ChoiceSignal: "signal"}

// CookiesPage explains every cookie and lets the visitor change the analytics choice.
func (h *Handlers) CookiesPage(c *gin.Context) error {
	list := append([]cookieInfo(nil), portalCookies...)
	list[0].Mins = int(h.Opt.Sessions.Absolute / time.Minute)
	p := cookiesPage{Cookies: list, Choice: choiceNames[h.AnalyticsChoice(c.Request)], Enabled: h.Counter != nil}
	h.RenderPublic(c, "cookies", h.View(c, "cookies.title", p), p.Choice)
	return nil
}

// SaveCookieChoice records Accept or Refuse. Refusing also removes the visitor cookie.
// Nothing is stored on the server: the choice is the visitor's own cookie.
func (h *Handlers) SaveCookieChoice(c *gin.Context) error {
	next := localPath(c.PostForm("next"), "/cookies")
	switch c.PostForm("choice") {
	case "accept":
		if h.AnalyticsChoice(c.Request) == web.ChoiceSignal {
			h.AddFlash(c, web.FlashInfo, "cookies.saved_signal")
			break
		}
		h.SetCookie(c, web.ChoiceCookie, web.ChoiceAccept, int(web.ChoiceAge/time.Second))
		h.AddFlash(c, web.FlashSuccess, "cookies.saved_accept")
	case "refuse":
		h.SetCookie(c, web.ChoiceCookie, web.ChoiceRefuse, int(web.ChoiceAge/time.Second))
		h.SetCookie(c, web.VisitorCookie, "", -1)
		h.AddFlash(c, web.FlashSuccess, "cookies.saved_refuse")
	default:
		return &web.PageError{Status: http.StatusBadRequest, Key: "cookies.bad_choice"}
	}
	c.Redirect(http.StatusSeeOther, next)
	return nil
}
