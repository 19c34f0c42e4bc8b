package handlers_test

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gorilla/securecookie"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/handlers"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/store/storetest"
)

// The banner offers Accept and Refuse alike; the choice is kept in the visitor's own
// cookie, Refuse removes the visitor cookie, and DNT or GPC always win.
func TestCookieChoice(t *testing.T) {
	h := newHarness(t)
	b := h.browser(withUA(chromeUA))
	r := b.get("/")
	buttons := r.doc.Find(`.cookie-banner form[action="/cookies"] button[name=choice]`)
	if buttons.Length() != 2 {
		t.Fatalf("banner buttons: %d", buttons.Length())
	}
	if a, _ := buttons.Eq(0).Attr("class"); a != "button" || buttons.Eq(1).AttrOr("class", "") != a {
		t.Fatalf("the two answers do not look alike: %q %q", a, buttons.Eq(1).AttrOr("class", ""))
	}
	if r.doc.Find(`.cookie-banner[role=region][aria-labelledby]`).Length() != 1 {
		t.Fatal("the banner is not a labelled region")
	}
	if _, ok := b.jar["portal_visit"]; ok {
		t.Fatal("a visitor cookie before any choice")
	}
	r = b.post("/cookies", url.Values{"choice": {"accept"}, "next": {"/privacy"}})
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/privacy" || b.jar["portal_cookies"].Value != "analytics" {
		t.Fatalf("accept: %d %q", r.Code, r.Header().Get("Location"))
	}
	r = b.get("/privacy")
	if r.doc.Find(".cookie-banner").Length() != 0 {
		t.Fatal("the banner stays after a choice")
	}
	if _, ok := b.jar["portal_visit"]; !ok {
		t.Fatal("no visitor cookie after Accept")
	}
	if ck := b.jar["portal_visit"]; !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatal("the visitor cookie is readable by script or sent cross-site")
	}
	r = b.post("/cookies", url.Values{"choice": {"refuse"}, "next": {"/"}})
	if _, ok := b.jar["portal_visit"]; ok || b.jar["portal_cookies"].Value != "essential" {
		t.Fatalf("refuse kept the visitor cookie (%d)", r.Code)
	}
	b.get("/")
	if _, ok := b.jar["portal_visit"]; ok {
		t.Fatal("a visitor cookie after Refuse")
	}
	for _, signal := range []func(*http.Request){withHeader("DNT", "1"), withHeader("Sec-GPC", "1")} {
		s := h.browser(withUA(chromeUA), signal)
		if r := s.get("/"); r.doc.Find(".cookie-banner").Length() != 0 {
			t.Fatal("the banner asks a browser that already said no")
		}
		s.post("/cookies", url.Values{"choice": {"accept"}})
		s.get("/")
		if _, ok := s.jar["portal_visit"]; ok {
			t.Fatal("a visitor cookie despite DNT or GPC")
		}
		if r := s.get("/cookies"); !strings.Contains(r.text("main"), "GPC") {
			t.Fatal("the cookies page does not say the signal is honoured")
		}
	}
	if r := b.post("/cookies", url.Values{"choice": {"maybe"}}); r.Code != http.StatusBadRequest {
		t.Fatalf("an unknown choice: %d", r.Code)
	}
	if r := b.post("/cookies", url.Values{"choice": {"accept"}, "next": {"//evil.example/"}}); r.Header().Get("Location") != "/cookies" {
		t.Fatalf("open redirect: %q", r.Header().Get("Location"))
	}
	// The banner returns to the very page, query included, and is not shown on a page
	// answering a form (answering it there would lose what was typed).
	q := h.browser().get("/guest/requests/new?kind=stop")
	if next, _ := q.doc.Find(`.cookie-banner input[name=next]`).Attr("value"); next != "/guest/requests/new?kind=stop" {
		t.Fatalf("banner next = %q", next)
	}
	if r := h.browser().post("/guest/requests", url.Values{"kind": {"view"}, "email": {"bad"}}); r.Code != http.StatusBadRequest || r.doc.Find(".cookie-banner").Length() != 0 {
		t.Fatalf("banner on a form's error page: %d", r.Code)
	}
	en := h.browser(english).get("/")
	if !strings.Contains(en.text(".cookie-banner"), "Accept analytics cookie") {
		t.Fatalf("English banner: %q", en.text(".cookie-banner"))
	}
}

