package handlers_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/audit"
)

// The route table's tests share one world, built once: the first two change nothing
// but the audit trail, the third only reads before its last checks.
func TestSecurityRouteTable(t *testing.T) {
	w := newWorld(t, "甲方祕密")
	t.Run("CrossOrigin", func(t *testing.T) { crossOriginOnEveryUnsafeRoute(t, w) })
	t.Run("OtherCitizensObjects", func(t *testing.T) { noRouteServesAnotherCitizensObject(t, w) })
	t.Run("StoredXSSAndHeaders", func(t *testing.T) { storedXSSAndHeadersOnEveryResponse(t, w) })
}

// unsafeMethod reports whether a method changes state, so the cross-origin guard applies.
func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// Every unsafe route of the route table refuses a cross-origin request, told by Origin
// or by Sec-Fetch-Site, before any handler runs: 403 with the page (or the API's JSON)
// saying why, and no document in the database changes but the audit trail, which has
// one refused event per refusal. The requests carry the session
// (or the bearer token) of someone who could otherwise do it, and name real objects.
// The API is not exempt: a browser's cross-site call is refused there too; its own
// clients send neither header and are not affected (api_test.go).
func crossOriginOnEveryUnsafeRoute(t *testing.T, w *world) {
	h := w.h
	before := snapshot(t, h.db)
	trail := len(h.events())
	checked, refusals := 0, 0
	for _, rt := range h.srv.Routes() {
		if !unsafeMethod(rt.Method) {
			continue
		}
		path := w.path(rt.Path)
		if path == "" {
			t.Errorf("%s %s: no object to name in the world (add it to newWorld's paths)", rt.Method, rt.Path)
			continue
		}
		for name, opt := range map[string]func(*http.Request){
			"origin":         header("Origin", "https://evil.example"),
			"sec-fetch-site": header("Sec-Fetch-Site", "cross-site"),
		} {
			b := w.owner(path)
			b.opts = append(b.opts[:len(b.opts):len(b.opts)], opt)
			r := b.send(rt.Method, path, url.Values{"version": {"1"}, "body": {"x"}, "note": {"x"}, "granted": {"true"}})
			if r.Code != http.StatusForbidden {
				t.Errorf("%s %s (%s): status %d, want 403", rt.Method, path, name, r.Code)
				continue
			}
			// The route table's anonymous no-ops (whose owner here is nobody signed in)
			// and unaudited routes are no events, refused as cross-origin or not.
			if !rt.AnonymousNoOp && !rt.Unaudited {
				refusals++
			}
			if strings.HasPrefix(path, "/api/") {
				if !strings.Contains(r.Body.String(), `"code":"cross_origin"`) {
					t.Errorf("%s %s (%s): %s", rt.Method, path, name, r.Body.String())
				}
			} else if !strings.Contains(r.text("main"), "其他網站") {
				t.Errorf("%s %s (%s): the page does not say why: %q", rt.Method, path, name, r.text("main"))
			}
		}
		checked++
	}
	if checked < 50 {
		t.Fatalf("only %d unsafe routes", checked)
	}
	// Each refusal is one audit event, refused, but for the anonymous no-ops (their
	// owner in the world is nobody); nothing else changes.
	events := h.events()[trail:]
	for _, e := range events {
		if e.Outcome != audit.Refused || e.Details["refused"] != "cross-origin" {
			t.Errorf("event of a cross-origin refusal: %+v", e)
		}
	}
	if len(events) != refusals {
		t.Errorf("%d refusals, %d audit events", refusals, len(events))
	}
	after := snapshot(t, h.db)
	for _, coll := range []string{"audit_events", "audit_head", "audit_index"} {
		delete(before, coll)
		delete(after, coll)
	}
	if !reflect.DeepEqual(before, after) {
		for coll := range after {
			if !reflect.DeepEqual(before[coll], after[coll]) {
				t.Errorf("collection %s changed", coll)
			}
		}
	}
}

