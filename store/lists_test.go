package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// personWorld is a few people with what they leave behind: consent events, sessions,
// mail, tokens; one of them staff.
type personWorld struct {
	db       *storetest.DB
	users    *store.Users
	consents *store.Consents
	sessions *store.Sessions
	mail     *store.Outbox
	tokens   *store.Tokens
	people   []*account.User
}

func newPersonWorld(t *testing.T, n int) *personWorld {
	t.Helper()
	db := storetest.New(t)
	w := &personWorld{db: db, users: storetest.Users(db.DB), consents: store.NewConsents(db.DB), sessions: store.NewSessions(db.DB),
		mail: store.NewOutbox(db.DB, storetest.Vault(db.DB)), tokens: store.NewTokens(db.DB)}
	c := ctx(t)
	at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	for i := range n {
		u := &account.User{ID: ids.New("u"), Email: fmt.Sprintf("p%d@example.tw", i), Name: fmt.Sprintf("測試%d", i), Created: at}
		if i == 0 {
			u.Roles = []account.Role{account.RoleOfficer}
		}
		if err := w.users.Create(c, u); err != nil {
			t.Fatal(err)
		}
		w.people = append(w.people, u)
		// Granted in March, the newsletter withdrawn in May by every other person.
		for _, p := range []string{"service", "newsletter"} {
			w.append(t, u.ID, p, consent.Grant, at)
		}
		if i%2 == 1 {
			w.append(t, u.ID, "newsletter", consent.Withdraw, at.AddDate(0, 2, 0))
		}
		for k := range 2 {
			if err := w.sessions.Create(c, &account.Session{ID: ids.New("s"), UserID: u.ID, Created: at, LastSeen: at.Add(time.Duration(k) * time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		mailTo(t, w.mail, u.ID, u.Email, at)
		if err := w.tokens.Create(c, &account.Token{Hash: ids.New("h"), Purpose: "verify", UserID: u.ID, Expires: at.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *personWorld) append(t *testing.T, subject, purpose string, a consent.Action, at time.Time) {
	t.Helper()
	e := &consent.Event{ID: ids.New("ce"), Subject: subject, Purpose: purpose, Action: a, NoticeVersion: 1, At: at, Channel: "web", Method: "checkbox"}
	if _, err := w.consents.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// what a person's pages and the administrators' statistics show, as the stores read it.
type shown struct {
	history  map[string][]string
	sessions map[string]int
	mail     map[string]int
	staff    []string
	current  map[string]int
	months   map[string]map[string]int
}

func (w *personWorld) shown(t *testing.T) shown {
	t.Helper()
	c := ctx(t)
	s := shown{history: map[string][]string{}, sessions: map[string]int{}, mail: map[string]int{}}
	for _, u := range w.people {
		h, err := w.consents.History(c, u.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h {
			s.history[u.ID] = append(s.history[u.ID], string(e.Action)+" "+e.Purpose)
		}
		ss, err := w.sessions.ForUser(c, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.sessions[u.ID] = len(ss)
		ms, err := w.mail.ForUser(c, u.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		s.mail[u.ID] = len(ms)
	}
	staff, err := w.users.Staff(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range staff {
		s.staff = append(s.staff, u.ID)
	}
	st, err := w.consents.Stats(c, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	s.current, s.months = st.Current, st.Months
	return s
}

// A person's pages read that person's lists; the statistics read counters. Both must show
// what the events say.
func TestListsAndCountersFollowThePeople(t *testing.T) {
	w := newPersonWorld(t, 4)
	got := w.shown(t)
	p1 := w.people[1].ID
	if want := []string{"withdraw newsletter", "grant newsletter", "grant service"}; !slices.Equal(got.history[p1], want) {
		t.Errorf("history of a person: %v, want %v (newest first)", got.history[p1], want)
	}
	if got.sessions[p1] != 2 || got.mail[p1] != 1 {
		t.Errorf("sessions %d, mail %d, want 2 and 1", got.sessions[p1], got.mail[p1])
	}
	if !slices.Equal(got.staff, []string{w.people[0].ID}) {
		t.Errorf("staff %v, want only the officer", got.staff)
	}
	if got.current["service"] != 4 || got.current["newsletter"] != 2 {
		t.Errorf("current consents %v, want service 4, newsletter 2", got.current)
	}
	if got.months["newsletter|grant"]["2026-03"] != 4 || got.months["newsletter|withdraw"]["2026-05"] != 2 {
		t.Errorf("months %v", got.months)
	}
	// Withdrawing twice changes nothing; granting again counts again.
	w.append(t, p1, "newsletter", consent.Withdraw, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	w.append(t, p1, "newsletter", consent.Grant, time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC))
	got = w.shown(t)
	if got.current["newsletter"] != 3 || got.months["newsletter|grant"]["2026-06"] != 1 || got.months["newsletter|withdraw"]["2026-06"] != 0 {
		t.Errorf("after a repeated withdrawal and a new grant: current %v, months %v", got.current, got.months)
	}

	// Ending a person's other sessions, and a reset of their tokens, go through the lists.
	c := ctx(t)
	keep, _ := w.sessions.ForUser(c, p1)
	if err := w.sessions.DeleteForUser(c, p1, keep[0].ID); err != nil {
		t.Fatal(err)
	}
	if ss, _ := w.sessions.ForUser(c, p1); len(ss) != 1 || ss[0].ID != keep[0].ID {
		t.Errorf("after ending the other sessions: %v", ss)
	}
	if err := w.tokens.DeleteFor(c, p1, "verify"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, w.db, "tokens"); n != 3 {
		t.Errorf("%d tokens left, want the other three people's", n)
	}
	// An officer who loses the role leaves the staff list.
	off := w.people[0]
	off.Roles = nil
	if err := w.users.Update(c, off); err != nil {
		t.Fatal(err)
	}
	if staff, _ := w.users.Staff(c); len(staff) != 0 {
		t.Errorf("staff after the role was taken away: %d", len(staff))
	}
}

// Erasing a person takes them out of the counts of current consents, while the months
// keep the anonymous history.
func TestErasureLeavesTheCountsOfOthers(t *testing.T) {
	w := newPersonWorld(t, 3)
	v := storetest.Vault(w.db.DB)
	files := store.NewFiles(w.db.DB, v)
	gone := w.people[1].ID
	rep, err := store.NewEraser(w.db.DB, v, files).Erase(ctx(t), gone, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ConsentEvents != 3 || rep.Sessions != 2 || rep.Mail != 1 {
		t.Errorf("erasure report %+v, want 3 consent events, 2 sessions, 1 mail", rep)
	}
	got := w.shown(t)
	if got.current["service"] != 2 || got.current["newsletter"] != 2 {
		t.Errorf("current after erasing one who kept service only: %v, want service 2, newsletter 2", got.current)
	}
	if got.months["service|grant"]["2026-03"] != 3 {
		t.Errorf("months after erasure: %v, want the 3 grants of March still counted", got.months)
	}
	if len(got.history[gone]) != 0 || got.sessions[gone] != 0 {
		t.Errorf("the erased person still shows history %v, sessions %d", got.history[gone], got.sessions[gone])
	}
	raw := rawDB(t, w.db)
	if n, _ := raw.Collection("lists").CountDocuments(context.Background(), bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: gone}}}}); n != 0 {
		t.Errorf("%d lists of the erased person remain", n)
	}
}

// A database written before the lists and counters existed (or a backup made then) is
// brought up to date: afterwards every page shows what it showed from the events.
func TestUpgradeFromTheEarlierLayout(t *testing.T) {
	w := newPersonWorld(t, 5)
	want := w.shown(t)
	raw := rawDB(t, w.db)
	c := ctx(t)
	for _, coll := range []string{"lists", "consent_counts"} {
		if _, err := raw.Collection(coll).DeleteMany(c, bson.D{}); err != nil {
			t.Fatal(err)
		}
	}
	w.db.ForgetCached() // the portal starts on the older layout
	if empty := w.shown(t); len(empty.history) != 0 || len(empty.staff) != 0 || len(empty.current) != 0 {
		t.Fatalf("without lists the pages should show nothing: %+v", empty)
	}
	var steps []string
	if err := w.db.Upgrade(c, func(s string) { steps = append(steps, s) }); err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 {
		t.Fatal("the upgrade ran no step")
	}
	got := w.shown(t)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the upgrade:\n%+v\nwant\n%+v", got, want)
	}
	// Done once: a second start does nothing (the lists removed now stay removed).
	if _, err := raw.Collection("lists").DeleteMany(c, bson.D{}); err != nil {
		t.Fatal(err)
	}
	steps = nil
	if err := w.db.Upgrade(c, func(s string) { steps = append(steps, s) }); err != nil || len(steps) != 0 {
		t.Errorf("second upgrade: steps %v, err %v; want none", steps, err)
	}
}

func count(t *testing.T, db *storetest.DB, coll string) int64 {
	t.Helper()
	n, err := rawDB(t, db).Collection(coll).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The register is read a period at a time through the lists of each year; a corrected
// date moves a record between years, and an upgrade builds the lists from the records.
func TestDisclosureRegisterByYear(t *testing.T) {
	db := storetest.New(t)
	reg := store.NewDisclosures(db.DB, storetest.Vault(db.DB))
	c := ctx(t)
	save := func(name string, first, last rights.Date) *disclosure.Record {
		r := &disclosure.Record{First: first, Last: last, RecipientName: name, RecipientAddress: "臺北市", RecipientKind: disclosure.RecipientKinds[0],
			Categories: []string{"C001"}, Description: "d", Ground: disclosure.Grounds[0], Reference: "ref", Count: 3, Officer: "u1", ChangedBy: "u1"}
		if err := reg.Save(c, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	save("old", rights.NewDate(2024, 5, 1), rights.Date{})
	save("series", rights.NewDate(2025, 2, 1), rights.NewDate(2026, 8, 1))
	recent := save("recent", rights.NewDate(2026, 10, 1), rights.Date{})
	names := func(from, to rights.Date) []string {
		rs, err := reg.List(c, from, to)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		f := disclosure.Filter{From: from, To: to}
		for _, r := range rs {
			if f.Match(r) {
				out = append(out, r.RecipientName)
			}
		}
		return out
	}
	check := func(when string) {
		t.Helper()
		if got := names(rights.NewDate(2026, 1, 1), rights.Date{}); !slices.Equal(got, []string{"recent", "series"}) {
			t.Errorf("%s: 2026 on: %v", when, got)
		}
		if got := names(rights.Date{}, rights.Date{}); !slices.Equal(got, []string{"recent", "series", "old"}) {
			t.Errorf("%s: everything: %v", when, got)
		}
		if got := names(rights.Date{}, rights.NewDate(2024, 12, 31)); !slices.Equal(got, []string{"old"}) {
			t.Errorf("%s: up to 2024: %v", when, got)
		}
	}
	check("as saved")
	// A date corrected into another year: the record leaves 2026.
	recent.First = rights.NewDate(2023, 10, 1)
	if err := reg.Save(c, recent); err != nil {
		t.Fatal(err)
	}
	if got := names(rights.NewDate(2026, 1, 1), rights.Date{}); !slices.Equal(got, []string{"series"}) {
		t.Errorf("after the correction, 2026 on: %v", got)
	}
	recent.First = rights.NewDate(2026, 10, 1)
	if err := reg.Save(c, recent); err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, db).Collection("lists").DeleteMany(c, bson.D{}); err != nil {
		t.Fatal(err)
	}
	if got := names(rights.Date{}, rights.Date{}); len(got) != 0 {
		t.Fatalf("without lists: %v", got)
	}
	if err := db.Upgrade(c, nil); err != nil {
		t.Fatal(err)
	}
	check("after the upgrade")
}
