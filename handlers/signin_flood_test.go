package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Password hashes run at most two at a time (account.HashSlots); a crowd signing in at
// once waits its turn and every one of them still gets the right answer: in with the
// right password, told it is wrong with a wrong one.
func TestManySignInsAtOnceAllAnsweredRightly(t *testing.T) {
	h := newHarness(t)
	const n = 8
	for i := range n {
		h.makeUser(fmt.Sprintf("crowd%d@example.tw", i), "林小明", citizenPassword)
	}
	codes := make([]int, n)
	pages := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pw := citizenPassword
			if i%2 == 1 {
				pw = "Wrong-Pass-1!"
			}
			r := h.browser(func(r *http.Request) { r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4711", i+1) }).
				post("/signin", url.Values{"email": {fmt.Sprintf("crowd%d@example.tw", i)}, "password": {pw}})
			codes[i], pages[i] = r.Code, r.text(".error-summary")
		})
	}
	wg.Wait()
	for i := range n {
		if i%2 == 0 && codes[i] != http.StatusSeeOther {
			t.Errorf("crowd%d with the right password: %d %q", i, codes[i], pages[i])
		}
		if i%2 == 1 && (codes[i] != http.StatusUnauthorized || !strings.Contains(pages[i], "不正確")) {
			t.Errorf("crowd%d with a wrong password: %d %q", i, codes[i], pages[i])
		}
	}
}
