package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
)

// demoPassword signs every demo account in. It is printed: demo data is for trying the
// portal, never for a portal that serves the public.
const demoPassword = "Demo-Portal-2026!"

// demoCmd fills an empty database with obviously fake people (the agency forbids real
// personal data in tests): staff of every role, citizens with consents, requests of every
// kind in every state, disclosures, and a year of traffic counters.
func demoCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	var people int
	c, err := parseConfig("portal demo", args, env, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&people, "people", 120, "how many demo citizens (10 to 5000)")
	})
	if err != nil {
		return err
	}
	if people < 10 || people > 5000 {
		return &usageError{"-people must be from 10 to 5000"}
	}
	a, err := open(c, newLogger(c, stderr), true)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.bootstrap(ctx); err != nil {
		return fmt.Errorf("prepare database: %w", err)
	}
	if empty, err := store.HoldsNoPeople(ctx, a.db); err != nil {
		return err
	} else if !empty {
		return errors.New("the database already holds accounts or requests: demo data goes only into an empty one (use a new PORTAL_DATA_DIR)")
	}
	progress := progressBar(stderr)
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	d := &demo{a: a, rng: rand.New(rand.NewPCG(2026, 11)), now: time.Now(), progress: progress} // #nosec G404 -- fake data, the same every run on purpose
	steps := []func(context.Context) error{d.staff, func(ctx context.Context) error { return d.citizens(ctx, people) }, d.requests, d.disclosures, d.traffic}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Demo data: %d citizens, %d requests, %d disclosures, 365 days of traffic.\n", len(d.citizenIDs), d.nRequests, d.nDisclosures)
	fmt.Fprintf(stdout, "Sign in with any of these (password %s):\n", demoPassword)
	for _, s := range demoStaff {
		fmt.Fprintf(stdout, "  %-28s %s\n", s.email, s.role)
	}
	fmt.Fprintf(stdout, "  %-28s citizen\n", "person001@demo.invalid")
	return nil
}

type demo struct {
	a                       *app
	rng                     *rand.Rand
	now                     time.Time
	progress                func(string, int64, int64)
	officer                 string
	citizenIDs              []string
	nRequests, nDisclosures int
}

var demoStaff = []struct{ email, name, role string }{
	{"admin@demo.invalid", "示範管理者 Demo Admin", "administrator"},
	{"officer@demo.invalid", "示範承辦人 Demo Officer", "officer"},
	{"officer2@demo.invalid", "示範承辦人二 Demo Officer Two", "officer"},
	{"webmaster@demo.invalid", "示範網管 Demo Webmaster", "webmaster"},
}

func (d *demo) user(ctx context.Context, email, name, lang string, roles ...account.Role) (*account.User, error) {
	hash, err := account.HashPassword(demoPassword)
	if err != nil {
		return nil, err
	}
	u := &account.User{ID: account.NewID("u"), Email: email, Name: name, Roles: roles, PasswordHash: hash, PasswordHistory: []string{hash},
		PasswordChanged: d.now, Created: d.now, EmailVerified: true, Lang: lang}
	if len(roles) > 0 {
		u.Expires = d.now.AddDate(0, 6, 0) // staff accounts carry an end date, like contractors'
	}
	return u, d.a.users.Create(ctx, u)
}

func (d *demo) staff(ctx context.Context) error {
	for i, s := range demoStaff {
		u, err := d.user(ctx, s.email, s.name, "zh-TW", account.Role(s.role))
		if err != nil {
			return fmt.Errorf("demo staff: %w", err)
		}
		if s.role == "officer" && d.officer == "" {
			d.officer = u.ID
		}
		d.progress("staff", int64(i+1), int64(len(demoStaff)))
	}
	return nil
}

var demoSurnames = []string{"王", "李", "張", "陳", "林", "黃", "吳", "劉", "蔡", "楊"}

