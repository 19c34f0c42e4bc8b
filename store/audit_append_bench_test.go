package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/example/pdpa-portal/audit"
	"github.com/example/pdpa-portal/store"
	"github.com/example/pdpa-portal/store/storetest"
)

// BenchmarkAuditAppend times one Append with an actor, an action and a target: what the
// request middleware pays for each event.
func BenchmarkAuditAppend(b *testing.B) {
	db := storetest.New(b)
	a := store.NewAudit(db.DB)
	ctx := context.Background()
	at := time.Now()
	for i := 0; b.Loop(); i++ {
		e := &audit.Event{At: at, Actor: fmt.Sprintf("u%d", i%50), Role: "officer", Action: fmt.Sprintf("POST /officer/requests/:ref/a%d", i%20),
			Target: fmt.Sprintf("2026-%06d", i/5), Outcome: audit.OK, Details: map[string]string{"status": "303"}}
		if err := a.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
