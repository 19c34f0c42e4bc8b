package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// seedInput is what a few people did, written once through the stores one document at a
// time and once through the Seeder: the pages must not tell the two apart.
type seedInput struct {
	people []store.SeedPerson
	reqs   []seedReq
}

type seedReq struct {
	r    rights.Request
	acts func(r *rights.Request) []store.TimedAction
}

func makeSeedInput(n int) seedInput {
	at := time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)
	var in seedInput
	for i := range n {
		u := &account.User{ID: fmt.Sprintf("u-seed-%03d", i), Email: fmt.Sprintf("seed%d@example.tw", i), Name: fmt.Sprintf("種子%d", i),
			Created: at, EmailVerified: true, Lang: "zh-TW"}
		if i == 0 {
			u.Roles = []account.Role{account.RoleAdmin}
		}
		p := store.SeedPerson{User: u}
		for j, pu := range []string{"service", "newsletter", "survey"} {
			p.Consents = append(p.Consents, &consent.Event{ID: fmt.Sprintf("ce-%03d-%d", i, j), Subject: u.ID, Purpose: pu, Action: consent.Grant,
				NoticeVersion: 1, At: at.Add(time.Duration(j) * time.Minute), Channel: "web", Method: "checkbox"})
		}
		if i%2 == 0 { // withdrawn in April; and a repeated withdrawal, which records nothing
			for k := range 2 {
				p.Consents = append(p.Consents, &consent.Event{ID: fmt.Sprintf("ce-%03d-w%d", i, k), Subject: u.ID, Purpose: "newsletter",
					Action: consent.Withdraw, NoticeVersion: 1, At: at.AddDate(0, 2, k), Channel: "web", Method: "checkbox"})
			}
		}
		p.Sessions = []*account.Session{{ID: fmt.Sprintf("s-%03d", i), UserID: u.ID, Created: at, LastSeen: at.Add(time.Hour)}}
		p.Mail = []*mail.Message{
			{ID: fmt.Sprintf("m-%03d-a", i), UserID: u.ID, To: u.Email, Lang: "zh-TW", Kind: "verify", Subject: "驗證", Body: "連結", Created: at, NextAttempt: at, SentAt: at.Add(time.Minute), Attempts: 1},
			{ID: fmt.Sprintf("m-%03d-b", i), UserID: u.ID, To: u.Email, Lang: "zh-TW", Kind: "request", Subject: "已收件", Body: "收件", Created: at.Add(time.Hour), NextAttempt: at.Add(time.Hour)},
		}
		in.people = append(in.people, p)
		if i%3 == 0 {
			r := rights.Request{Kind: rights.Kinds[i%len(rights.Kinds)], Subject: u.ID, Channel: rights.ChannelWeb, Scope: "全部資料"}
			if r.Kind == rights.Correct {
				r.Field, r.Proposed, r.Explanation = "address", "新地址", "搬家"
			}
			if r.Kind == rights.Stop || r.Kind == rights.Delete {
				r.Purposes = []string{"newsletter"}
			}
			rights.File(&r, at.AddDate(0, 0, i), nil)
			closed := i%2 == 0
			in.reqs = append(in.reqs, seedReq{r: r, acts: func(r *rights.Request) []store.TimedAction {
				acts := []store.TimedAction{{At: r.Filed.Add(24 * time.Hour), Act: rights.StartReview("u-seed-000")}}
				if closed {
					acts = append(acts, store.TimedAction{At: r.Filed.Add(48 * time.Hour), Act: rights.Withdraw(r.Subject)})
				}
				return acts
			}})
		}
	}
	return in
}

