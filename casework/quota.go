package casework

import (
	"context"
	"time"

	"github.com/example/pdpa-portal/rights"
)

// quota is the administrator's quota (Quota, the configuration, until one is saved).
func (s *Service) quota(ctx context.Context) (rights.Quota, error) {
	if s.Quotas == nil {
		return s.Quota, nil
	}
	return s.Quotas.Quota(ctx, s.Quota)
}

// take counts n against key's limit within window; over it, err is the *QuotaError
// over. A zero limit, or no usage store, counts nothing.
func (s *Service) take(ctx context.Context, key string, n int64, limit int64, window time.Duration, over *rights.QuotaError) error {
	if limit <= 0 || s.Usage == nil {
		return nil
	}
	ok, err := s.Usage.Take(ctx, key, n, limit, window, s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return over
	}
	return nil
}

// takeAttachments counts the attachments' bytes against the requester's day.
func (s *Service) takeAttachments(ctx context.Context, q rights.Quota, subject string, ups []Upload) error {
	var size int64
	for _, u := range ups {
		size += u.Size
	}
	if size == 0 {
		return nil
	}
	return s.take(ctx, "bytes:"+subject, size, int64(q.AttachmentMBPerDay)<<20, 24*time.Hour, rights.AttachmentQuota(q.AttachmentMBPerDay))
}

// takeGuestFiling counts a guest filing against its client address and e-mail address.
func (s *Service) takeGuestFiling(ctx context.Context, q rights.Quota, client, email string) error {
	if err := s.take(ctx, "guest-addr:"+client, 1, int64(q.GuestsPerAddress), 24*time.Hour, rights.GuestAddressQuota(q.GuestsPerAddress)); err != nil {
		return err
	}
	return s.take(ctx, "guest-email:"+email, 1, int64(q.GuestsPerEmail), 24*time.Hour, rights.GuestEmailQuota(q.GuestsPerEmail))
}

// takeMessage counts a requester's message against their hour.
func (s *Service) takeMessage(ctx context.Context, q rights.Quota, subject string) error {
	return s.take(ctx, "messages:"+subject, 1, int64(q.MessagesPerHour), time.Hour, rights.MessagesQuota(q.MessagesPerHour))
}
