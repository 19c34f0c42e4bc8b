package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/example/pdpa-portal/internal/background"
)

// The embedded engine answers a filter from an index only when it is exactly
// {_id: <string or ObjectId>}; any other filter decodes every document of the
// collection. MongoDB serves a filter from an index only when one was declared for it.
// The query watcher classifies every command the portal sends by those two rules, so a
// test fails the day a page starts reading "every document where …".

// Query is one filter the portal sent, as the watcher saw it.
type Query struct {
	Collection string
	Command    string   // find, update, delete, count, aggregate, findAndModify
	Keys       []string // the filter's top-level keys (operators inside values are not keys)
	Sort       []string
	IDString   bool // the filter is exactly {_id: <string or ObjectId>}
	// IDAnd: the filter is {_id: <string>, …} with more conditions: a compare-and-set
	// in shared mode, served by the _id index on MongoDB (the embedded engine, the
	// single writer, filters on _id alone, DB.atVersion).
	IDAnd  bool
	Shared bool   // sent by a DB in Shared mode
	Limit  int64  // a find's limit (0: none)
	Job    string // the background job that sent it (background.Job), or ""
}

func (q Query) String() string {
	s := fmt.Sprintf("%s %s {%s}", q.Command, q.Collection, strings.Join(q.Keys, ", "))
	if len(q.Sort) > 0 {
		s += " sort {" + strings.Join(q.Sort, ", ") + "}"
	}
	if q.Job != "" {
		s += " in job " + q.Job
	}
	return s
}

// bounded lists the collections whose size does not grow with the number of people or
// with time beyond a small bound, so reading all of them is cheap on both engines; each
// says what bounds it.
var bounded = map[string]string{ // #nosec G101 -- collection names and descriptions, no credentials
	collOpenRequests: "requests still open (a few hundred)",
	collNotices:      "published notice versions (a few a year)",
	collNoticeDrafts: "notice drafts (one at a time)",
	collPurposes:     "the purpose catalogue (tens)",
	collAPITokens:    "the agency systems' API tokens (tens)",
	collIncidents:    "recorded incidents (a few a year)",
	collPDFiles:      "the inventory of personal data files (tens)",
	collCalendar:     "office calendar days (366 a year)",
	collRequestStats: "request counters (kinds × months)",
	collSetupTokens:  "first-administrator links (one)",
	collSettings:     "settings, leases and flags (tens)",
	collAuditHead:    "the audit trail's head and checkpoint (two)",
	collReviews:      "staff reviews (two a year per staff member)",

	collCalendarImports: "staged calendar imports (one per administrator)",
}

// Problem says what is wrong with q, or "" when it is fine: on a request path, any
// filter but {_id: string} on a collection that grows with people or time; anywhere, a
// filter MongoDB has no index for.
func (q Query) Problem() string {
	if q.IDString || (q.IDAnd && q.Shared) {
		return ""
	}
	if _, ok := bounded[q.Collection]; ok {
		return ""
	}
	if q.Command == "find" && len(q.Keys) == 0 && len(q.Sort) == 0 && q.Limit > 0 && q.Limit <= 100 {
		return "" // the first few documents: both engines stop there
	}
	if (len(q.Keys) > 0 || len(q.Sort) > 0) && !hasIndex(q) {
		return "no MongoDB index serves it (declare one in indexes.go)"
	}
	if q.Job == "" {
		return "the embedded engine reads every document of the collection for it, on a request path (make it an _id look-up, or run it in a background job)"
	}
	return ""
}

// hasIndex reports whether a declared index (or _id) starts with the filter's keys
// followed by the sort's, in any order within the filter.
func hasIndex(q Query) bool {
	if slices.Contains(q.Keys, "_id") {
		return true // MongoDB finds the one document by _id, then checks the rest
	}
	want := append(slices.Clone(q.Keys), q.Sort...)
	candidates := [][]string{{"_id"}}
	for _, ix := range indexes[q.Collection] {
		var ks []string
		for _, e := range ix.keys {
			ks = append(ks, e.Key)
		}
		candidates = append(candidates, ks)
	}
	for _, ks := range candidates {
		if len(ks) < len(want) {
			continue
		}
		prefix := slices.Clone(ks[:len(q.Keys)])
		slices.Sort(prefix)
		keys := slices.Clone(q.Keys)
		slices.Sort(keys)
		if slices.Equal(prefix, keys) && slices.Equal(ks[len(q.Keys):len(want)], q.Sort) {
			return true
		}
	}
	return false
}

// WatchQueries returns a command monitor that reports every filtered command a DB of
// the given mode sends to fn.
func WatchQueries(mode Mode, fn func(context.Context, Query)) *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(ctx context.Context, e *event.CommandStartedEvent) {
		for _, q := range queriesOf(e.CommandName, e.Command) {
			q.Job, q.Shared = background.Name(ctx), mode == Shared
			fn(ctx, q)
		}
	}}
}

func queriesOf(name string, cmd bson.Raw) []Query {
	coll, _ := cmd.Lookup(name).StringValueOK()
	one := func(filter, sort bson.Raw) Query {
		q := Query{Collection: coll, Command: name, Keys: keysOf(filter), Sort: keysOf(sort)}
		if slices.Contains(q.Keys, "_id") {
			switch filter.Lookup("_id").Type {
			case bson.TypeString, bson.TypeObjectID:
				q.IDString = len(q.Keys) == 1
				q.IDAnd = len(q.Keys) > 1
			}
		}
		return q
	}
	doc := func(key string) bson.Raw { d, _ := cmd.Lookup(key).DocumentOK(); return d }
	switch name {
	case "find":
		q := one(doc("filter"), doc("sort"))
		if v, ok := cmd.Lookup("limit").AsInt64OK(); ok {
			q.Limit = v
		}
		return []Query{q}
	case "count":
		return []Query{one(doc("query"), nil)}
	case "findAndModify":
		return []Query{one(doc("query"), doc("sort"))}
	case "update", "delete":
		list := "updates"
		if name == "delete" {
			list = "deletes"
		}
		arr, _ := cmd.Lookup(list).ArrayOK()
		vals, _ := arr.Values()
		var out []Query
		for _, v := range vals {
			d, _ := v.DocumentOK()
			out = append(out, one(d.Lookup("q").Document(), nil))
		}
		return out
	case "aggregate":
		arr, _ := cmd.Lookup("pipeline").ArrayOK()
		vals, _ := arr.Values()
		var match, sort bson.Raw
		for _, v := range vals {
			st, _ := v.DocumentOK()
			if m, ok := st.Lookup("$match").DocumentOK(); ok && match == nil {
				match = m
			}
			if s, ok := st.Lookup("$sort").DocumentOK(); ok && sort == nil {
				sort = s
			}
		}
		return []Query{one(match, sort)}
	}
	return nil
}

// keysOf lists a document's keys; the parts of an $and count as the filter's own keys.
func keysOf(d bson.Raw) []string {
	els, _ := d.Elements()
	out := make([]string, 0, len(els))
	for _, e := range els {
		if e.Key() == "$and" {
			parts, _ := e.Value().Array().Values()
			for _, p := range parts {
				for _, k := range keysOf(p.Document()) {
					if !slices.Contains(out, k) {
						out = append(out, k)
					}
				}
			}
			continue
		}
		out = append(out, e.Key())
	}
	return out
}