func TestSeederWritesWhatTheStoresWould(t *testing.T) {
	in := makeSeedInput(12)
	c := context.Background()

	one := newSeedWorld(t)
	for _, p := range in.people {
		if err := one.users.Create(c, p.User); err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Consents {
			if _, err := one.consents.Append(c, e); err != nil {
				t.Fatal(err)
			}
		}
		for _, se := range p.Sessions {
			if err := one.sessions.Create(c, se); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range p.Mail {
			sent := m.SentAt
			mm := *m
			mm.SentAt = time.Time{}
			if err := one.mail.Enqueue(c, &mm); err != nil {
				t.Fatal(err)
			}
			if !sent.IsZero() {
				mm.Attempts = m.Attempts - 1
				if err := one.mail.MarkSent(c, &mm, sent); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, q := range in.reqs {
		r := q.r
		if err := one.requests.Create(c, &r); err != nil {
			t.Fatal(err)
		}
		for _, a := range q.acts(&r) {
			got, err := one.requests.Update(c, r.Ref, r.Version, a.At, a.Act)
			if err != nil {
				t.Fatal(err)
			}
			r = *got
		}
	}

	two := newSeedWorld(t)
	seed := store.NewSeeder(two.db.DB, storetest.Vault(two.db.DB), storetest.EmailKey)
	seed.BatchSize = 20 // several batches, so later ones add to earlier lists
	for _, p := range in.people {
		if err := seed.Person(c, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range in.reqs {
		r := q.r
		ref, err := seed.Ref(c, r.Received.Year)
		if err != nil {
			t.Fatal(err)
		}
		r.Ref = ref
		if err := seed.Request(c, &r, q.acts(&r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := seed.Flush(c); err != nil {
		t.Fatal(err)
	}

	a, b := one.shown(t, in), two.shown(t, in)
	if a != b {
		t.Errorf("one at a time:\n%s\nseeded:\n%s", a, b)
	}
	// The seeded people sign in: the address claim, the key and the account agree.
	u, err := two.users.ByEmail(c, "seed3@example.tw")
	if err != nil || u.Name != "種子3" {
		t.Fatalf("a seeded person by e-mail: %v %v", u, err)
	}
}

type seedWorld struct {
	db       *storetest.DB
	users    *store.Users
	consents *store.Consents
	sessions *store.Sessions
	mail     *store.Outbox
	requests *store.Requests
}

func newSeedWorld(t *testing.T) *seedWorld {
	db := storetest.New(t)
	v := storetest.Vault(db.DB)
	return &seedWorld{db: db, users: storetest.Users(db.DB), consents: store.NewConsents(db.DB), sessions: store.NewSessions(db.DB),
		mail: store.NewOutbox(db.DB, v), requests: store.NewRequests(db.DB, v)}
}

// shown is everything the pages read of the people, as text.
func (w *seedWorld) shown(t *testing.T, in seedInput) string {
	t.Helper()
	c := context.Background()
	out := ""
	for _, p := range in.people {
		id := p.User.ID
		u, err := w.users.ByID(c, id)
		if err != nil {
			t.Fatal(err)
		}
		out += fmt.Sprintf("%s %s %s %v v%d\n", id, u.Email, u.Name, u.Roles, u.Version)
		states, _ := w.consents.States(c, id)
		out += fmt.Sprintf("  states %v\n", len(states))
		for _, pu := range []string{"service", "newsletter", "survey"} {
			out += fmt.Sprintf("  %s %v %s\n", pu, states[pu].Granted, states[pu].EventID)
		}
		h, _ := w.consents.History(c, id, 0)
		for _, e := range h {
			out += fmt.Sprintf("  event %s %s %s\n", e.ID, e.Action, e.Purpose)
		}
		ss, _ := w.sessions.ForUser(c, id)
		for _, s := range ss {
			out += fmt.Sprintf("  session %s %s\n", s.ID, s.LastSeen)
		}
		ms, _ := w.mail.ForUser(c, id, 0)
		for _, m := range ms {
			out += fmt.Sprintf("  mail %s %s %s sent=%s attempts=%d\n", m.ID, m.Subject, m.To, m.SentAt, m.Attempts)
		}
		rs, _ := w.requests.ForSubject(c, id)
		for _, r := range rs {
			steps, _ := w.requests.Steps(c, r.Ref, true)
			out += fmt.Sprintf("  request %s %s %s due %s v%d steps %d\n", r.Ref, r.Kind, r.State, r.Due, r.Version, len(steps))
		}
	}
	staff, _ := w.users.Staff(c)
	out += fmt.Sprintf("staff %d\n", len(staff))
	open, _ := w.requests.Open(c)
	out += fmt.Sprintf("open %d\n", len(open))
	st, _ := w.consents.Stats(c, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	out += fmt.Sprintf("consents %v %v\n", st.Current, st.Months)
	ms, _ := w.requests.Stats(c, "2026-01", "2026-12")
	for _, m := range ms {
		out += fmt.Sprintf("stats %s %s %v %v\n", m.Month, m.Kind, m.Counts, m.DaysToDecision)
	}
	return out
}
