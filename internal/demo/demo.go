// Package demo makes obviously fake people (the agency forbids real personal data in
// tests and demonstrations) and what three years of them leave behind: staff of every
// role, citizens with consent histories, sessions and mail, requests of every kind in
// every state, disclosures, an audit trail of their actions and a year of traffic; and
// an office calendar worked out from the holiday rules (calendar.go). People and their
// records are written in batches (store.Seeder), the audit trail in order of time
// (store.Audit.Seed). `portal demo` and the benchmarks at an agency's size use it.
package demo

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/internal/wire"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
)

// Password signs every demo account in. It is printed: demo data is for trying the
// portal, never for a portal that serves the public.
const Password = "Demo-Portal-2026!"

// MaxPeople is the most citizens one demo writes: an agency's real size.
const MaxPeople = 100_000

// Staff are the named staff accounts (more officers are added for a large agency).
var Staff = []struct{ Email, Name, Role string }{
	{"admin@demo.invalid", "示範管理者 Demo Admin", "administrator"},
	{"officer@demo.invalid", "示範承辦人 Demo Officer", "officer"},
	{"officer2@demo.invalid", "示範承辦人二 Demo Officer Two", "officer"},
	{"webmaster@demo.invalid", "示範網管 Demo Webmaster", "webmaster"},
}

// Email is the address of demo citizen i (from 1).
func Email(i int) string { return fmt.Sprintf("person%03d@demo.invalid", i) }

// Deps are what the demo writes through.
type Deps struct {
	// Portal is the portal's wired stores and services (wire.New): the demo's records
	// are written as the portal's own pages write them.
	Portal *wire.Portal
	// Progress, if set, is told how far each step is.
	Progress func(what string, done, total int64)
	// Now is the demo's present (default: the clock).
	Now time.Time
	// BaseURL makes the links in the demo's mail absolute, as the portal's own are.
	BaseURL string
	// What grows with the agency's activity rather than with its citizens (zero: as the
	// demo scales them): officers besides the named staff (one per 2 000 citizens, 50
	// staff at most), open requests (a third of them, at least 30, at most 300) and
	// disclosure records (one per 500 citizens, at least 12). Benchmarks hold them fixed
	// to compare sizes of population alone.
	Officers, Open, Disclosures int
}

// Result says what was made.
type Result struct {
	Citizens, Requests, Open, Disclosures, AuditEvents int
	HolidayYears                                       []int    // the years whose worked-out holidays were listed
	Took                                               []string // each step and its time
	CitizenIDs, OfficerIDs                             []string
	AdminID                                            string
	Refs                                               []string // every request, oldest first
}

// Generate writes the demo into a database that holds no people yet.
func Generate(ctx context.Context, deps Deps, people int) (*Result, error) {
	if people < 1 || people > MaxPeople {
		return nil, fmt.Errorf("demo: %d people: from 1 to %d", people, MaxPeople)
	}
	now := deps.Now
	if now.IsZero() {
		now = time.Now()
	}
	progress := deps.Progress
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	d := &demo{deps: deps, rng: rand.New(rand.NewPCG(2026, 11)), now: now, progress: progress, people: people, // #nosec G404 -- fake data, the same every run on purpose
		seed: deps.Portal.Seeder()}
	d.from = d.now.AddDate(-3, 0, 0)
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"calendar", d.calendar}, {"staff", d.staff}, {"citizens", func(ctx context.Context) error { return d.makeCitizens(ctx, people) }},
		{"inventory", d.inventory}, {"disclosures", d.disclosures}, {"audit trail", d.auditTrail}, {"traffic", d.traffic},
	}
	res := &Result{}
	for _, st := range steps {
		t0 := time.Now()
		if err := st.run(ctx); err != nil {
			return nil, err
		}
		res.Took = append(res.Took, fmt.Sprintf("%s %s", st.name, time.Since(t0).Round(100*time.Millisecond)))
	}
	res.Citizens, res.Requests, res.Open, res.Disclosures, res.AuditEvents = len(d.citizens), d.nRequests, d.nOpen, d.nDisclosures, len(d.events)
	res.CitizenIDs, res.OfficerIDs, res.AdminID, res.Refs = d.citizens, d.officers, d.admin, d.refs
	res.HolidayYears = d.holidayYears
	return res, nil
}

