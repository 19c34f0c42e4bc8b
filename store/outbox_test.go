package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
	"github.com/example/pdpa-portal/vault"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newOutbox(t *testing.T) (*storetest.DB, *vault.Vault, *store.Outbox) {
	t.Helper()
	db := storetest.New(t)
	v, err := vault.New(storetest.TestMasterKey, store.NewKeys(db.DB))
	if err != nil {
		t.Fatal(err)
	}
	return db, v, store.NewOutbox(db.DB, v)
}

// person gives a new person a data key, as account creation does.
func person(t *testing.T, v *vault.Vault) string {
	t.Helper()
	id := ids.New("u")
	if _, err := v.NewSubject(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	return id
}

func mailTo(t *testing.T, o *store.Outbox, userID, to string, created time.Time) *mail.Message {
	t.Helper()
	m := &mail.Message{ID: ids.New("m"), UserID: userID, To: to, Lang: "zh-TW", Kind: "verify",
		Subject: "請驗證您的電子郵件 " + to, Body: "請開啟 https://privacy.example.gov.tw/verify?token=" + to, Created: created, NextAttempt: created}
	if err := o.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func msgIDs(ms []*mail.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func sameIDs(got []*mail.Message, want ...*mail.Message) bool {
	return fmt.Sprint(msgIDs(got)) == fmt.Sprint(msgIDs(want))
}

func TestOutboxEnqueueDueRetryMarkSentForUser(t *testing.T) {
	_, v, o := newOutbox(t)
	c := ctx(t)
	a, b := person(t, v), person(t, v)
	a1 := mailTo(t, o, a, "a1@example.tw", t0)
	bm := mailTo(t, o, b, "b@example.tw", t0.Add(time.Second))
	a2 := mailTo(t, o, a, "a2@example.tw", t0.Add(2*time.Second))

	if err := o.Enqueue(c, &mail.Message{ID: a1.ID, UserID: a, To: "x@example.tw", Created: t0}); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("second message with one id: %v, want ErrConflict", err)
	}
	if err := o.Enqueue(c, &mail.Message{ID: "m_nokey", UserID: "u_nokey", To: "x@example.tw"}); !errors.Is(err, vault.ErrKeyDestroyed) {
		t.Fatalf("mail to a person without a key: %v, want ErrKeyDestroyed", err)
	}

	due, err := o.Due(c, t0.Add(time.Second), 50)
	if err != nil || !sameIDs(due, a1, bm) {
		t.Fatalf("due at t0+1s: %v %v, want [a1 b] oldest first", msgIDs(due), err)
	}
	got := due[0]
	if got.To != "a1@example.tw" || got.Subject != a1.Subject || got.Body != a1.Body || got.Lang != "zh-TW" ||
		got.Kind != "verify" || got.UserID != a || !got.Created.Equal(t0) || got.Attempts != 0 || !got.SentAt.IsZero() {
		t.Fatalf("round trip: %+v", got)
	}
	// Claimed: not handed out again while the first worker delivers.
	if due, _ := o.Due(c, t0.Add(time.Second), 50); len(due) != 0 {
		t.Fatalf("claimed mail handed out twice: %v", msgIDs(due))
	}

	// A failed attempt.
	got.Attempts, got.NextAttempt, got.LastError = 1, t0.Add(time.Minute), "451 try again later"
	if err := o.Retry(c, got); err != nil {
		t.Fatal(err)
	}
	if due, _ := o.Due(c, t0.Add(59*time.Second), 50); !sameIDs(due, a2) {
		t.Fatalf("due before a1's next attempt, b still claimed: %v", msgIDs(due))
	}
	due, _ = o.Due(c, t0.Add(time.Minute), 50)
	if !sameIDs(due, a1) || due[0].Attempts != 1 || due[0].LastError != "451 try again later" {
		t.Fatalf("due at a1's next attempt: %v %+v", msgIDs(due), due)
	}
	// A worker that died with messages claimed: after the lease they are due again,
	// oldest first, at most the limit.
	if due, _ := o.Due(c, t0.Add(time.Hour), 2); !sameIDs(due, a1, bm) {
		t.Fatalf("after the lease, limit 2: %v", msgIDs(due))
	}

	// Delivered on the second attempt.
	sentAt := t0.Add(time.Minute + time.Second)
	if err := o.MarkSent(c, due[0], sentAt); err != nil {
		t.Fatal(err)
	}
	if err := o.MarkSent(c, due[0], sentAt.Add(time.Hour)); err != nil {
		t.Fatalf("MarkSent twice: %v", err)
	}
	if due, _ := o.Due(c, t0.Add(24*time.Hour), 50); !sameIDs(due, bm, a2) {
		t.Fatalf("sent mail still due: %v", msgIDs(due))
	}
	mine, err := o.ForUser(c, a, 10)
	if err != nil || !sameIDs(mine, a2, a1) {
		t.Fatalf("ForUser: %v %v, want [a2 a1] newest first, each once", msgIDs(mine), err)
	}
	s := mine[1]
	if !s.SentAt.Equal(sentAt) || s.Attempts != 2 || s.LastError != "" || s.To != "a1@example.tw" || s.Body != a1.Body {
		t.Fatalf("sent message: %+v", s)
	}
	if !mine[0].SentAt.IsZero() {
		t.Fatalf("pending message shown as sent: %+v", mine[0])
	}
	if theirs, _ := o.ForUser(c, b, 10); !sameIDs(theirs, bm) {
		t.Fatalf("ForUser(b): %v", msgIDs(theirs))
	}
	if none, err := o.ForUser(c, "u_nobody", 10); err != nil || len(none) != 0 {
		t.Fatalf("ForUser(nobody): %v %v", msgIDs(none), err)
	}
	// Retry of a message no longer pending is harmless.
	if err := o.Retry(c, s); err != nil {
		t.Fatal(err)
	}
}

func TestOutboxForUserGivesTheNewestFirst(t *testing.T) {
	_, v, o := newOutbox(t)
	c := ctx(t)
	u := person(t, v)
	var ms []*mail.Message
	for i := range 6 {
		ms = append(ms, mailTo(t, o, u, fmt.Sprintf("n%d@example.tw", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	// Half of them sent: the newest come from both collections.
	for _, i := range []int{0, 2, 4} {
		if err := o.MarkSent(c, ms[i], t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := o.ForUser(c, u, 3)
	if err != nil || !sameIDs(got, ms[5], ms[4], ms[3]) {
		t.Fatalf("ForUser limit 3: %v %v, want the three newest", msgIDs(got), err)
	}
}

func TestOutboxStoresNoPlaintextAddressSubjectOrBody(t *testing.T) {
	db, v, o := newOutbox(t)
	c := ctx(t)
	u := person(t, v)
	pending := &mail.Message{ID: ids.New("m"), UserID: u, To: "citizen.wu@agency.example", Lang: "zh-TW", Kind: "verify",
		Subject: "請驗證您的電子郵件", Body: "吳先生您好，請開啟 https://privacy.example.gov.tw/verify?token=SeCrEtToKeN", Created: t0, NextAttempt: t0}
	sent := &mail.Message{ID: ids.New("m"), UserID: u, To: "citizen.wu@agency.example", Lang: "en", Kind: "reset",
		Subject: "Reset your password", Body: "Dear Mr Wu, open https://privacy.example.gov.tw/reset?token=ReSeTtOkEn", Created: t0, NextAttempt: t0}
	for _, m := range []*mail.Message{pending, sent} {
		if err := o.Enqueue(c, m); err != nil {
			t.Fatal(err)
		}
	}
	pending.Attempts, pending.NextAttempt, pending.LastError = 1, t0.Add(time.Minute), "451 try again later"
	if err := o.Retry(c, pending); err != nil {
		t.Fatal(err)
	}
	if err := o.MarkSent(c, sent, t0); err != nil {
		t.Fatal(err)
	}
	dump := dumpAll(t, db)
	if !strings.Contains(dump, pending.ID) || !strings.Contains(dump, sent.ID) {
		t.Fatal("the dump did not read the outbox and the sent mail")
	}
	for _, plain := range []string{"citizen.wu", "agency.example", "請驗證", "電子郵件", "吳先生", "SeCrEtToKeN", "Reset your", "Mr Wu", "ReSeTtOkEn", "privacy.example.gov.tw"} {
		if strings.Contains(dump, plain) {
			t.Errorf("%q stored in plaintext", plain)
		}
	}
	got, err := o.ForUser(c, u, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("ForUser: %v %v", msgIDs(got), err)
	}
}

// rawDB is the test database through a separate client, as an operator (or a crash at
// the wrong moment) would leave it.
func rawDB(t *testing.T, db *storetest.DB) *mongo.Database {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(db.URI))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(db.Name)
}

func pendingCount(t *testing.T, db *storetest.DB) int64 {
	t.Helper()
	n, err := rawDB(t, db).Collection("outbox").CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The person's key was destroyed (erasure): their mail is unreadable. It is left out of
// their inbox, its pending copies are removed by Due, and it takes no place from the mail
// of others.
func TestOutboxMailOfAnErasedPerson(t *testing.T) {
	db, v, o := newOutbox(t)
	c := ctx(t)
	gone, kept := person(t, v), person(t, v)
	goneSent := mailTo(t, o, gone, "gone1@example.tw", t0)
	if err := o.MarkSent(c, goneSent, t0); err != nil {
		t.Fatal(err)
	}
	g1 := mailTo(t, o, gone, "gone2@example.tw", t0)
	g2 := mailTo(t, o, gone, "gone3@example.tw", t0.Add(time.Second))
	k := mailTo(t, o, kept, "kept@example.tw", t0.Add(2*time.Second))
	if err := v.Destroy(c, gone); err != nil {
		t.Fatal(err)
	}

	if got, err := o.ForUser(c, gone, 10); err != nil || len(got) != 0 {
		t.Fatalf("ForUser of the erased person: %v %v, want nothing and no error", msgIDs(got), err)
	}
	due, err := o.Due(c, t0.Add(time.Hour), 1)
	if err != nil || !sameIDs(due, k) {
		t.Fatalf("Due limit 1: %v %v, want the kept person's message", msgIDs(due), err)
	}
	if n := pendingCount(t, db); n != 1 {
		t.Fatalf("%d pending messages left, want 1 (the erased person's are undeliverable)", n)
	}
	if dump := dumpAll(t, db); strings.Contains(dump, g1.ID) || strings.Contains(dump, g2.ID) {
		t.Error("the erased person's pending mail is still stored")
	}
	if got, _ := o.ForUser(c, kept, 10); !sameIDs(got, k) {
		t.Fatalf("ForUser(kept): %v", msgIDs(got))
	}
}

// A crash inside MarkSent, after the copy into "mail" and before the delete from
// "outbox", must not make the worker send the message again.
func TestOutboxInterruptedMarkSentIsNotSentAgain(t *testing.T) {
	db, v, o := newOutbox(t)
	c := ctx(t)
	u := person(t, v)
	m := mailTo(t, o, u, "twice@example.tw", t0)
	raw := rawDB(t, db)
	var doc bson.D
	if err := raw.Collection("outbox").FindOne(c, bson.D{{Key: "_id", Value: m.ID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	doc = append(doc, bson.E{Key: "sent_at", Value: t0})
	if _, err := raw.Collection("mail").InsertOne(c, doc); err != nil {
		t.Fatal(err)
	}

	if got, err := o.ForUser(c, u, 10); err != nil || len(got) != 1 || got[0].SentAt.IsZero() {
		t.Fatalf("ForUser with a copy in each collection: %v %v, want the sent one once", msgIDs(got), err)
	}
	if due, err := o.Due(c, t0.Add(time.Hour), 50); err != nil || len(due) != 0 {
		t.Fatalf("Due: %v %v, want nothing (already sent)", msgIDs(due), err)
	}
	if n := pendingCount(t, db); n != 0 {
		t.Fatalf("%d pending, want the leftover removed", n)
	}
	if got, _ := o.ForUser(c, u, 10); len(got) != 1 || got[0].To != "twice@example.tw" {
		t.Fatalf("ForUser afterwards: %v", msgIDs(got))
	}
}

// A coded message keeps its link and arguments sealed, through the outbox and the sent
// mail, and comes back whole; a message stored worded comes back worded, not coded.
func TestOutboxKeepsCodedMailSealed(t *testing.T) {
	db, v, o := newOutbox(t)
	c := ctx(t)
	u := person(t, v)
	args := []mail.Arg{mail.Text("2026-000007"), mail.Seq(mail.Key("outcome.refused"), mail.Entered("檔案已銷毀"), mail.Num(30),
		mail.Item("purpose:newsletter"), mail.Both("臺灣銀行", "Bank of Taiwan"), mail.LongDate("2026-12-23"))}
	coded := &mail.Message{ID: ids.New("m"), UserID: u, To: "wu@example.tw", Lang: "zh-TW", Kind: "request_decided", Coded: true,
		Link: "https://privacy.example.gov.tw/requests/2026-000007?token=SeCrEt", Args: args, Created: t0, NextAttempt: t0}
	if err := o.Enqueue(c, coded); err != nil {
		t.Fatal(err)
	}
	old := mailTo(t, o, u, "wu@example.tw", t0.Add(time.Minute))
	check := func(when string) {
		got, err := o.Message(c, u, coded.ID)
		if err != nil || !got.Coded || got.Link != coded.Link || asJSON(t, got.Args) != asJSON(t, args) {
			t.Fatalf("%s: the coded message came back as %+v (%v)", when, got, err)
		}
		if o, err := o.Message(c, u, old.ID); err != nil || o.Coded || o.Subject != old.Subject || o.Body != old.Body {
			t.Fatalf("%s: the worded message came back as %+v (%v)", when, o, err)
		}
	}
	check("pending")
	if err := o.MarkSent(c, coded, t0); err != nil {
		t.Fatal(err)
	}
	check("sent")
	dump := dumpAll(t, db)
	for _, plain := range []string{"2026-000007", "SeCrEt", "檔案已銷毀", "newsletter", "臺灣銀行", "Bank of Taiwan"} {
		if strings.Contains(dump, plain) {
			t.Errorf("%q stored in plaintext", plain)
		}
	}
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