// The Cookies page names every cookie the portal sets.
func TestCookiesPageListsEveryCookie(t *testing.T) {
	h := newHarness(t)
	h.makeUser("cit@example.tw", "民眾", citizenPassword)
	b := h.signIn("cit@example.tw", citizenPassword, withUA(chromeUA))
	seen := map[string]bool{}
	note := func() {
		for n := range b.jar {
			seen[n] = true
		}
	}
	note()
	b.get("/lang?to=en&next=/")
	b.post("/cookies", url.Values{"choice": {"accept"}})
	note()
	b.get("/")
	note()
	g := h.browser()
	g.post("/guest/requests", url.Values{"kind": {"view"}, "scope": {"all"}, "email": {"g@example.tw"}})
	g.post("/guest/requests/2026-000001/confirm", url.Values{"code": {lastCode(t, h, "g@example.tw")}})
	for n := range g.jar {
		seen[n] = true
	}
	page := h.browser().get("/cookies")
	listed := map[string]bool{}
	page.doc.Find("table code").Each(func(_ int, s *goquery.Selection) { listed[s.Text()] = true })
	for _, want := range []string{"portal_session", "lang", "portal_cookies", "portal_visit", "portal_guest", "portal_flash"} {
		if !seen[want] && want != "portal_flash" {
			t.Errorf("the flows did not set %s (test out of date?)", want)
		}
	}
	for n := range seen {
		if !listed[n] {
			t.Errorf("cookie %s is set but not explained on /cookies", n)
		}
	}
	if !listed["notice_seen"] || !listed["portal_flash"] {
		t.Error("the notice and flash cookies are not explained")
	}
}