func (d *demo) citizens(ctx context.Context, n int) error {
	notice, err := d.a.notices.Current(ctx)
	if err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		lang := "zh-TW"
		if i%4 == 0 {
			lang = "en"
		}
		// Obviously fake: numbered names and addresses under the reserved .invalid domain.
		name := fmt.Sprintf("測試%s%03d (Test Person %03d)", demoSurnames[i%len(demoSurnames)], i, i)
		u, err := d.user(ctx, fmt.Sprintf("person%03d@demo.invalid", i), name, lang)
		if err != nil {
			return fmt.Errorf("demo citizen: %w", err)
		}
		granted := map[string]bool{}
		for _, p := range notice.Purposes {
			granted[p.ID] = p.Required || d.rng.IntN(3) > 0
		}
		if _, err := d.a.consents.Record(ctx, consent.Decision{Subject: u.ID, Notice: notice, Lang: lang, Granted: granted, Channel: consent.ChannelWeb}); err != nil {
			return fmt.Errorf("demo consents: %w", err)
		}
		d.citizenIDs = append(d.citizenIDs, u.ID)
		d.progress("citizens", int64(i), int64(n))
	}
	return nil
}

// requests files two requests of every kind for each of seven endings, spread over the
// past year, plus open ones from the last month (some overdue).
func (d *demo) requests(ctx context.Context) error {
	reqs := store.NewRequests(d.a.db, d.a.vault)
	cal, err := store.NewCalendar(d.a.db).Days(ctx, rights.DateOf(d.now).AddDays(-400), rights.DateOf(d.now).AddDays(120))
	if err != nil {
		return err
	}
	endings := []string{"submitted", "review", "extended", "refused", "fulfilled", "closed", "withdrawn"}
	total := len(rights.Kinds) * len(endings) * 2
	today := rights.DateOf(d.now)
	for i := 0; i < total; i++ {
		kind := rights.Kinds[i%len(rights.Kinds)]
		ending := endings[(i/len(rights.Kinds))%len(endings)]
		subject := d.citizenIDs[i%len(d.citizenIDs)]
		r := &rights.Request{Kind: kind, Subject: subject, Channel: rights.ChannelWeb, Scope: fmt.Sprintf("示範請求 %d：帳號資料與申請紀錄（demo request %d）", i+1, i+1)}
		switch kind {
		case rights.Correct:
			r.Field, r.Proposed, r.Explanation = "address", "示範市示範路 1 號（demo address）", "示範：已搬家"
		case rights.Stop, rights.Delete:
			r.Purposes = []string{"newsletter"}
		}
		ago := 5 + d.rng.IntN(330)
		if ending == "submitted" || ending == "review" || ending == "extended" {
			ago = d.rng.IntN(35)
		}
		r.Received = today.AddDays(-ago)
		rights.File(r, d.now, cal)
		if err := reqs.Create(ctx, r); err != nil {
			return fmt.Errorf("demo request: %w", err)
		}
		up := func(act rights.Action) error {
			got, err := reqs.Update(ctx, r.Ref, r.Version, d.now, act)
			if err != nil {
				return fmt.Errorf("demo request %s (%s): %w", r.Ref, ending, err)
			}
			r = got
			return nil
		}
		items := func(grant bool) []rights.Item {
			var out []rights.Item
			for _, k := range rights.Items(r) {
				it := rights.Item{Key: k, Granted: grant}
				if !grant {
					it.Grounds, it.Reason = []string{rights.Grounds[r.Kind][0]}, "示範：依法保存中（demo reason）"
				}
				out = append(out, it)
			}
			return out
		}
		var err error
		switch ending {
		case "review":
			err = up(rights.StartReview(d.officer))
		case "extended":
			if err = up(rights.StartReview(d.officer)); err == nil && rights.DaysLeft(r.Due, today) >= 0 {
				err = up(rights.ExtendOnce(d.officer, "示範：需調閱其他檔案（demo: other files needed）", cal))
			}
		case "refused":
			if err = up(rights.StartReview(d.officer)); err == nil {
				if err = up(rights.Decide(d.officer, items(false), nil)); err == nil {
					err = up(rights.Close(d.officer))
				}
			}
		case "fulfilled", "closed":
			if err = up(rights.RecordIdentity(d.officer, rights.IdentityDocument, "示範：證件已核對")); err == nil {
				if err = up(rights.Decide(d.officer, items(true), nil)); err == nil && kind != rights.Delete {
					if err = up(rights.Fulfil(d.officer, "示範：已完成（demo: done）")); err == nil && ending == "closed" {
						err = up(rights.Close(d.officer))
					}
				}
			}
		case "withdrawn":
			err = up(rights.Withdraw(r.Subject))
		}
		if err != nil {
			return err
		}
		d.nRequests++
		d.progress("requests", int64(i+1), int64(total))
	}
	return nil
}

