package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// Two instances on one database, each with its own locks as two processes have: a
// requester's message stored by one while the other is between reading a request and
// writing an officer's action on it. The message and its unread count survive the action;
// the action is applied; a field the action clears is removed.
func TestMessageSurvivesAnOfficersActionOnAnotherInstance(t *testing.T) {
	db := storetest.NewIn(t, store.Shared)
	v := storetest.Vault(db.DB)
	ctx := context.Background()
	subject := "u_requester"
	if _, err := v.NewSubject(ctx, subject); err != nil {
		t.Fatal(err)
	}
	other, err := store.Connect(ctx, db.URI, db.Name, store.Options{Mode: store.Shared})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close(context.Background()) })
	first, second := store.NewRequests(db.DB, v), store.NewRequests(other, storetest.Vault(other))
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	r := &rights.Request{Kind: rights.View, Subject: subject, Channel: rights.ChannelWeb, Scope: "全部"}
	rights.File(r, now, nil)
	if err := first.Create(ctx, r); err != nil {
		t.Fatal(err)
	}
	if r, err = first.Update(ctx, r.Ref, r.Version, now, rights.AskIdentity("u_officer", "請補身分證明")); err != nil {
		t.Fatal(err)
	}

	// The officer starts the review on the first instance; while its action runs (after
	// the read, before the write) the requester's message lands through the second.
	review := rights.StartReview("u_officer")
	racing := func(r *rights.Request, at time.Time) (rights.Step, error) {
		m := &rights.Message{ID: "m_reply", At: at, Role: rights.RoleRequester, AuthorID: subject, Body: "身分證影本已附上"}
		if err := second.AddMessage(ctx, r.Ref, m); err != nil {
			t.Fatalf("the other instance's message: %v", err)
		}
		return review(r, at)
	}
	got, err := first.Update(ctx, r.Ref, r.Version, now.Add(time.Minute), racing)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := first.Messages(ctx, r.Ref)
	if err != nil {
		t.Fatal(err)
	}
	after, err := first.ByRef(ctx, r.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Body != "身分證影本已附上" {
		t.Fatalf("the requester's message was lost by the officer's action: %+v", msgs)
	}
	if after.Unread != 1 || after.State != got.State || after.State != rights.Review || after.Version != r.Version+1 {
		t.Fatalf("after both: unread %d, state %s (want %s), version %d", after.Unread, after.State, rights.Review, after.Version)
	}
	// Assigning and releasing: a field the action clears is removed, not left behind.
	if after, err = first.Update(ctx, r.Ref, after.Version, now.Add(2*time.Minute), rights.Assign("u_lead", "u_officer")); err != nil || after.Assignee != "u_officer" {
		t.Fatalf("assign: %v %q", err, after.Assignee)
	}
	if _, err = first.Update(ctx, r.Ref, after.Version, now.Add(3*time.Minute), rights.Assign("u_lead", "")); err != nil {
		t.Fatal(err)
	}
	if after, err = first.ByRef(ctx, r.Ref); err != nil || after.Assignee != "" {
		t.Fatalf("released, but still assigned to %q (%v)", after.Assignee, err)
	}
	if msgs, _ := first.Messages(ctx, r.Ref); len(msgs) != 1 || after.Unread != 1 {
		t.Fatalf("later actions lost the message or its count: %d messages, unread %d", len(msgs), after.Unread)
	}
}
