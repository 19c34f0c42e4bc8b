package analytics

import "strings"

// Agent is what the report counts about a browser: families only. The User-Agent string
// itself is never stored, since with the address it can single a person out.
type Agent struct {
	Browser string // one of: "edge", "chrome", "firefox", "safari", "samsung", "opera", "line", "other"
	OS      string // one of: "windows", "macos", "ios", "android", "linux", "chromeos", "other"
	Device  string // one of: "desktop", "mobile", "tablet"
	Bot     bool   // crawlers, link previews, monitors, headless browsers, command-line and library clients, empty UA
}

// maxAgentLen is the longest User-Agent worth reading; real ones stay well under it, so
// a longer one is hostile and is not scanned at all.
const maxAgentLen = 512

// agentBotMarkers are substrings (lower case) of clients that are not a person reading
// the site: counting them would inflate the visitor figures.
var agentBotMarkers = []string{
	"bot", "crawl", "spider", "slurp", "facebookexternalhit", "preview", "monitor",
	"headless", "lighthouse", "curl/", "wget/", "python", "go-http-client", "java/",
	"okhttp", "httpclient", "axios", "node-fetch", "libwww", "scrapy", "phantomjs",
	"pingdom", "uptime",
}

// agentBrowsers is checked in order: most browsers also claim to be Chrome or Safari, so
// the specific ones (Edge, Samsung Internet, Opera, LINE's in-app browser) come first.
var agentBrowsers = []struct {
	family  string
	markers []string
}{
	{"edge", []string{"edg/", "edge/", "edga/", "edgios/"}}, // desktop, legacy, Android, iOS
	{"samsung", []string{"samsungbrowser"}},
	{"opera", []string{"opr/", "opera"}},
	{"line", []string{"line/"}},
	{"chrome", []string{"chrome/", "crios/"}},
	{"firefox", []string{"firefox/", "fxios/"}},
}

// Classify reduces a User-Agent string to coarse families. Unknown parts are "other";
// the device is "desktop" unless the string says otherwise.
func Classify(ua string) Agent {
	a := Agent{Browser: "other", OS: "other", Device: "desktop"}
	if len(ua) > maxAgentLen {
		a.Bot = true
		return a
	}
	if strings.TrimSpace(ua) == "" {
		a.Bot = true // every browser sends one; only scripts send none
		return a
	}
	s := strings.ToLower(ua)
	a.Bot = agentHasAny(s, agentBotMarkers)

	for _, b := range agentBrowsers {
		if agentHasAny(s, b.markers) {
			a.Browser = b.family
			break
		}
	}
	// Nearly every WebKit or Blink browser says "Safari/"; only a string naming no other
	// browser, and not Chrome or Chromium in any form, is Safari itself.
	if a.Browser == "other" && strings.Contains(s, "safari/") && !strings.Contains(s, "chrome") {
		a.Browser = "safari"
	}

	// iOS before macOS: iOS strings say "like Mac OS X"; Android before Linux: Android
	// strings say "Linux". An iPad on iPadOS 13 or later sends the Mac string and is
	// counted as a Mac: nothing in it tells them apart.
	switch {
	case strings.Contains(s, "ipad"):
		a.OS, a.Device = "ios", "tablet"
	case strings.Contains(s, "iphone") || strings.Contains(s, "ipod"):
		a.OS, a.Device = "ios", "mobile"
	case strings.Contains(s, "android"):
		a.OS, a.Device = "android", "tablet" // Android tablets leave out "Mobile"
		if strings.Contains(s, "mobile") {
			a.Device = "mobile"
		}
	case strings.Contains(s, "; cros "): // not just "cros": "microsoft" contains it
		a.OS = "chromeos"
	case strings.Contains(s, "mac os x") || strings.Contains(s, "macintosh"):
		a.OS = "macos"
	case strings.Contains(s, "windows"):
		a.OS = "windows"
	case strings.Contains(s, "linux"):
		a.OS = "linux"
	default:
		if strings.Contains(s, "tablet") {
			a.Device = "tablet"
		} else if strings.Contains(s, "mobile") {
			a.Device = "mobile"
		}
	}
	return a
}

// agentHasAny reports whether s contains any of markers.
func agentHasAny(s string, markers []string) bool {
	for _, m := range markers {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
