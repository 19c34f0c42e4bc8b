package rights

import (
	"strings"
	"testing"
	"time"
)

// Each kind asks for what it needs; the problems name the fields.
func TestValidateRequestByKind(t *testing.T) {
	known := func(p string) bool { return p == "newsletter" }
	cases := []struct {
		name   string
		r      Request
		fields []string
	}{
		{"view needs a scope", Request{Kind: View}, []string{"scope"}},
		{"view with a scope", Request{Kind: View, Scope: "我的帳號資料"}, nil},
		{"unknown kind", Request{Kind: "erase-everything"}, []string{"kind"}},
		{"correction needs field, value, reason", Request{Kind: Correct}, []string{"field", "proposed", "explanation"}},
		{"correction complete", Request{Kind: Correct, Field: "address", Proposed: "臺北市", Explanation: "搬家"}, nil},
		{"delete needs purposes or a description", Request{Kind: Delete}, []string{"purposes"}},
		{"delete with a forged purpose", Request{Kind: Delete, Purposes: []string{"$where"}}, []string{"purposes"}},
		{"stop with a known purpose", Request{Kind: Stop, Purposes: []string{"newsletter"}}, nil},
		{"delete of the whole account", Request{Kind: Delete, Whole: true}, nil},
		{"whole account and purposes at once", Request{Kind: Delete, Whole: true, Purposes: []string{"newsletter"}}, []string{"whole"}},
		{"stop of everything", Request{Kind: Stop, Whole: true, Scope: "所有處理"}, nil},
		{"whole account on a view", Request{Kind: View, Scope: "全部", Whole: true}, []string{"whole"}},
		{"oversize scope", Request{Kind: Copy, Scope: strings.Repeat("長", MaxScope+1)}, []string{"scope"}},
	}
	for _, tc := range cases {
		v := Validate(&tc.r, known)
		var got []string
		for _, p := range v.Problems {
			got = append(got, p.Field)
		}
		if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("%s: problems %v, want %v", tc.name, got, tc.fields)
		}
	}
}

func TestFileSetsReceiptAndDueDate(t *testing.T) {
	r := &Request{Kind: Copy}
	// 23:30 on 23 November in twtime.Zone is still the 23rd there (15:30 UTC).
	File(r, time.Date(2026, 11, 23, 15, 30, 0, 0, time.UTC), nil)
	if r.State != Submitted || r.Received != NewDate(2026, time.November, 23) || r.Due != NewDate(2026, time.December, 8) {
		t.Fatalf("%+v", r)
	}
	if !ValidRef(FormatRef(2026, 123)) || FormatRef(2026, 123) != "2026-000123" || ValidRef("2026-12") || ValidRef("../x") {
		t.Fatal("reference format")
	}
}
