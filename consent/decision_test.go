package consent_test

import (
	"testing"
	"time"

	"github.com/example/pdpa-portal/consent"
)

// The purposes that rest on the law or the service are acknowledged once, never asked
// as consents: without the acknowledgement the decision names the one box; ticking a
// single required purpose is not it; with it, every required purpose is in effect.
func TestRequiredPurposesAreAcknowledgedNotConsented(t *testing.T) {
	n, err := consent.DefaultNotice(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d := consent.Decision{Notice: n, Lang: "zh-TW", Granted: map[string]bool{"newsletter": true}}
	inv := consent.CheckDecision(d)
	if len(inv.Problems) != 1 || inv.Problems[0].Field != "acknowledge" || inv.Problems[0].Key != "consent.acknowledge_required" {
		t.Fatalf("no acknowledgement: %+v", inv.Problems)
	}
	d.Granted["account"] = true
	if inv := consent.CheckDecision(d); len(inv.Problems) != 1 {
		t.Fatalf("one required purpose ticked passed as the acknowledgement: %+v", inv.Problems)
	}
	d.Acknowledged = true
	if inv := consent.CheckDecision(d); len(inv.Problems) != 0 {
		t.Fatalf("acknowledged: %+v", inv.Problems)
	}
	if !consent.Acknowledge.Holds() || !consent.Grant.Holds() || consent.Withdraw.Holds() || consent.Decline.Holds() {
		t.Fatal("only a grant or an acknowledgement leaves a purpose in effect")
	}
}
