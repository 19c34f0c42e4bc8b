package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/twtime"
)

// cookieValue reads a cookie as r.Cookie does: the first valid one of its name, quotes
// removed, across several Cookie headers, none past the limit on their number.
func TestCookieValueReadsAsRequestCookie(t *testing.T) {
	for _, lines := range [][]string{
		nil,
		{""},
		{"portal_visit=v2.abc"},
		{"a=1; portal_visit=v2.abc; portal_cookies=analytics"},
		{"  portal_visit = \"quoted\" ;x=y"},
		{"portal_visit=bad\\value; portal_visit=good"},
		{"portal_visit"},
		{"portal_visits=no; xportal_visit=no"},
		{"a=1", "portal_visit=second-line"},
		{"portal_visit=\"", "portal_visit=\"\""},
		{strings.Repeat("a=1;", 3000) + "portal_visit=past-the-limit"},
		{strings.Repeat("a=1;", 2999) + "portal_visit=at-the-limit"},
		{strings.Repeat(";", 1500), strings.Repeat(";", 1499) + "portal_visit=past-the-limit-over-two-lines"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, l := range lines {
			r.Header.Add("Cookie", l)
		}
		want, err := r.Cookie("portal_visit")
		got, ok := cookieValue(r, "portal_visit")
		if ok != (err == nil) || ok && got != want.Value {
			t.Errorf("%q: cookieValue %q %v, r.Cookie %v %v", lines, got, ok, want, err)
		}
	}
}

// A Chinese date is written as fmt.Sprintf("%d年%d月%d日") wrote it, in Taiwan's day.
func TestChineseDateAsFormatted(t *testing.T) {
	v := &View{Lang: i18n.ZH}
	for _, at := range []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC),
		time.Date(999, 9, 9, 9, 0, 0, 0, time.UTC), time.Date(10000, 10, 10, 0, 0, 0, 0, time.UTC),
	} {
		tw := at.In(twtime.Zone)
		if got, want := v.Date(at), fmt.Sprintf("%d年%d月%d日", tw.Year(), int(tw.Month()), tw.Day()); got != want {
			t.Errorf("Date(%v) = %q, want %q", at, got, want)
		}
	}
}

// The network a view is counted under is the one Gin's ClientIP names, read in place
// for a browser reaching the portal directly, from the forwarded address behind a
// trusted proxy.
func TestClientNetworkIsTheClientIPsNetwork(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	proxy := netip.MustParsePrefix("10.0.0.0/8")
	for _, trusted := range [][]netip.Prefix{nil, {proxy}} {
		s := &Core{Opt: Options{TrustedProxies: trusted}}
		for _, remote := range []string{"203.0.113.7:5000", "[2001:db8:1:2::7]:443", "[::ffff:198.51.100.9]:80",
			"10.1.2.3:8080", "[fe80::1%eth0]:80", " 203.0.113.7:5000", "203.0.113.7", "", "pipe"} {
			for _, forwarded := range []string{"", "198.51.100.20", "2001:db8:9::1, 10.1.2.3"} {
				c, engine := gin.CreateTestContext(httptest.NewRecorder())
				var proxies []string
				for _, p := range trusted {
					proxies = append(proxies, p.String())
				}
				if err := engine.SetTrustedProxies(proxies); err != nil {
					t.Fatal(err)
				}
				c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
				c.Request.RemoteAddr = remote
				if forwarded != "" {
					c.Request.Header.Set("X-Forwarded-For", forwarded)
				}
				want := network(nil, c.ClientIP())
				if remote == "203.0.113.7:5000" && !bytes.Equal(want, []byte{203, 0, 113}) {
					t.Fatalf("ClientIP's network of %s: %v", remote, want)
				}
				if got := s.clientNetwork(c, nil); !bytes.Equal(got, want) {
					t.Errorf("trusted %v, RemoteAddr %q, X-Forwarded-For %q: %v, ClientIP's network %v", trusted, remote, forwarded, got, want)
				}
			}
		}
	}
}
