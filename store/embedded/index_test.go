package embedded_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/store/storetest"
)

// The embedded engine answers look-ups by _id from an index in every collection: the
// query plan of the statement FerretDB sends is an index search, not a table scan.
func TestIDLookupsUseAnIndex(t *testing.T) {
	db := storetest.New(t)
	if db.Engine == nil {
		t.Skip("runs against the embedded engine only (PORTAL_TEST_MONGODB_URI is set)")
	}
	conn, err := sql.Open("sqlite", "file:"+filepath.Join(db.Dir, "db", db.Name+".sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	rows, err := conn.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			t.Fatal(err)
		}
		tables[name] = table
	}
	_ = rows.Close()
	for _, coll := range []string{"requests", "users", "sessions", "file_chunks", "guests", "open_requests"} {
		table, ok := tables[coll]
		if !ok {
			t.Fatalf("collection %s was not created at start-up", coll)
		}
		var plan strings.Builder
		prow, err := conn.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"2026-000001"`)
		if err != nil {
			t.Fatal(err)
		}
		for prow.Next() {
			var id, parent, unused int
			var detail string
			if err := prow.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "\n")
		}
		_ = prow.Close()
		if !strings.Contains(plan.String(), "USING INDEX") {
			t.Errorf("%s: look-up by _id is %q", coll, plan.String())
		}
	}
}
