package account

import (
	"fmt"
	"sync"
	"testing"
)

// A burst of sign-ins, right and wrong passwords mixed, gets every answer right while no
// more than HashSlots hashes (64 MiB each) ever run at once.
func TestPasswordHashesWaitForASlot(t *testing.T) {
	hash, err := HashPassword("Right-horse-9")
	if err != nil {
		t.Fatal(err)
	}
	hashPeak.Store(0)
	const n = 8
	got := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			pw := "Right-horse-9"
			if i%2 == 1 {
				pw = fmt.Sprintf("Wrong-horse-%d", i)
			}
			got[i] = VerifyPassword(hash, pw)
		})
	}
	wg.Wait()
	for i, ok := range got {
		if want := i%2 == 0; ok != want {
			t.Errorf("sign-in %d: password accepted %v, want %v", i, ok, want)
		}
	}
	if p := hashPeak.Load(); p > HashSlots || p < 1 {
		t.Errorf("%d hashes ran at once, want at most %d", p, HashSlots)
	}
}