// Filing a request needs no optional cookie: a guest with cookies refused (and a
// browser that keeps none at all) files and gets the reference at once.
func TestFilingWorksWithCookiesRefused(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, "/guest/requests", strings.NewReader(url.Values{"kind": {"delete"}, "scope": {"all"}, "email": {"nocookie@example.tw"}}.Encode()),
		withUA(chromeUA), withHeader("Cookie", "portal_cookies=essential"))
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/guest/requests/2026-") {
		t.Fatalf("guest filing with cookies refused: %d", r.Code)
	}
	h.makeUser("cit@example.tw", "民眾", citizenPassword)
	b := h.signIn("cit@example.tw", citizenPassword, withUA(chromeUA))
	b.post("/cookies", url.Values{"choice": {"refuse"}})
	if r := b.post("/requests", url.Values{"kind": {"view"}, "scope": {"all"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("signed-in filing with cookies refused: %d %q", r.Code, r.text(".error-summary"))
	}
	if _, ok := b.jar["portal_visit"]; ok {
		t.Fatal("a visitor cookie after Refuse")
	}
}

// What is counted: public HTML pages that answer 200 to a browser; never bots,
// prefetches, staff pages, errors, static files, API calls, form posts or people under
// a processing restriction. Paths are route patterns without query strings.
func TestWhatIsCounted(t *testing.T) {
	h := newHarness(t)
	day := analytics.DayOf(h.clock.Now())
	b := h.browser(withUA(chromeUA))
	b.post("/cookies", url.Values{"choice": {"accept"}})
	b.get("/")
	b.get("/privacy?utm_source=mail&token=secret")
	b.get("/guest/requests/2026-000123/confirm")
	// Not counted:
	h.browser(withUA("Googlebot/2.1 (+http://www.google.com/bot.html)")).get("/")
	h.browser(withUA("")).get("/")
	h.browser(withUA(chromeUA), withHeader("Sec-Purpose", "prefetch")).get("/")
	h.browser(withUA(chromeUA), withHeader("Sec-Fetch-Dest", "iframe")).get("/")
	b.get("/no-such-page")
	b.get("/static/x/css/site.css")
	b.get("/api/v1/openapi.json")
	h.makeUser("web@agency.example", "網管", staffPassword, account.RoleWebmaster)
	staff := h.signIn("web@agency.example", staffPassword, withUA(chromeUA))
	staff.get("/webmaster/traffic")
	staff.get("/")
	u := h.makeUser("stop@example.tw", "停止", citizenPassword)
	u.Restricted = h.clock.Now()
	if err := h.users.Update(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	stopped := h.signIn("stop@example.tw", citizenPassword, withUA(chromeUA))
	stopped.jar["portal_cookies"] = &http.Cookie{Name: "portal_cookies", Value: "analytics"}
	stopped.jar["portal_visit"] = b.jar["portal_visit"]
	stopped.get("/privacy")
	if _, ok := stopped.jar["portal_visit"]; ok {
		t.Fatal("a person under a restriction keeps a visitor cookie")
	}

	r := h.traffic(day)
	paths := r.Sum.Tables[analytics.DimPath]
	// Sign-in pages viewed on the way are counted like any public page.
	signins := paths["/signin"]
	if r.Sum.Views != 3+signins || paths["/"] != 1 || paths["/privacy"] != 1 || paths["/guest/requests/:ref/confirm"] != 1 {
		t.Fatalf("views %d, paths %v", r.Sum.Views, paths)
	}
	for p := range paths {
		if strings.Contains(p, "?") || strings.Contains(p, "2026-000123") || strings.HasPrefix(p, "/webmaster") {
			t.Errorf("stored path %q", p)
		}
	}
	if r.Sum.Tables[analytics.DimBrowser]["chrome"] != r.Sum.Views || r.Sum.Tables[analytics.DimOS]["windows"] != r.Sum.Views {
		t.Fatalf("browser/os: %v %v", r.Sum.Tables[analytics.DimBrowser], r.Sum.Tables[analytics.DimOS])
	}
}

// With the cookie, visits and time online are decided from the cookie and the clock:
// views 10 minutes apart are one visit of 10 minutes; after 30 minutes a new visit.
func TestVisitsAndTimeOnline(t *testing.T) {
	h := newHarness(t)
	day := analytics.DayOf(h.clock.Now())
	b := h.browser(withUA(chromeUA), withHeader("Referer", "https://www.google.com/search?q=secret"))
	b.post("/cookies", url.Values{"choice": {"accept"}})
	b.get("/")
	h.clock.Advance(10 * time.Minute)
	b.get("/privacy")
	h.clock.Advance(40 * time.Minute)
	b.get("/")
	r := h.traffic(day)
	s := r.Sum
	if s.Views != 3 || s.Visits != 2 || s.Online != 600 || s.Visitors.Estimate() != 1 {
		t.Fatalf("views %d visits %d online %d visitors %d", s.Views, s.Visits, s.Online, s.Visitors.Estimate())
	}
	if s.Lengths[0] != 1 || s.Lengths[analytics.Bucket(10*time.Minute)] != 1 {
		t.Fatalf("visit lengths %v", s.Lengths)
	}
	// Three views from google.com are fewer than k: counted, but not named.
	if refs := s.Tables[analytics.DimReferrer]; refs[analytics.Other] != 3 || len(refs) != 1 {
		t.Fatalf("referrers %v", s.Tables[analytics.DimReferrer])
	}
	// A tampered cookie counts as a new visitor, never as an error.
	b.jar["portal_visit"].Value = "garbage"
	if r := b.get("/"); r.Code != 200 {
		t.Fatalf("tampered cookie: %d", r.Code)
	}
	if v := h.traffic(day).Sum.Visitors.Estimate(); v != 2 {
		t.Fatalf("visitors after a tampered cookie: %d", v)
	}
}

// The proof the notice's promise holds: 1 000 page views from varied addresses
// (through the trusted proxy) and browsers, half with the analytics cookie; afterwards
// no IP address, visitor id or user-agent string is anywhere in the database.
func TestNoVisitorDataIsStored(t *testing.T) {
	h := newHarnessWith(t, func(o *handlers.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	day := analytics.DayOf(h.clock.Now())
	codec, err := analytics.NewVisitorCodec(append(make64(1), make32(2)...), "portal_visit", 180*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var ips, uas, ids []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for v := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ip := fmt.Sprintf("203.%d.%d.%d", 64+v%50, v, 10+v)
			if v%3 == 0 {
				ip = fmt.Sprintf("2001:db8:%x:%x::%x", v, v*7, v+1)
			}
			ua := fmt.Sprintf("Mozilla/5.0 (Linux; Android 14; Pixel %d) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/13%d.0.%d.0 Mobile Safari/537.36", v, v%10, 6000+v)
			b := h.browser(withUA(ua), func(r *http.Request) {
				r.RemoteAddr = "10.0.0.7:4444"
				r.Header.Set("X-Forwarded-For", ip)
			})
			if v%2 == 0 {
				b.post("/cookies", url.Values{"choice": {"accept"}})
			}
			for i := range 10 {
				b.get([]string{"/", "/privacy", "/privacy/files", "/guest/track", "/cookies"}[i%5])
			}
			mu.Lock()
			defer mu.Unlock()
			ips, uas = append(ips, ip), append(uas, ua)
			if ck, ok := b.jar["portal_visit"]; ok {
				vis, ok := codec.Decode(ck.Value, h.clock.Now())
				if !ok {
					t.Errorf("visitor cookie %q does not decode", ck.Value)
					return
				}
				ids = append(ids, string(vis.ID[:]))
			}
		}()
	}
	wg.Wait()
	r := h.traffic(day)
	if r.Sum.Views != 1000 {
		t.Fatalf("views %d, want 1000", r.Sum.Views)
	}
	if len(ids) != 50 || r.Sum.Visitors.Estimate() < 48 || r.Sum.Visitors.Estimate() > 52 {
		t.Fatalf("visitors: %d cookies, estimate %d", len(ids), r.Sum.Visitors.Estimate())
	}
	if n := r.Sum.Networks.Estimate(); n < 95 || n > 105 {
		t.Fatalf("networks estimate %d, want about 100", n)
	}
	dump := storetest.Dump(t, h.db)
	for _, ip := range ips {
		a := netip.MustParseAddr(ip)
		for _, form := range []string{ip, a.StringExpanded(), string(a.AsSlice())} {
			if strings.Contains(dump, form) {
				t.Fatalf("address %s stored", ip)
			}
		}
	}
	for _, ua := range uas {
		if strings.Contains(dump, ua) || strings.Contains(dump, ua[strings.Index(ua, "Pixel"):strings.Index(ua, ")")]) {
			t.Fatalf("user agent stored: %s", ua)
		}
	}
	for _, id := range ids {
		for _, form := range []string{id, hex.EncodeToString([]byte(id)), base64.StdEncoding.EncodeToString([]byte(id)),
			base64.RawURLEncoding.EncodeToString([]byte(id)), base64.StdEncoding.EncodeToString([]byte(id))[:20]} {
			if strings.Contains(dump, form) {
				t.Fatalf("visitor id stored (as %q)", form)
			}
		}
	}
	if !strings.Contains(dump, "/privacy/files") {
		t.Fatal("the dump holds no counters: the scan proves nothing")
	}
}

// Counting under load from many browsers at once loses nothing, also while flushes run.
func TestConcurrentCountingLosesNothing(t *testing.T) {
	h := newHarness(t)
	day := analytics.DayOf(h.clock.Now())
	stop := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				_ = h.srv.Counter.Flush(context.Background(), h.clock.Now())
			}
		}
	}()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := h.browser(withUA(chromeUA))
			b.post("/cookies", url.Values{"choice": {"accept"}})
			for range 25 {
				b.get("/privacy")
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-flushed
	r := h.traffic(day)
	if r.Sum.Views != 500 || r.Sum.Visits != 20 || r.Sum.Tables[analytics.DimPath]["/privacy"] != 500 {
		t.Fatalf("views %d visits %d", r.Sum.Views, r.Sum.Visits)
	}
}

// The webmaster's report: presets and a custom range, totals, the chart with its table,
// one table per dimension; small figures hidden as "< 5", with a complementary figure
// hidden too; the CSV holds exactly what the page shows.
func TestTrafficReport(t *testing.T) {
	h := newHarness(t)
	h.makeUser("web@agency.example", "網管", staffPassword, account.RoleWebmaster)
	// Today is 2026-11-23 in Taipei.
	h.seedTraffic(
		trafficDay("2026-11-20", 120, map[string]int64{"/": 100, "/privacy": 12, "/cookies": 6, "/privacy/files": 2}),
		trafficDay("2026-11-21", 80, map[string]int64{"/": 80}),
		trafficDay("2026-11-22", 2, map[string]int64{"/": 2}),
	)
	cat := i18n.MustLoad()
	web := h.signIn("web@agency.example", staffPassword)
	r := web.get("/webmaster/traffic?from=2026-11-20&to=2026-11-22")
	if r.Code != 200 {
		t.Fatalf("report: %d", r.Code)
	}
	if got := r.text(".totals div:first-child dd"); got != "202" {
		t.Fatalf("views total %q", got)
	}
	rows, titles := map[string]string{}, map[string]string{}
	r.doc.Find(`section[aria-labelledby="t-path"] tbody tr`).Each(func(_ int, s *goquery.Selection) {
		key := strings.TrimSpace(s.Find("th").Text())
		if route := s.Find("th .route"); route.Length() > 0 {
			key = strings.TrimSpace(route.Text())
			titles[key] = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s.Find("th").Text()), key))
		}
		rows[key] = strings.TrimSpace(s.Find("td").Text())
	})
	// Pages are named by their titles beside their route patterns.
	if titles["/"] != cat.T(i18n.ZH, "home.title") || titles["/cookies"] != cat.T(i18n.ZH, "cookies.title") {
		t.Fatalf("page titles %v", titles)
	}
	// A page under k is not named: its 2 views go into Other, shown as "< 5".
	if rows["/"] != "182" || rows["/cookies"] != "6" || rows["其他"] != "< 5" || len(rows) != 4 {
		t.Fatalf("pages table %v", rows)
	}
	// 2 is hidden under a known total of 202. Withholding 6 as well would leave a hidden
	// sum of 8, so the small one could only be 1..3: 12 is withheld instead.
	if rows["/privacy"] != "—" {
		t.Fatalf("no complementary suppression: %v", rows)
	}
	daily := map[string]string{}
	r.doc.Find(".daily-table tbody tr").Each(func(_ int, s *goquery.Selection) {
		daily[strings.TrimSpace(s.Find("th").Text())] = strings.TrimSpace(s.Find("td").First().Text())
	})
	if daily["2026-11-22"] != "< 5" || daily["2026-11-20"] != "120" || daily["2026-11-21"] != "—" {
		t.Fatalf("daily views %v", daily)
	}
	if r.doc.Find(`abbr[title="少於 5，不顯示"]`).Length() == 0 || r.doc.Find(`abbr[title="為保護其他較小的數字而不顯示"]`).Length() == 0 {
		t.Fatal("hidden figures carry no spoken explanation")
	}
	if r.doc.Find("figure.chart svg[role=img] title").Length() == 0 || r.doc.Find("svg rect.bar-hidden").Length() != 1 || r.doc.Find("svg rect.bar-withheld").Length() != 1 {
		t.Fatal("the chart is missing or does not mark the hidden day")
	}
	// The CSV is the page.
	// The CSV is the page, in tidy columns: figures as plain numbers (seconds for
	// durations), hidden ones empty with the reason beside them.
	res := web.get("/webmaster/traffic.csv?from=2026-11-20&to=2026-11-22")
	body := res.Body.String()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if res.Code != 200 || err != nil || len(recs) < 2 || len(recs[0]) != 6 {
		t.Fatalf("csv %d %v:\n%s", res.Code, err, body)
	}
	pages, totals := map[string][]string{}, map[string][]string{}
	for _, rec := range recs[1:] {
		switch rec[0] {
		case cat.T(i18n.ZH, "traffic.dim.path"):
			pages[rec[1]] = rec
		case cat.T(i18n.ZH, "traffic.totals"):
			totals[rec[1]] = rec
		}
		if rec[3] == "2" {
			t.Fatalf("the CSV shows a hidden figure: %v", rec)
		}
	}
	if p := pages["/"]; p == nil || p[2] != cat.T(i18n.ZH, "home.title") || p[3] != "182" || p[4] != "次" || p[5] != "" {
		t.Fatalf("csv row for /: %v\n%s", p, body)
	}
	if p := pages["其他"]; p == nil || p[3] != "" || p[5] != cat.T(i18n.ZH, "traffic.hidden_below", 5) {
		t.Fatalf("csv row for other: %v", p)
	}
	if p := pages["/privacy"]; p == nil || p[3] != "" || p[5] != cat.T(i18n.ZH, "traffic.hidden_withheld") || pages["/privacy/files"] != nil {
		t.Fatalf("csv rows for /privacy: %v %v", p, pages["/privacy/files"])
	}
	// 202 views' visits last 60 s each: the average visit is 60 seconds, a number.
	if v := totals[cat.T(i18n.ZH, "traffic.avg_visit")]; v == nil || v[3] != "60" || v[4] != "秒" {
		t.Fatalf("csv average visit: %v\n%s", v, body)
	}
	// Presets and English.
	en := h.signIn("web@agency.example", staffPassword, english)
	if r := en.get("/webmaster/traffic?preset=7d"); r.Code != 200 || !strings.Contains(r.text("h1"), "Traffic report") ||
		r.doc.Find(`.presets a[aria-current]`).Text() != "Last 7 days" {
		t.Fatalf("English preset: %d %q", r.Code, r.text("h1"))
	}
	// Bad ranges: a clear message in the page's language, 400, never a 500.
	for _, q := range []string{"from=2026-11-22&to=2026-11-01", "from=2020-01-01&to=2026-11-01", "from=2026-13-45&to=x", "from=2026-11-01",
		"preset=forever", "from=" + strings.Repeat("9", 5000), "from=2027-01-01&to=2027-01-02"} {
		r := web.get("/webmaster/traffic?" + q)
		if r.Code != http.StatusBadRequest || r.doc.Find(".error-summary li").Length() == 0 {
			t.Errorf("%s: %d %q", q, r.Code, r.text(".error-summary"))
		}
		if c := web.get("/webmaster/traffic.csv?" + q); c.Code != http.StatusBadRequest {
			t.Errorf("csv %s: %d", q, c.Code)
		}
	}
	if r := en.get("/webmaster/traffic?from=2026-11-22&to=2026-11-01"); !strings.Contains(r.text(".error-summary"), "cannot be before") {
		t.Fatalf("English message: %q", r.text(".error-summary"))
	}
	// Today is still being counted: it is in no range, so two looks a minute apart
	// cannot differ by one visitor's views.
	b := h.browser(withUA(chromeUA))
	b.get("/")
	h.traffic("2026-11-23")
	r = web.get("/webmaster/traffic?preset=7d")
	if r.doc.Find(`.daily-table th:contains("2026-11-23")`).Length() != 0 || r.doc.Find(`.daily-table th:contains("2026-11-22")`).Length() != 1 {
		t.Fatal("the report includes the day still being counted")
	}
	if r := web.get("/webmaster/traffic?from=2026-11-23&to=2026-11-23"); r.Code != http.StatusBadRequest {
		t.Fatalf("a range of today alone: %d", r.Code)
	}
	// A range with nothing counted shows zeros, not an error.
	if r := web.get("/webmaster/traffic?from=2024-01-01&to=2024-12-31"); r.Code != 200 || r.text(".totals div:first-child dd") != "0" {
		t.Fatalf("empty range: %d %q", r.Code, r.text(".totals dd"))
	}
}

