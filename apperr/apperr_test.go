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
