package account_test

import (
	"testing"

	"github.com/example/pdpa-portal/account"
)

// A name or number is looked up as people say it: spaces, full-width letters, +886.
func TestNormalisedSearchTerms(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"王 小明", "n:王小明"}, {"ＭＡＲＹ Chen", "n:marychen"}, {"+886 912-345-678", "p:0912345678"},
		{"00886912345678", "p:0912345678"}, {"(02) 2345-6789", "p:0223456789"}, {"12345", "n:12345"},
	} {
		if got := account.QueryTerm(c.q); got != c.want {
			t.Errorf("QueryTerm(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	if got := account.SearchTerms("Mary Chen", "0912345678"); len(got) != 4 {
		t.Errorf("terms of Mary Chen: %v", got)
	}
}