// A visitor cookie sealed by the earlier codec still tells its visitor apart: the next
// view reads it and sends it back in the new format, with the same visitor.
func TestVisitorCookieOfTheEarlierFormatKeepsItsVisitor(t *testing.T) {
	h := newHarness(t)
	old := securecookie.New(make64(1), make32(2))
	old.MaxAge(180 * 24 * 3600)
	id := analytics.NewVisitorID()
	start := h.clock.Now().Add(-time.Minute).Unix()
	enc, err := old.Encode("portal_visit", analytics.Visitor{ID: id, Start: start, Last: start})
	if err != nil {
		t.Fatal(err)
	}
	b := h.browser(withUA(chromeUA))
	b.post("/cookies", url.Values{"choice": {"accept"}, "next": {"/"}})
	b.jar["portal_visit"] = &http.Cookie{Name: "portal_visit", Value: enc}
	b.get("/")
	codec, _ := analytics.NewVisitorCodec(append(make64(1), make32(2)...), "portal_visit", 180*24*time.Hour)
	v, ok := codec.Decode(b.jar["portal_visit"].Value, h.clock.Now())
	if !ok || v.ID != id || v.Start != start || v.Last != h.clock.Now().Unix() {
		t.Fatalf("after the view: decoded %v, %+v", ok, v)
	}
}