type demo struct {
	deps     Deps
	rng      *rand.Rand
	now      time.Time
	from     time.Time // the demo agency's first day online, three years ago
	progress func(string, int64, int64)
	seed     *store.Seeder
	hash     string
	officers []string
	admin    string
	citizens []string
	refs     []string
	events   []demoEvent
	people   int

	nRequests, nOpen, nDisclosures int
	holidayYears                   []int
}

func (d *demo) passwordHash() (string, error) {
	// One hash for every demo account: argon2id costs a tenth of a second by design.
	if d.hash == "" {
		h, err := account.HashPassword(Password)
		if err != nil {
			return "", err
		}
		d.hash = h
	}
	return d.hash, nil
}

// staff creates the four named accounts and, for a larger agency, more officers (one per
// 2 000 citizens, at most 50 staff in all), through the ordinary account store.
func (d *demo) staff(ctx context.Context) error {
	hash, err := d.passwordHash()
	if err != nil {
		return err
	}
	type member struct{ email, name, role string }
	var all []member
	for _, s := range Staff {
		all = append(all, member{s.Email, s.Name, s.Role})
	}
	for i := 3; len(all) < 4+min(46, d.extraOfficers()); i++ {
		all = append(all, member{fmt.Sprintf("officer%d@demo.invalid", i), fmt.Sprintf("示範承辦人%d Demo Officer %d", i, i), "officer"})
	}
	for i, s := range all {
		u := &account.User{ID: ids.New("u"), Email: s.email, Name: s.name, Roles: []account.Role{account.Role(s.role)}, PasswordHash: hash,
			PasswordHistory: []string{hash}, PasswordChanged: d.now, Created: d.from, EmailVerified: true, Lang: "zh-TW",
			Expires: d.now.AddDate(0, 6, 0)} // staff accounts carry an end date, like contractors'
		if err := d.deps.Portal.Users.Create(ctx, u); err != nil {
			return fmt.Errorf("demo staff: %w", err)
		}
		switch s.role {
		case "officer":
			d.officers = append(d.officers, u.ID)
		case "administrator":
			d.admin = u.ID
		}
		d.progress("staff", int64(i+1), int64(len(all)))
	}
	return nil
}

func (d *demo) extraOfficers() int {
	if d.deps.Officers > 0 {
		return d.deps.Officers
	}
	return d.people / 2000
}

var demoSurnames = []string{"王", "李", "張", "陳", "林", "黃", "吳", "劉", "蔡", "楊"}

// at is a moment between a and b.
func (d *demo) at(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(d.rng.Int64N(int64(b.Sub(a)))))
}

// demoReq is a request planned before anyone is written, so references follow the order
// of filing.
type demoReq struct {
	person int
	kind   rights.Kind
	ending string
	filed  time.Time
	ref    string
	dupOf  string // for a duplicate: the same person's earlier request
}

var (
	demoOpenEndings   = []string{"submitted", "identity", "review", "extended", "decided"}
	demoClosedEndings = []string{"refused", "fulfilled", "closed", "withdrawn", "duplicate"}
)

// plan decides the requests: about three for every ten citizens, over three years, about
// 300 of them still open (filed in the last five weeks), numbered in order of filing.
func (d *demo) plan(n int) ([]*demoReq, error) {
	total := max(70, n*3/10)
	open := min(300, max(30, total/3))
	if d.deps.Open > 0 {
		open = d.deps.Open
	}
	total = max(total, 2*open) // some closed ones beside the open, whatever the size
	reqs := make([]*demoReq, total)
	for i := range reqs {
		// Kind and ending vary independently, so every kind is seen in every state.
		r := &demoReq{person: d.rng.IntN(n), kind: rights.Kinds[i%len(rights.Kinds)]}
		turn := i / len(rights.Kinds)
		if i < open {
			r.ending = demoOpenEndings[turn%len(demoOpenEndings)]
			r.filed = d.at(d.now.AddDate(0, 0, -35), d.now.Add(-time.Hour))
		} else {
			r.ending = demoClosedEndings[turn%len(demoClosedEndings)]
			r.filed = d.at(d.from.AddDate(0, 1, 0), d.now.AddDate(0, 0, -40))
		}
		reqs[i] = r
	}
	slices.SortFunc(reqs, func(a, b *demoReq) int { return a.filed.Compare(b.filed) })
	next := map[int]int64{}
	for _, r := range reqs {
		y := rights.DateOf(r.filed).Year
		next[y]++
		r.ref = rights.FormatRef(y, next[y])
	}
	return reqs, nil
}