func (d *demo) disclosures(ctx context.Context) error {
	reg := store.NewDisclosures(d.a.db)
	today := rights.DateOf(d.now)
	const n = 12
	for i := 0; i < n; i++ {
		rec := &disclosure.Record{First: today.AddDays(-10 - 25*i), RecipientName: fmt.Sprintf("示範地方法院 Demo District Court %d", i+1),
			RecipientAddress: "示範市示範路 100 號（demo address）", RecipientKind: disclosure.RecipientKinds[i%len(disclosure.RecipientKinds)],
			Categories: []string{"C001"}, Description: "示範：依來函提供聯絡資料（demo: contact details on request）",
			Ground: disclosure.Grounds[i%len(disclosure.Grounds)], Reference: fmt.Sprintf("示範字第 %04d 號", i+1),
			Subjects: []string{d.citizenIDs[i%len(d.citizenIDs)]}, Officer: d.officer, Changed: d.now, ChangedBy: d.officer}
		if i%4 == 3 {
			rec.Subjects, rec.Count = nil, 40+i // de-identified: a count, no links
		}
		if i == 5 {
			rec.WithheldUntil = today.AddDays(60) // an investigation asked for silence
		}
		if err := reg.Save(ctx, rec); err != nil {
			return fmt.Errorf("demo disclosure: %w", err)
		}
		d.nDisclosures++
		d.progress("disclosures", int64(i+1), n)
	}
	return nil
}

var demoPaths = []string{"/", "/privacy", "/privacy/files", "/cookies", "/signin", "/signup", "/guest/requests/new", "/guest/track", "/requests", "/requests/new", "/account", "/account/consents", "/transparency"}

// traffic writes a year of plausible daily counters (weekday peaks, a dip on weekends),
// then the month summaries.
func (d *demo) traffic(ctx context.Context) error {
	st := store.NewAnalytics(d.a.db, time.Now)
	h := analytics.NewHasher([]byte("demo"))
	for i := 365; i >= 1; i-- {
		day := d.now.AddDate(0, 0, -i)
		base := 300 + d.rng.IntN(200)
		if wd := day.In(analytics.Taipei).Weekday(); wd == time.Saturday || wd == time.Sunday {
			base /= 3
		}
		a := analytics.NewDay(analytics.DayOf(day))
		a.Views = int64(base)
		visits := int64(base / 3)
		a.Visits, a.Online = visits, visits*int64(60+d.rng.IntN(180))
		for v := int64(0); v < a.Views; v++ {
			a.Hours[8+int(v)%12]++
			a.Count(analytics.DimPath, demoPaths[d.rng.IntN(len(demoPaths))], 1)
			a.Count(analytics.DimBrowser, []string{"chrome", "safari", "edge", "firefox", "samsung", "line"}[d.rng.IntN(6)], 1)
			a.Count(analytics.DimOS, []string{"windows", "ios", "android", "macos"}[d.rng.IntN(4)], 1)
			a.Count(analytics.DimDevice, []string{"desktop", "mobile", "mobile", "tablet"}[d.rng.IntN(4)], 1)
			a.Count(analytics.DimLang, []string{"zh-TW", "zh-TW", "zh-TW", "en", "ja"}[d.rng.IntN(5)], 1)
			a.Count(analytics.DimReferrer, []string{analytics.Direct, "internal", "google.com", "gov.tw", "facebook.com"}[d.rng.IntN(5)], 1)
		}
		for b := range a.Lengths {
			a.Lengths[b] = visits / analytics.NumBuckets
		}
		a.Lengths[0] += visits - visits/analytics.NumBuckets*analytics.NumBuckets
		for v := int64(0); v < visits*2/3; v++ {
			a.Visitors.Add(h.Sum([]byte(a.Date), []byte{byte(v), byte(v >> 8)}))
			a.Networks.Add(h.Sum([]byte("net"), []byte{byte(v % 97), byte(i)})) // #nosec G115 -- the low byte names a fake network
		}
		if err := st.Put(ctx, a); err != nil {
			return fmt.Errorf("demo traffic: %w", err)
		}
		d.progress("traffic days", int64(366-i), 365)
	}
	return st.Roll(ctx, time.Now())
}
