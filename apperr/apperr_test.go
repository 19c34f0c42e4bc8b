package apperr

import (
	"errors"
	"fmt"
	"testing"
)

// A full disk is recognised whether a store translated it or passed the engine's text on.
func TestIsStorageFull(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("create request: %w", ErrStorageFull),
		errors.New("(InternalError) database or disk is full (13)"),
		errors.New("write /data/db/portal.sqlite-wal: no space left on device"),
	} {
		if !IsStorageFull(err) {
			t.Errorf("%v: not recognised", err)
		}
	}
	for _, err := range []error{nil, ErrUnavailable, errors.New("disk quota of the mailbox is full")} {
		if IsStorageFull(err) {
			t.Errorf("%v: taken for a full disk", err)
		}
	}
}

// A form's own problem on a field keeps its place; the rules add only fields without one.
func TestJoinKeepsOneProblemPerField(t *testing.T) {
	form := (&Invalid{}).Add("first", "field.date")
	form.AddOnce("first", "disclosure.date_required")
	rules := (&Invalid{}).Add("first", "disclosure.date_required").Add("ground", "disclosure.ground_invalid").Add("ground", "field.too_long")
	got := form.Join(rules).Problems
	if len(got) != 2 || got[0].Key != "field.date" || got[1].Key != "disclosure.ground_invalid" {
		t.Fatalf("joined: %+v", got)
	}
}