// makeCitizens writes the people in batches, each with what they did: consents given at
// sign-up and some changed since, recent sessions, mail, their requests as officers
// worked them, and the audit events of all of it (kept for the trail, written last).
func (d *demo) makeCitizens(ctx context.Context, n int) error {
	notice, err := d.deps.Portal.Notices.Current(ctx)
	if err != nil {
		return err
	}
	hash, err := d.passwordHash()
	if err != nil {
		return err
	}
	reqs, err := d.plan(n)
	if err != nil {
		return err
	}
	byPerson := map[int][]*demoReq{}
	for _, r := range reqs {
		// A duplicate repeats the person's earlier request; without one it was withdrawn.
		if r.ending == "duplicate" {
			if prev := byPerson[r.person]; len(prev) > 0 {
				r.dupOf = prev[len(prev)-1].ref
			} else {
				r.ending = "withdrawn"
			}
		}
		byPerson[r.person] = append(byPerson[r.person], r)
	}
	cal, err := d.deps.Portal.Calendar.Days(ctx, rights.DateOf(d.from).AddDays(-30), rights.DateOf(d.now).AddDays(120))
	if err != nil {
		return err
	}
	// People are made (receipts signed, texts sealed) while earlier ones are written: the
	// two halves take about as long, and there are two cores.
	type made struct {
		p    store.SeedPerson
		work []demoWork
		err  error
	}
	ch := make(chan made, 500)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(ch)
		for i := 1; i <= n; i++ {
			m := made{}
			m.p, m.work, m.err = d.person(i, n, hash, notice, byPerson[i-1], cal)
			select {
			case ch <- m:
			case <-gctx.Done():
				return
			}
			if m.err != nil {
				return
			}
		}
	}()
	i := 0
	for m := range ch {
		if m.err != nil {
			return m.err
		}
		if err := d.seed.Person(ctx, m.p); err != nil {
			return fmt.Errorf("demo citizen: %w", err)
		}
		for _, w := range m.work {
			if err := d.seed.Request(ctx, w.r, w.acts); err != nil {
				return fmt.Errorf("demo request: %w", err)
			}
		}
		i++
		d.progress("citizens", int64(i), int64(n))
	}
	return d.seed.Flush(ctx)
}

// person makes citizen i (of n) and what they did; only the generating goroutine calls it.
func (d *demo) person(i, n int, hash string, notice *consent.Notice, reqs []*demoReq, cal rights.Calendar) (store.SeedPerson, []demoWork, error) {
	lang := "zh-TW"
	if i%4 == 0 {
		lang = "en"
	}
	// Obviously fake: numbered names and addresses under the reserved .invalid domain.
	created := d.from.Add(time.Duration(int64(d.now.Sub(d.from)-40*24*time.Hour) * int64(i-1) / int64(n))).Add(time.Duration(d.rng.IntN(3600)) * time.Second)
	u := &account.User{ID: ids.New("u"), Email: Email(i), Name: fmt.Sprintf("測試%s%03d (Test Person %03d)", demoSurnames[i%len(demoSurnames)], i, i),
		PasswordHash: hash, PasswordHistory: []string{hash}, PasswordChanged: created, Created: created, EmailVerified: true, Lang: lang}
	if i%7 == 0 {
		u.Phone = fmt.Sprintf("09%08d", i)
	}
	if i%5 == 0 {
		u.Address = fmt.Sprintf("示範市示範路 %d 號（demo address）", i)
	}
	p := store.SeedPerson{User: u}
	person := len(d.citizens)
	d.citizens = append(d.citizens, u.ID)
	d.event(created, evSignUp, person, 0)
	if err := d.consentHistory(&p, notice, created, lang, person); err != nil {
		return p, nil, err
	}
	d.activity(&p, created, person)
	// The verification link was used long ago; a token nobody holds stands for it.
	p.Mail = append(p.Mail, d.mail(u, account.MailVerify, created, "/verify?token="+ids.New("demo")))
	var work []demoWork
	for _, r := range reqs {
		work = append(work, d.request(&p, r, cal, person))
	}
	return p, work, nil
}

