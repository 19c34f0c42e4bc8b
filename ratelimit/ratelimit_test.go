package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable clock for tests; safe to read from many goroutines.
type clock struct{ ns atomic.Int64 }

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *clock) now() time.Time          { return epoch.Add(time.Duration(c.ns.Load())) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestBurstThenDeny(t *testing.T) {
	var c clock
	l := New(5, time.Minute, c.now)
	for i := range 5 {
		if ok, ra := l.Allow("k"); !ok || ra != 0 {
			t.Fatalf("attempt %d: got (%v, %v), want allowed", i+1, ok, ra)
		}
	}
	// One event refills every 60s/5 = 12s.
	if ok, ra := l.Allow("k"); ok || ra != 12*time.Second {
		t.Fatalf("6th attempt: got (%v, %v), want (false, 12s)", ok, ra)
	}
	// Other keys are unaffected.
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("other key denied")
	}
}

func TestRetryAfterRounding(t *testing.T) {
	var c clock
	l := New(5, time.Minute, c.now)
	for range 5 {
		l.Allow("k")
	}
	cases := []struct {
		at   time.Duration // since start
		want time.Duration
	}{
		{300 * time.Millisecond, 12 * time.Second},           // 11.7s left → rounded up
		{11 * time.Second, time.Second},                      // 1s left exactly
		{11*time.Second + 999*time.Millisecond, time.Second}, // 1ms left → at least 1s
	}
	for _, tc := range cases {
		c.ns.Store(int64(tc.at))
		if ok, ra := l.Allow("k"); ok || ra != tc.want {
			t.Errorf("at %v: got (%v, %v), want (false, %v)", tc.at, ok, ra, tc.want)
		}
	}
	c.ns.Store(int64(12 * time.Second))
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("denied at 12s, when retryAfter said one more is allowed")
	}
	if ok, ra := l.Allow("k"); ok || ra != 12*time.Second {
		t.Fatalf("after refill used: got (%v, %v), want (false, 12s)", ok, ra)
	}
}

// Hammering while locked out must not push the lockout further away.
func TestDeniedAttemptsDoNotExtendLockout(t *testing.T) {
	var c clock
	l := New(3, time.Minute, c.now)
	for range 3 {
		l.Allow("k")
	}
	_, first := l.Allow("k")
	for range 1000 {
		c.advance(10 * time.Millisecond)
		if ok, _ := l.Allow("k"); ok {
			t.Fatal("allowed while locked out")
		}
	}
	if _, ra := l.Allow("k"); ra != first-10*time.Second {
		t.Fatalf("retryAfter after 10s of hammering = %v, want %v", ra, first-10*time.Second)
	}
	// After a window with no allowed events the full quota is back.
	c.ns.Store(int64(time.Minute))
	for i := range 3 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("attempt %d after window denied", i+1)
		}
	}
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("4th attempt after window allowed")
	}
}

func TestConcurrentExactlyLimit(t *testing.T) {
	var c clock // frozen: every attempt lands in the same window
	const limit = 10
	l := New(limit, time.Hour, c.now)
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			for range 50 {
				if ok, _ := l.Allow("1.2.3.4"); ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != limit {
		t.Fatalf("allowed %d of 5000 concurrent attempts, want %d", got, limit)
	}
}

func TestKeyCapUnderFlood(t *testing.T) {
	var c clock // frozen, so no entry ever expires and eviction must do the work
	l := New(3, time.Hour, c.now)
	// A key that is actively being limited.
	for range 4 {
		l.Allow("attacker")
	}
	for i := range 300_000 {
		l.Allow(fmt.Sprintf("k%d", i))
		if n := len(l.entries); n > maxKeys {
			t.Fatalf("after %d keys the map holds %d, cap %d", i+1, n, maxKeys)
		}
	}
	if len(l.entries) != maxKeys || len(l.byTAT) != maxKeys {
		t.Fatalf("map %d, heap %d, want both %d", len(l.entries), len(l.byTAT), maxKeys)
	}
	// Eviction takes the entry nearest expiry, so the throttled key survives.
	if ok, _ := l.Allow("attacker"); ok {
		t.Fatal("throttled key was evicted by the flood")
	}
}

func TestExpiredEntriesSwept(t *testing.T) {
	var c clock
	l := New(2, time.Minute, c.now)
	for i := range 1000 {
		l.Allow(fmt.Sprint(i))
	}
	c.advance(time.Minute)
	l.Allow("new")
	if n := len(l.entries); n != 1 {
		t.Fatalf("map holds %d entries after the window, want 1", n)
	}
}

func TestKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"203.0.113.9", "203.0.113.9"},
		{"::ffff:203.0.113.9", "203.0.113.9"}, // IPv4-mapped
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"", "unknown"},
		{"not an ip", "unknown"},
		{"203.0.113.9:443", "unknown"}, // ports are the caller's to strip
		{"[2001:db8::1]", "unknown"},
		{"256.1.1.1", "unknown"},
	}
	for _, tc := range cases {
		if got := Key(tc.in); got != tc.want {
			t.Errorf("Key(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Addresses in one /64 share a bucket; another /64 has its own.
func TestIPv6PrefixSharesBucket(t *testing.T) {
	var c clock
	l := New(2, time.Minute, c.now)
	l.Allow(Key("2001:db8:0:1::1"))
	l.Allow(Key("2001:db8:0:1::2"))
	if ok, _ := l.Allow(Key("2001:db8:0:1:dead:beef::9")); ok {
		t.Fatal("third address in the same /64 allowed past the limit")
	}
	if ok, _ := l.Allow(Key("2001:db8:0:2::1")); !ok {
		t.Fatal("address in a different /64 denied")
	}
	// A mapped IPv4 address shares the plain IPv4 bucket.
	l.Allow(Key("198.51.100.7"))
	l.Allow(Key("::ffff:198.51.100.7"))
	if ok, _ := l.Allow(Key("198.51.100.7")); ok {
		t.Fatal("mapped and plain IPv4 did not share a bucket")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		limit  int
		window time.Duration
	}{{0, time.Minute}, {5, 0}, {-1, time.Minute}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%d, %v) did not panic", tc.limit, tc.window)
				}
			}()
			New(tc.limit, tc.window, nil)
		}()
	}
}

func BenchmarkAllow(b *testing.B) {
	b.Run("single key", func(b *testing.B) {
		l := New(10, time.Minute, nil)
		for b.Loop() {
			l.Allow("203.0.113.9")
		}
	})
	b.Run("many keys", func(b *testing.B) {
		// More keys than the cap, so eviction is exercised too.
		keys := make([]string, 1<<18)
		for i := range keys {
			keys[i] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		}
		l := New(10, time.Minute, nil)
		i := 0
		for b.Loop() {
			l.Allow(keys[i&(len(keys)-1)])
			i++
		}
	})
	b.Run("single key parallel", func(b *testing.B) {
		l := New(10, time.Minute, nil)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow("203.0.113.9")
			}
		})
	})
}

// A refunded event does not count: twelve successes from one address, each refunded,
// leave its whole quota; a refund never gives more than a full quota back.
func TestRefund(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := New(10, 15*time.Minute, func() time.Time { return now })
	for i := range 12 {
		if ok, _ := l.Allow("office"); !ok {
			t.Fatalf("success %d refused", i+1)
		}
		l.Refund("office")
	}
	l.Refund("office")
	l.Refund("stranger")
	allowed := 0
	for range 20 {
		if ok, _ := l.Allow("office"); ok {
			allowed++
		}
	}
	if allowed != 10 {
		t.Fatalf("after refunds %d of 20 allowed, want the quota of 10", allowed)
	}
}