// notOwned are the routes with a parameter that names no one's object.
var notOwned = map[string]string{
	"/static/:hash/*path":          "a content-hashed asset, the same for everyone",
	"/api/v1/me/consents/:purpose": "a purpose of the public catalogue; the route acts on the caller's own consent",
	"/privacy/versions/:n":         "a published version of the privacy notice, public to everyone",
	"/announcements/:id":           "an incident announcement, published for everyone (ER Art. 22); unpublished ones are 404",
}

// Every route that names an object refuses citizen B when the object is citizen A's (or
// a guest's, B following a guest request of their own): 404 or 403 — 401 on the API
// routes that take a bearer token, which B's session is not — and none of A's data in
// the answer; the staff routes refuse B as a citizen. Unsafe ones change nothing of A's.
// A route with a parameter the world has no object for fails, so a new route needs a
// case (or a reason in notOwned).
func noRouteServesAnotherCitizensObject(t *testing.T, w *world) {
	mark := w.mark
	h := w.h
	before := snapshot(t, h.db)
	checked := 0
	for _, rt := range h.srv.Routes() {
		if !strings.ContainsAny(rt.Path, ":*") || notOwned[rt.Path] != "" {
			continue
		}
		path := w.path(rt.Path)
		if path == "" {
			t.Errorf("%s %s: a route with a parameter but no case: add an object to newWorld's paths or a reason to notOwned", rt.Method, rt.Path)
			continue
		}
		var r *response
		if strings.HasPrefix(path, "/api/") {
			r = w.citizen.api(rt.Method, path, `{"granted": true, "body": "x"}`)
		} else {
			r = w.citizen.send(rt.Method, path, url.Values{"version": {"1"}, "body": {"x"}, "note": {"x"}, "code": {"000000"}})
		}
		allowed := r.Code == http.StatusNotFound || r.Code == http.StatusForbidden ||
			r.Code == http.StatusUnauthorized && strings.HasPrefix(path, "/api/v1/") && !strings.HasPrefix(path, "/api/v1/me/")
		switch {
		case rt.Path == "/guest/requests/:ref/confirm":
			// The code form itself: it shows nothing of the request (GET) and refuses a
			// wrong code (POST); the right code is what proves the address.
			allowed = rt.Method == http.MethodGet && r.Code == http.StatusOK || rt.Method == http.MethodPost && r.Code == http.StatusBadRequest
		case strings.HasPrefix(rt.Path, "/guest/requests/:ref"):
			// A guest without the pass for this reference is sent to ask for a code,
			// which goes only to the address the request was filed with.
			allowed = r.Code == http.StatusSeeOther && r.Header().Get("Location") == "/guest/track?ref="+worldR3
		}
		if !allowed {
			t.Errorf("B %s %s: status %d (%s), want a refusal", rt.Method, path, r.Code, r.Header().Get("Location"))
		}
		body := r.Body.String()
		for _, leak := range []string{mark, "a@example.tw", "g@example.tw", "%PDF"} {
			if strings.Contains(body, leak) {
				t.Errorf("B %s %s: the answer shows %q", rt.Method, path, leak)
			}
		}
		checked++
	}
	if checked < 40 {
		t.Fatalf("only %d routes with objects", checked)
	}
	after := snapshot(t, h.db)
	for coll := range after {
		if !strings.HasPrefix(coll, "audit") && !reflect.DeepEqual(before[coll], after[coll]) {
			t.Errorf("collection %s changed", coll)
		}
	}
	// The owners still reach their objects, so the refusals above are about B.
	for _, p := range []string{"/requests/" + worldR1, "/account/consents/receipts/" + w.paths["/account/consents/receipts/:id"][len("/account/consents/receipts/"):]} {
		if r := w.citizenA.get(p); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), mark) && strings.HasPrefix(p, "/requests") {
			t.Errorf("A %s: %d", p, r.Code)
		}
	}
	if r := w.guest.get("/guest/requests/" + worldR3); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), mark) {
		t.Errorf("the guest's own request: %d", r.Code)
	}
}