// consentHistory: a decision on every purpose at sign-up, then for some a withdrawal and
// for fewer a renewed consent.
func (d *demo) consentHistory(p *store.SeedPerson, n *consent.Notice, created time.Time, lang string, person int) error {
	for k := range n.Purposes {
		pu := &n.Purposes[k]
		e := &consent.Event{Subject: p.User.ID, Action: consent.Decline, Lang: lang, Channel: consent.ChannelWeb, Method: consent.MethodExplicit}
		switch {
		case pu.Required:
			e.Action = consent.Acknowledge // told, not asked
		case d.rng.IntN(3) > 0:
			e.Action = consent.Grant
		}
		if err := d.deps.Portal.Consents.Prepare(n, pu, e, created); err != nil {
			return err
		}
		p.Consents = append(p.Consents, e)
	}
	if d.rng.IntN(10) < 3 {
		var optional []*consent.Purpose
		for k := range n.Purposes {
			if !n.Purposes[k].Required {
				optional = append(optional, &n.Purposes[k])
			}
		}
		if len(optional) > 0 {
			pu := optional[d.rng.IntN(len(optional))]
			when := d.at(created, d.now)
			for _, act := range []consent.Action{consent.Withdraw, consent.Grant} {
				e := &consent.Event{Subject: p.User.ID, Action: act, Lang: p.User.Lang, Channel: consent.ChannelWeb, Method: consent.MethodExplicit}
				if err := d.deps.Portal.Consents.Prepare(n, pu, e, when); err != nil {
					return err
				}
				p.Consents = append(p.Consents, e)
				d.event(when, evConsent, person, 0)
				if d.rng.IntN(3) > 0 {
					break
				}
				when = d.at(when, d.now)
			}
		}
	}
	return nil
}

// activity: sign-ins over the years (a few mistyped passwords), sign-outs, a profile
// change; sessions of the last weeks for the people still active.
func (d *demo) activity(p *store.SeedPerson, created time.Time, person int) {
	visits := 4 + d.rng.IntN(5)
	for range visits {
		at := d.at(created, d.now)
		if d.rng.IntN(6) == 0 {
			d.event(at.Add(-time.Minute), evSignInFailed, person, 0)
		}
		d.event(at, evSignIn, person, 0)
		d.event(at.Add(time.Duration(5+d.rng.IntN(40))*time.Minute), evSignOut, person, 0)
	}
	if d.rng.IntN(4) == 0 {
		d.event(d.at(created, d.now), evProfile, person, 0)
	}
	if d.rng.IntN(5) == 0 {
		for k := range 1 + d.rng.IntN(2) {
			seen := d.now.Add(-time.Duration(d.rng.IntN(14*24)) * time.Hour)
			p.Sessions = append(p.Sessions, &account.Session{ID: fmt.Sprintf("demo-%s-%d", p.User.ID, k), UserID: p.User.ID,
				Created: seen.Add(-time.Hour), LastSeen: seen})
		}
	}
}

// mail is a delivered message kept as the portal keeps its own: kind, link and
// arguments, worded in whichever language its reader has when it is read.
func (d *demo) mail(u *account.User, kind string, at time.Time, link string, args ...mail.Arg) *mail.Message {
	return &mail.Message{ID: ids.New("m"), UserID: u.ID, To: u.Email, Lang: u.Lang, Kind: kind, Coded: true,
		Link: strings.TrimRight(d.deps.BaseURL, "/") + link, Args: args,
		Created: at, NextAttempt: at, SentAt: at.Add(time.Duration(1+d.rng.IntN(60)) * time.Second), Attempts: 1}
}

type demoWork struct {
	r    *rights.Request
	acts []store.TimedAction
}

