package web

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/consent"
)

// noticeCache keeps the current notice a few seconds: the banner needs it on every page.
type noticeCache struct {
	mu sync.Mutex
	n  *consent.Notice
	at time.Time
	// gen counts ForgetNotice calls: a read begun before one is not cached after it.
	gen uint64
}

const NoticeCacheTTL = 5 * time.Second

// CurrentNotice reads the notice through the cache. The read is made without holding
// the lock: while the database is away each read waits for the driver's timeout, and
// Templates queued behind one another's reads would all wait until it returned.
func (s *Core) CurrentNotice(ctx context.Context) (*consent.Notice, error) {
	s.notice.mu.Lock()
	n, at, gen := s.notice.n, s.notice.at, s.notice.gen
	s.notice.mu.Unlock()
	// On the portal's clock, so tests can let the time pass for a version another
	// instance published.
	if age := s.Now().Sub(at); n != nil && age >= 0 && age < NoticeCacheTTL {
		return n, nil
	}
	n, err := s.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	s.notice.mu.Lock()
	if s.notice.gen == gen {
		s.notice.n, s.notice.at = n, s.Now()
	}
	s.notice.mu.Unlock()
	return n, nil
}

func (s *Core) ForgetNotice() {
	s.notice.mu.Lock()
	s.notice.n = nil
	s.notice.gen++
	s.notice.mu.Unlock()
}

// NoticeSeenCookie remembers the last version an anonymous visitor dismissed.
const NoticeSeenCookie = "notice_seen"

// noticeBanner returns the version to announce, or 0: a version after the first that
// this visitor has not dismissed, or this user has not acknowledged.
func (s *Core) noticeBanner(c *gin.Context) int {
	if s.Acks == nil {
		return 0
	}
	n, err := s.CurrentNotice(c.Request.Context())
	if err != nil || n.Version <= 1 {
		return 0
	}
	if u := CurrentUser(c); u != nil {
		acked, err := s.Acks.Acked(c.Request.Context(), u.ID, n.Version)
		if err != nil || acked {
			return 0
		}
		return n.Version
	}
	if ck, err := c.Request.Cookie(NoticeSeenCookie); err == nil {
		if v, err := strconv.Atoi(ck.Value); err == nil && v >= n.Version {
			return 0
		}
	}
	return n.Version
}