// A year is drawn as weekly bars (Monday to Sunday), labelled by month, each bar hidden
// as a day would be: a week with a day under k is not drawn as its total, a week of
// nothing is "< k", never zero. Over two years the bars are months; up to 90 days, days.
func TestTrafficChartWeeklyAndMonthlyBars(t *testing.T) {
	h := newHarness(t)
	h.makeUser("web@agency.example", "網管", staffPassword, account.RoleWebmaster)
	// Today is 2026-11-23; 2025-11-23 is a Sunday.
	start := time.Date(2025, 11, 23, 0, 0, 0, 0, time.UTC)
	var days []*analytics.Day
	for i := range 365 {
		d := start.AddDate(0, 0, i).Format(time.DateOnly)
		switch {
		case d == "2026-03-08":
			days = append(days, trafficDay(d, 2, map[string]int64{"/": 2}))
		case d >= "2026-06-01" && d <= "2026-06-07": // a week with nothing counted
		default:
			days = append(days, trafficDay(d, 100, map[string]int64{"/": 100}))
		}
	}
	h.seedTraffic(days...)
	web := h.signIn("web@agency.example", staffPassword)
	r := web.get("/webmaster/traffic?from=2025-11-23&to=2026-11-22")
	if r.Code != 200 {
		t.Fatalf("report: %d", r.Code)
	}
	bars := map[string]string{}
	r.doc.Find("figure.chart svg rect[class^=bar]").Each(func(_ int, s *goquery.Selection) {
		title := s.Find("title").Text()
		dates, text, _ := strings.Cut(title, "：") // the page is in Chinese: a full-width colon
		bars[dates] = text + " " + s.AttrOr("class", "")
	})
	if len(bars) != 53 || !strings.Contains(r.text("figure.chart figcaption"), "每週瀏覽次數，週一至週日") {
		t.Fatalf("%d bars for a year, want 53 weeks; caption %q", len(bars), r.text("figure.chart figcaption"))
	}
	for dates, want := range map[string]string{
		"2025-11-23":              "— bar-withheld", // the Sunday the range starts on, withheld as a day to protect the small one
		"2025-11-24 – 2025-11-30": "700 bar",
		"2026-03-02 – 2026-03-08": "— bar-withheld", // 602, but 2 of it is a hidden day
		"2026-06-01 – 2026-06-07": "< 5 bar-hidden",
		"2026-11-16 – 2026-11-22": "700 bar",
	} {
		if bars[dates] != want {
			t.Errorf("bar %s: %q, want %q", dates, bars[dates], want)
		}
	}
	var labels []string
	r.doc.Find("figure.chart svg text.tick[text-anchor]").Each(func(_ int, s *goquery.Selection) {
		if l := s.Text(); strings.Count(l, "-") == 1 {
			labels = append(labels, l)
		}
	})
	if len(labels) == 0 || len(labels) > 7 || labels[0] != "2025-11" {
		t.Errorf("month labels %v", labels)
	}
	// The days are still listed one by one, the small one hidden.
	if n := r.doc.Find(".daily-table tbody tr").Length(); n != 365 || !strings.Contains(r.doc.Find(`.daily-table th:contains("2026-03-08")`).Next().Text(), "< 5") {
		t.Errorf("daily table: %d rows", n)
	}
	// More than two years: a bar per month, January 2024 to November 2026.
	if r := web.get("/webmaster/traffic?from=2024-01-01&to=2026-11-22"); r.Code != 200 || r.doc.Find("figure.chart svg rect[class^=bar]").Length() != 35 ||
		r.doc.Find(`figure.chart svg rect title:contains("2024-01-01 – 2024-01-31：< 5")`).Length() != 1 {
		t.Errorf("monthly bars: %d, %d bars", r.Code, r.doc.Find("figure.chart svg rect[class^=bar]").Length())
	}
	// 90 days: still a bar a day.
	if r := web.get("/webmaster/traffic?from=2026-08-25&to=2026-11-22"); r.doc.Find("figure.chart svg rect[class^=bar]").Length() != 90 {
		t.Errorf("90 days: %d bars", r.doc.Find("figure.chart svg rect[class^=bar]").Length())
	}
}