// request files one planned request and works it to its ending, as officers would have,
// spread over the days after filing.
func (d *demo) request(p *store.SeedPerson, plan *demoReq, cal rights.Calendar, person int) demoWork {
	officer := d.officers[len(d.refs)%len(d.officers)] // as auditEvent names them
	r := &rights.Request{Ref: plan.ref, Kind: plan.kind, Subject: p.User.ID, Channel: rights.ChannelWeb,
		Scope: fmt.Sprintf("示範請求：帳號資料與申請紀錄（demo request %s）", plan.ref)}
	switch plan.kind {
	case rights.Correct:
		r.Field, r.Proposed, r.Explanation = "address", "示範市示範路 1 號（demo address）", "示範：已搬家"
	case rights.Stop, rights.Delete:
		r.Purposes = []string{"newsletter"}
	}
	rights.File(r, plan.filed, cal)
	due := r.Due.String() // as the confirmation of the filing said, before any extension
	ending := plan.ending
	// A granted erasure would remove the person the demo just made.
	switch {
	case plan.kind == rights.Delete && ending == "decided":
		ending = "review"
	case plan.kind == rights.Delete && (ending == "fulfilled" || ending == "closed"):
		ending = "refused"
	}
	at := plan.filed
	var acts []store.TimedAction
	step := func(days int, act rights.Action) {
		at = at.Add(time.Duration(days)*24*time.Hour + time.Duration(d.rng.IntN(6*3600))*time.Second)
		if at.After(d.now) {
			at = d.now.Add(-time.Minute)
		}
		acts = append(acts, store.TimedAction{At: at, Act: act})
		d.event(at.Add(-2*time.Minute), evOfficerView, person, len(d.refs))
		d.event(at, evOfficerAct, person, len(d.refs))
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
	// About one closed request in twelve was decided a few days late, as happens.
	decideIn := func(days int) int {
		if d.rng.IntN(12) == 0 {
			return max(days, rights.DaysLeft(r.Due, rights.DateOf(at))+1+d.rng.IntN(4))
		}
		return days
	}
	identity := func() {
		if plan.kind == rights.View || plan.kind == rights.Copy {
			step(1, rights.RecordIdentity(officer, rights.IdentityDocument, "示範：證件已核對"))
		}
	}
	switch ending {
	case "identity":
		step(1, rights.AskIdentity(officer, "示範：請補身分證明文件"))
	case "review":
		step(1, rights.StartReview(officer))
	case "extended":
		step(1, rights.StartReview(officer))
		if rights.DaysLeft(r.Due, rights.DateOf(at.AddDate(0, 0, 3))) >= 0 {
			step(3, rights.ExtendOnce(officer, "示範：需調閱其他檔案（demo: other files needed）", cal))
		}
	case "decided":
		step(1, rights.StartReview(officer))
		identity()
		step(3, rights.Decide(officer, items(true), nil))
	case "refused":
		step(1, rights.StartReview(officer))
		step(decideIn(4), rights.Decide(officer, items(false), nil))
		step(2, rights.Close(officer))
	case "fulfilled", "closed":
		step(1, rights.StartReview(officer))
		identity()
		step(decideIn(5), rights.Decide(officer, items(true), nil))
		step(2, rights.Fulfil(officer, "示範：已完成（demo: done）"))
		if ending == "closed" {
			step(7, rights.Close(officer))
		}
	case "withdrawn":
		at = at.Add(time.Duration(1+d.rng.IntN(48)) * time.Hour)
		acts = append(acts, store.TimedAction{At: at, Act: rights.Withdraw(r.Subject)})
		d.event(at, evWithdraw, person, len(d.refs))
	case "duplicate":
		step(2, rights.MarkDuplicate(officer, plan.dupOf, "示範：與先前申請重複"))
	}
	d.event(plan.filed, evFile, person, len(d.refs))
	d.refs = append(d.refs, plan.ref)
	p.Mail = append(p.Mail, d.mail(p.User, "request_received", plan.filed, "/requests/"+r.Ref, mail.Text(r.Ref), mail.Date(due)))
	d.nRequests++
	if slices.Contains(demoOpenEndings, ending) {
		d.nOpen++
	}
	return demoWork{r: r, acts: acts}
}

// inventory fills the agency's register of personal data files (PDPA Art. 17) with the
// files the portal itself keeps, as an administrator would on the first day.
func (d *demo) inventory(ctx context.Context) error {
	inv := d.deps.Portal.Inventory
	const unit, contact = "示範市政府數位服務處資訊科 Demo Digital Services Office, IT Section", "privacy@agency.example, 0800-000-123"
	files := []inventory.File{
		{NameZH: "個人資料權利服務網會員帳號資料檔", NameEN: "Privacy rights portal accounts", LegalBasis: "個人資料保護法第15條第1款、第2款 PDPA Art. 15(1), (2)",
			Purposes: []string{"069", "135", "136"}, Categories: []string{"C001", "C011"},
			RetentionZH: "帳號存續期間", RetentionEN: "While the account exists", Systems: []string{"個人資料權利服務網 Privacy rights portal"}},
		{NameZH: "個人資料權利請求案件檔", NameEN: "Personal data rights requests", LegalBasis: "個人資料保護法第3條、第10條、第11條、第13條 PDPA Arts. 3, 10, 11, 13",
			Purposes: []string{"090"}, Categories: []string{"C001", "C011"},
			RetentionZH: "依檔案法及本府文書保存年限", RetentionEN: "As the Archives Act and the city's records schedule require", Systems: []string{"個人資料權利服務網 Privacy rights portal", "公文系統 Document management"}},
		{NameZH: "市政電子報訂閱名單", NameEN: "City newsletter subscribers", LegalBasis: "當事人同意（個人資料保護法第15條第2款） Consent (PDPA Art. 15(2))",
			Purposes: []string{"040"}, Categories: []string{"C001"},
			RetentionZH: "至當事人撤回同意為止", RetentionEN: "Until the person withdraws consent", Systems: []string{"電子報發送系統 Newsletter system"}},
		{NameZH: "網站服務滿意度調查回覆", NameEN: "Website satisfaction survey answers", LegalBasis: "當事人同意（個人資料保護法第16條第7款） Consent (PDPA Art. 16(7))",
			Purposes: []string{"157"}, Categories: []string{"C001", "C011"},
			RetentionZH: "調查結束後一年", RetentionEN: "One year after the survey ends", Systems: []string{"問卷系統 Survey system"}},
	}
	for i := range files {
		f := &files[i]
		f.Unit, f.Contact, f.Changed, f.ChangedBy = unit, contact, d.from, d.admin
		if err := inventory.Validate(f).OrNil(); err != nil {
			return fmt.Errorf("demo inventory %s: %w", f.NameEN, err)
		}
		if err := inv.Save(ctx, f); err != nil {
			return fmt.Errorf("demo inventory: %w", err)
		}
	}
	return nil
}

// demoDisclosure is a plausible disclosure: the ground it rests on, who receives the data
// under it and what they asked for.
type demoDisclosure struct {
	ground, kind, name, address, description string
	categories                               []string
	count                                    bool // de-identified: a count, no people named
}

var demoDisclosures = []demoDisclosure{
	{"notice-1", "judicial", "示範地方檢察署 Demo District Prosecutors Office", "示範市示範路 100 號（demo address）",
		"示範：偵查案件來函調閱申請人聯絡資料（demo: contact details for an investigation）", []string{"C001"}, false},
	{"notice-1", "judicial", "示範地方法院 Demo District Court", "示範市法院路 1 號（demo address）",
		"示範：民事事件調查，提供帳號註冊資料（demo: account details for a civil case）", []string{"C001", "C011"}, false},
	{"notice-2", "government", "示範市政府警察局 Demo City Police Department", "示範市警政路 5 號（demo address）",
		"示範：依警察職權行使法查詢聯絡方式（demo: contact details under police powers）", []string{"C001"}, false},
	{"notice-8", "contractor", "示範資訊服務股份有限公司 Demo IT Services Co., Ltd.", "示範市科技路 20 號（demo address）",
		"示範：系統維運委外，受託處理帳號資料（demo: running the portal under contract）", []string{"C001", "C011"}, false},
	{"notice-5", "research", "示範大學公共政策研究所 Demo University Institute of Public Policy", "示範市大學路 1 號（demo address）",
		"示範：服務滿意度研究，去識別化統計資料（demo: de-identified figures for a study）", []string{"C011"}, true},
	{"art16-1", "government", "示範市政府社會局 Demo City Social Welfare Department", "示範市社福路 3 號（demo address）",
		"示範：依社會救助法查核資格（demo: eligibility check required by law）", []string{"C001"}, false},
	{"art16-3", "government", "示範市政府消防局 Demo City Fire Department", "示範市消防路 119 號（demo address）",
		"示範：緊急救護聯絡當事人家屬（demo: reaching family in an emergency）", []string{"C001"}, false},
	{"art16-5", "research", "示範統計處 Demo Statistics Office", "示範市統計路 8 號（demo address）",
		"示範：年度公務統計，去識別化（demo: official statistics, de-identified）", []string{"C011"}, true},
	{"notice-7", "individual", "當事人指定之代理人（示範） An agent the person named (demo)", "示範市示範路 2 號（demo address）",
		"示範：經當事人書面同意提供申請紀錄（demo: request records with the person's written consent）", []string{"C001"}, false},
}

// disclosures records one disclosure per 500 citizens (at least 12) over the three
// years through the ordinary register, each a plausible pairing of ground and recipient;
// most name a few people, de-identified ones only a count.
func (d *demo) disclosures(ctx context.Context) error {
	reg := d.deps.Portal.Disclosures
	n := max(12, len(d.citizens)/500)
	if d.deps.Disclosures > 0 {
		n = d.deps.Disclosures
	}
	for i := range n {
		k := demoDisclosures[i%len(demoDisclosures)]
		first := rights.DateOf(d.at(d.from, d.now.AddDate(0, 0, -10)))
		officer := d.officers[i%len(d.officers)]
		rec := &disclosure.Record{First: first, RecipientName: k.name, RecipientAddress: k.address, RecipientKind: k.kind,
			Categories: k.categories, Description: k.description, Ground: k.ground,
			Reference: fmt.Sprintf("示範字第 %04d 號", i+1), Officer: officer, Changed: d.now, ChangedBy: officer}
		if k.count {
			rec.Count = 40 + d.rng.IntN(2000)
		} else {
			for range 1 + d.rng.IntN(3) {
				rec.Subjects = append(rec.Subjects, d.citizens[d.rng.IntN(len(d.citizens))])
			}
		}
		if k.kind == "contractor" {
			// Running the service under contract is a monthly series, not one event.
			rec.Frequency, rec.Last = "每月 monthly", rights.DateOf(d.now.AddDate(0, 0, -1))
		}
		if i == 2 {
			rec.WithheldUntil = rights.DateOf(d.now).AddDays(60) // an investigation asked for silence
		}
		if err := reg.Save(ctx, rec); err != nil {
			return fmt.Errorf("demo disclosure: %w", err)
		}
		d.nDisclosures++
		d.progress("disclosures", int64(i+1), int64(n))
	}
	return nil
}

// What a demo audit event records; the trail is written once every person is, in order
// of time (a chain cannot be written out of order).
const (
	evSignUp uint8 = iota + 1
	evSignIn
	evSignInFailed
	evSignOut
	evConsent
	evProfile
	evFile
	evWithdraw
	evOfficerView
	evOfficerAct
)

// demoEvent is compact (a million of them are held at once): what, when, whose.
type demoEvent struct {
	at     int64 // Unix milliseconds
	kind   uint8
	person int32
	req    int32 // index in d.refs, for request events
}

func (d *demo) event(at time.Time, kind uint8, person, req int) {
	if at.After(d.now) {
		at = d.now
	}
	d.events = append(d.events, demoEvent{at: at.UnixMilli(), kind: kind, person: int32(person), req: int32(req)}) // #nosec G115 -- at most 100 000 people and requests
}

// auditTrail writes the events in order of time, as one sequence (store.Audit.SeedAll).
func (d *demo) auditTrail(ctx context.Context) error {
	slices.SortStableFunc(d.events, func(a, b demoEvent) int { return cmp.Compare(a.at, b.at) })
	all := func(yield func(*audit.Event) bool) {
		for i, ev := range d.events {
			if !yield(d.auditEvent(ev)) {
				return
			}
			d.progress("audit events", int64(i+1), int64(len(d.events)))
		}
	}
	if err := d.deps.Portal.Audit.SeedAll(ctx, all); err != nil {
		return fmt.Errorf("demo audit trail: %w", err)
	}
	return nil
}

func (d *demo) auditEvent(ev demoEvent) *audit.Event {
	e := &audit.Event{At: time.UnixMilli(ev.at).UTC(), Actor: d.citizens[ev.person], Role: "citizen", Outcome: audit.OK,
		Details: map[string]string{"status": "303"}}
	ref := ""
	if int(ev.req) < len(d.refs) {
		ref = d.refs[ev.req]
	}
	switch ev.kind {
	case evSignUp:
		e.Action = "POST /signup"
	case evSignIn:
		e.Action = "POST /signin"
	case evSignInFailed:
		e.Action, e.Outcome, e.Details["status"] = "POST /signin", audit.Refused, "401"
	case evSignOut:
		e.Action = "POST /signout"
	case evConsent:
		e.Action = "POST /account/consents"
	case evProfile:
		e.Action = "POST /account/profile"
	case evFile:
		e.Action, e.Target = "POST /requests", ref
	case evWithdraw:
		e.Action, e.Target, e.Details["ref"] = "POST /requests/:ref/withdraw", ref, ref
	case evOfficerView, evOfficerAct:
		officer := d.officers[int(ev.req)%len(d.officers)]
		e.Actor, e.Role, e.Addr, e.Target = officer, "officer", "192.0.2.10", ref
		e.Details["ref"] = ref
		if ev.kind == evOfficerView {
			e.Action, e.Details["status"] = "GET /officer/requests/:ref", "200"
		} else {
			e.Action, e.Details["action"] = "POST /officer/requests/:ref/:action", "act"
		}
	}
	return e
}

// demoPaths are the counted pages with how often each is seen: the home page and the
// notice most, the citizen's own pages less, the public statistics rarely.
var demoPaths = []struct {
	path   string
	weight int
}{{"/", 30}, {"/privacy", 16}, {"/signin", 10}, {"/account", 8}, {"/requests", 7}, {"/signup", 5}, {"/requests/new", 5},
	{"/account/consents", 4}, {"/guest/track", 4}, {"/cookies", 3}, {"/guest/requests/new", 3}, {"/transparency", 3}, {"/privacy/files", 2}}

// demoHours is the shape of a day in Taipei: little at night, a morning and an afternoon
// peak in office hours, some in the evening.
var demoHours = [24]int{1, 1, 0, 0, 0, 1, 2, 4, 8, 12, 14, 12, 7, 10, 13, 12, 10, 8, 6, 6, 6, 5, 3, 2}

// pick draws an index by weight.
func (d *demo) pick(weights func(int) int, n, total int) int {
	x := d.rng.IntN(total)
	for i := range n {
		if x -= weights(i); x < 0 {
			return i
		}
	}
	return n - 1
}

// traffic writes a year of plausible daily counters: a weekly rhythm (weekdays busy,
// weekends a third), noise from day to day, a slow rise over the year, and one day of a
// news story that sends five times the usual crowd to the notice; then the month summaries.
func (d *demo) traffic(ctx context.Context) error {
	st := d.deps.Portal.Analytics
	h := analytics.NewHasher([]byte("demo"))
	pathTotal, hourTotal := 0, 0
	for _, p := range demoPaths {
		pathTotal += p.weight
	}
	for _, w := range demoHours {
		hourTotal += w
	}
	spike := 100 + d.rng.IntN(200) // days ago
	for i := 365; i >= 1; i-- {
		day := d.now.AddDate(0, 0, -i)
		base := float64(250+(365-i)/3) * (0.75 + 0.5*d.rng.Float64())
		if wd := day.In(twtime.Zone).Weekday(); wd == time.Saturday || wd == time.Sunday {
			base /= 3
		}
		if i == spike {
			base *= 5
		}
		a := analytics.NewDay(analytics.DayOf(day))
		a.Views = int64(base)
		visits := max(1, a.Views*10/(28+int64(d.rng.IntN(8))))
		a.Visits, a.Online = visits, visits*int64(60+d.rng.IntN(180))
		for v := int64(0); v < a.Views; v++ {
			a.Hours[d.pick(func(h int) int { return demoHours[h] }, 24, hourTotal)]++
			path := demoPaths[d.pick(func(p int) int { return demoPaths[p].weight }, len(demoPaths), pathTotal)].path
			if i == spike && d.rng.IntN(2) == 0 {
				path = "/privacy"
			}
			a.Count(analytics.DimPath, path, 1)
			a.Count(analytics.DimBrowser, []string{"chrome", "chrome", "chrome", "safari", "safari", "edge", "firefox", "samsung", "line"}[d.rng.IntN(9)], 1)
			a.Count(analytics.DimOS, []string{"windows", "windows", "ios", "ios", "android", "android", "macos"}[d.rng.IntN(7)], 1)
			a.Count(analytics.DimDevice, []string{"desktop", "desktop", "mobile", "mobile", "mobile", "tablet"}[d.rng.IntN(6)], 1)
			a.Count(analytics.DimLang, []string{"zh-TW", "zh-TW", "zh-TW", "zh-TW", "zh-TW", "zh-TW", "en", "en", "ja"}[d.rng.IntN(9)], 1)
			a.Count(analytics.DimReferrer, []string{analytics.Direct, analytics.Direct, "internal", "internal", "google.com", "google.com", "gov.tw", "facebook.com", "line.me"}[d.rng.IntN(9)], 1)
		}
		// Most visits are short; a few are long (a form filled in, a letter read).
		left := visits
		for b := range a.Lengths {
			n := left / 2
			if b == len(a.Lengths)-1 {
				n = left
			}
			a.Lengths[b], left = n, left-n
		}
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
