// Package demo makes obviously fake people (the agency forbids real personal data in
// tests and demonstrations) and what three years of them leave behind: staff of every
// role, citizens with consent histories, sessions and mail, requests of every kind in
// every state, disclosures, an audit trail of their actions and a year of traffic. People
// and their records are written in batches (store.Seeder), the audit trail in order of
// time (store.Audit.Seed). `portal demo` and the benchmarks at an agency's size use it.
package demo

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/outbox"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/vault"
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

// Deps are the stores the demo writes through.
type Deps struct {
	DB       *store.DB
	Vault    *vault.Vault
	EmailKey []byte // the Users store's key
	Users    *store.Users
	Notices  *store.Notices
	Consents *consent.Service
	Audit    *store.Audit
	// Progress, if set, is told how far each step is.
	Progress func(what string, done, total int64)
	// Now is the demo's present (default: the clock).
	Now time.Time
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
		seed: store.NewSeeder(deps.DB, deps.Vault, deps.EmailKey)}
	d.from = d.now.AddDate(-3, 0, 0)
	steps := []struct {
		name string
		run  func(context.Context) error
	}{
		{"staff", d.staff}, {"citizens", func(ctx context.Context) error { return d.makeCitizens(ctx, people) }},
		{"disclosures", d.disclosures}, {"audit trail", d.auditTrail}, {"traffic", d.traffic},
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
		u := &account.User{ID: account.NewID("u"), Email: s.email, Name: s.name, Roles: []account.Role{account.Role(s.role)}, PasswordHash: hash,
			PasswordHistory: []string{hash}, PasswordChanged: d.now, Created: d.from, EmailVerified: true, Lang: "zh-TW",
			Expires: d.now.AddDate(0, 6, 0)} // staff accounts carry an end date, like contractors'
		if err := d.deps.Users.Create(ctx, u); err != nil {
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
		r := &demoReq{person: d.rng.IntN(n), kind: rights.Kinds[i%len(rights.Kinds)]}
		if i < open {
			r.ending = demoOpenEndings[i%len(demoOpenEndings)]
			r.filed = d.at(d.now.AddDate(0, 0, -35), d.now.Add(-time.Hour))
		} else {
			r.ending = demoClosedEndings[i%len(demoClosedEndings)]
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
	notice, err := d.deps.Notices.Current(ctx)
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
	cal, err := store.NewCalendar(d.deps.DB).Days(ctx, rights.DateOf(d.from).AddDays(-30), rights.DateOf(d.now).AddDays(120))
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
	u := &account.User{ID: account.NewID("u"), Email: Email(i), Name: fmt.Sprintf("測試%s%03d (Test Person %03d)", demoSurnames[i%len(demoSurnames)], i, i),
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
	p.Mail = append(p.Mail, d.mail(u, "verify", created, "請驗證您的電子郵件 Please verify your e-mail"))
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
		if pu.Required || d.rng.IntN(3) > 0 {
			e.Action = consent.Grant
		}
		if err := d.deps.Consents.Prepare(n, pu, e, created); err != nil {
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
				if err := d.deps.Consents.Prepare(n, pu, e, when); err != nil {
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

func (d *demo) mail(u *account.User, kind string, at time.Time, subject string) *outbox.Message {
	return &outbox.Message{ID: account.NewID("m"), UserID: u.ID, To: u.Email, Lang: u.Lang, Kind: kind, Subject: subject,
		Body: subject + "\n\n（示範郵件 demo mail）", Created: at, NextAttempt: at, SentAt: at.Add(time.Duration(1+d.rng.IntN(60)) * time.Second), Attempts: 1}
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
		step(4, rights.Decide(officer, items(false), nil))
		step(2, rights.Close(officer))
	case "fulfilled", "closed":
		step(1, rights.StartReview(officer))
		identity()
		step(5, rights.Decide(officer, items(true), nil))
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
	p.Mail = append(p.Mail, d.mail(p.User, "request", plan.filed, "已收到您的申請 "+plan.ref+" We received your request"))
	d.nRequests++
	if slices.Contains(demoOpenEndings, ending) {
		d.nOpen++
	}
	return demoWork{r: r, acts: acts}
}

// disclosures records one disclosure per 500 citizens (at least 12) over the three
// years through the ordinary register; most name a few people, some only a count.
func (d *demo) disclosures(ctx context.Context) error {
	reg := store.NewDisclosures(d.deps.DB, d.deps.Vault)
	n := max(12, len(d.citizens)/500)
	if d.deps.Disclosures > 0 {
		n = d.deps.Disclosures
	}
	for i := range n {
		first := rights.DateOf(d.at(d.from, d.now.AddDate(0, 0, -10)))
		rec := &disclosure.Record{First: first, RecipientName: fmt.Sprintf("示範地方法院 Demo District Court %d", i%40+1),
			RecipientAddress: "示範市示範路 100 號（demo address）", RecipientKind: disclosure.RecipientKinds[i%len(disclosure.RecipientKinds)],
			Categories: []string{"C001"}, Description: "示範：依來函提供聯絡資料（demo: contact details on request）",
			Ground: disclosure.Grounds[i%len(disclosure.Grounds)], Reference: fmt.Sprintf("示範字第 %04d 號", i+1),
			Officer: d.officers[i%len(d.officers)], Changed: d.now, ChangedBy: d.officers[i%len(d.officers)]}
		for range 1 + d.rng.IntN(3) {
			rec.Subjects = append(rec.Subjects, d.citizens[d.rng.IntN(len(d.citizens))])
		}
		if i%4 == 3 {
			rec.Subjects, rec.Count = nil, 40+i // de-identified: a count, no links
		}
		if i == 5 {
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
	if err := d.deps.Audit.SeedAll(ctx, all); err != nil {
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

var demoPaths = []string{"/", "/privacy", "/privacy/files", "/cookies", "/signin", "/signup", "/guest/requests/new", "/guest/track", "/requests", "/requests/new", "/account", "/account/consents", "/transparency"}

// traffic writes a year of plausible daily counters (weekday peaks, a dip on weekends),
// then the month summaries.
func (d *demo) traffic(ctx context.Context) error {
	st := store.NewAnalytics(d.deps.DB, time.Now)
	h := analytics.NewHasher([]byte("demo"))
	for i := 365; i >= 1; i-- {
		day := d.now.AddDate(0, 0, -i)
		base := 300 + d.rng.IntN(200)
		if wd := day.In(twtime.Zone).Weekday(); wd == time.Saturday || wd == time.Sunday {
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