// Pages a browser opens at once carry the same older visitor cookie: within the same
// second they get the same new one back (made once), each view is counted, and the
// visitor stays one visitor; a second later the cookie moves on.
func TestPagesOpenedAtOnceGetOneVisitorCookie(t *testing.T) {
	h := newHarness(t)
	day := analytics.DayOf(h.clock.Now())
	b := h.browser(withUA(chromeUA))
	b.post("/cookies", url.Values{"choice": {"accept"}})
	b.get("/")
	old := *b.jar["portal_visit"]
	h.clock.Advance(10 * time.Second)
	var sent []string
	for _, p := range []string{"/privacy", "/cookies", "/"} {
		r := h.get(p, withUA(chromeUA), func(r *http.Request) {
			r.AddCookie(b.jar["portal_cookies"])
			r.AddCookie(&old)
		})
		ck := cookieNamed(r, "portal_visit")
		if r.Code != 200 || ck == nil || ck.Value == old.Value {
			t.Fatalf("%s: %d, visitor cookie %v", p, r.Code, ck)
		}
		sent = append(sent, ck.Value)
	}
	if sent[0] != sent[1] || sent[1] != sent[2] {
		t.Fatalf("views in the same second got different cookies: %q", sent)
	}
	h.clock.Advance(time.Second)
	r := h.get("/privacy", withUA(chromeUA), func(r *http.Request) {
		r.AddCookie(b.jar["portal_cookies"])
		r.AddCookie(&old)
	})
	if ck := cookieNamed(r, "portal_visit"); ck == nil || ck.Value == sent[0] {
		t.Fatalf("a second later the cookie did not move on: %v", ck)
	}
	if s := h.traffic(day).Sum; s.Views != 5 || s.Visitors.Estimate() != 1 || s.Visits != 1 {
		t.Fatalf("views %d visitors %d visits %d", s.Views, s.Visitors.Estimate(), s.Visits)
	}
}
