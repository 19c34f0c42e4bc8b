package analytics

import (
	"fmt"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	var cache AgentCache
	for _, c := range []struct {
		name string
		ua   string
		want Agent
	}{
		{"chrome windows",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			Agent{"chrome", "windows", "desktop", false}},
		{"edge windows",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
			Agent{"edge", "windows", "desktop", false}},
		{"firefox windows",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
			Agent{"firefox", "windows", "desktop", false}},
		{"chrome macos",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			Agent{"chrome", "macos", "desktop", false}},
		{"safari macos",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
			Agent{"safari", "macos", "desktop", false}},
		{"firefox macos",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
			Agent{"firefox", "macos", "desktop", false}},
		{"firefox linux",
			"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
			Agent{"firefox", "linux", "desktop", false}},
		{"chrome linux",
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			Agent{"chrome", "linux", "desktop", false}},
		{"chrome chromeos",
			"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			Agent{"chrome", "chromeos", "desktop", false}},
		{"opera windows",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/109.0.0.0",
			Agent{"opera", "windows", "desktop", false}},
		{"safari iphone",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
			Agent{"safari", "ios", "mobile", false}},
		{"chrome iphone",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
			Agent{"chrome", "ios", "mobile", false}},
		{"firefox iphone",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15",
			Agent{"firefox", "ios", "mobile", false}},
		{"safari ipad",
			"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
			Agent{"safari", "ios", "tablet", false}},
		{"chrome android phone",
			"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
			Agent{"chrome", "android", "mobile", false}},
		{"chrome android tablet",
			"Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			Agent{"chrome", "android", "tablet", false}},
		{"firefox android phone",
			"Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
			Agent{"firefox", "android", "mobile", false}},
		{"samsung internet",
			"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
			Agent{"samsung", "android", "mobile", false}},
		{"edge android",
			"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36 EdgA/124.0.2478.64",
			Agent{"edge", "android", "mobile", false}},
		{"line android",
			"Mozilla/5.0 (Linux; Android 13; SM-A536E Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/123.0.6312.118 Mobile Safari/537.36 Line/14.5.1/IAB",
			Agent{"line", "android", "mobile", false}},
		{"line iphone",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.5.0",
			Agent{"line", "ios", "mobile", false}},
		{"googlebot",
			"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			Agent{"other", "other", "desktop", true}},
		{"googlebot smartphone",
			"Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			Agent{"chrome", "android", "mobile", true}},
		{"bingbot",
			"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
			Agent{"other", "other", "desktop", true}},
		{"facebook preview",
			"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
			Agent{"other", "other", "desktop", true}},
		{"curl", "curl/8.5.0", Agent{"other", "other", "desktop", true}},
		{"wget", "Wget/1.21.4", Agent{"other", "other", "desktop", true}},
		{"headless chrome",
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
			Agent{"chrome", "linux", "desktop", true}},
		{"python requests", "python-requests/2.31.0", Agent{"other", "other", "desktop", true}},
		{"go client", "Go-http-client/2.0", Agent{"other", "other", "desktop", true}},
		{"uptime monitor", "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", Agent{"other", "other", "desktop", true}},
		{"empty", "", Agent{"other", "other", "desktop", true}},
		{"blank", " \t ", Agent{"other", "other", "desktop", true}},
		{"600 bytes", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 " + strings.Repeat("x", 600-55), Agent{"other", "other", "desktop", true}},
		{"unknown", "SomethingElse/1.0", Agent{"other", "other", "desktop", false}},
	} {
		if got := Classify(c.ua); got != c.want {
			t.Errorf("%s: Classify = %+v, want %+v", c.name, got, c.want)
		}
		// The cache answers the same, first seen and seen again.
		for range 2 {
			if got := cache.Classify(c.ua); got != c.want {
				t.Errorf("%s: cached Classify = %+v, want %+v", c.name, got, c.want)
			}
		}
	}
	// Past its size the cache starts afresh and still answers rightly.
	for i := range agentCacheSize + 10 {
		ua := fmt.Sprintf("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/%d", i)
		if got := cache.Classify(ua); got != Classify(ua) || got.OS != "ios" {
			t.Fatalf("%s: cached Classify = %+v", ua, got)
		}
	}
	if n := len(cache.m); n > agentCacheSize {
		t.Fatalf("the cache holds %d strings, more than %d", n, agentCacheSize)
	}
}

func TestClassifyMicrosoftIsNotChromeOS(t *testing.T) {
	// "microsoft" contains "cros"; only the "; CrOS " platform token means Chrome OS.
	ua := "Mozilla/5.0 (compatible; MicrosoftPreview/2.0; +https://aka.ms/MicrosoftPreview)"
	if got := Classify(ua); got.OS == "chromeos" || !got.Bot {
		t.Fatalf("Classify = %+v", got)
	}
}

func TestClassifyLengthLimit(t *testing.T) {
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	at := ua + strings.Repeat(" ", maxAgentLen-len(ua))
	if got := Classify(at); got.Bot || got.Browser != "chrome" {
		t.Fatalf("%d bytes: Classify = %+v", len(at), got)
	}
	if got := Classify(at + " "); !got.Bot || got.Browser != "other" {
		t.Fatalf("%d bytes: Classify = %+v", len(at)+1, got)
	}
}
