package rights

import "testing"

// A stop of progress reports ends only the mail that repeats the request page; the
// notices the procedure owes in writing still go (or go by post), whatever the stop.
func TestStoppedProgressKeepsTheOwedNotices(t *testing.T) {
	for _, kind := range []string{"request_received", "request_identity", "request_extended", "request_decided", "request_due_moved", "request_duplicate"} {
		if p := MailPurpose(kind); p != "" {
			t.Errorf("%s can be stopped (purpose %q): it is a written notice the person is owed", kind, p)
		}
	}
	for _, kind := range []string{"request_fulfilled", "request_message"} {
		if MailPurpose(kind) != "progress" {
			t.Errorf("%s is a progress report and should end with a stop of progress", kind)
		}
	}
}
