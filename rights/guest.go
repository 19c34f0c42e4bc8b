package rights

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/example/pdpa-portal/apperr"
)

// Guest is a requester without an account: someone who gave an e-mail address with the
// request and proves it with a code mailed there. Each guest request has its own guest,
// so nothing links one guest request to another.
type Guest struct {
	ID    string // "g_…": also the subject of the request and of its data key
	Email string
	Name  string
	// Phone is the number a paper or counter requester gave (none online).
	Phone     string
	Lang      string
	Confirmed bool // the address answered with a code
	Reminded  bool // the one reminder to confirm was sent
	Created   time.Time
}

// IsGuest reports whether a request's subject is a guest rather than an account.
func IsGuest(subject string) bool { return strings.HasPrefix(subject, "g_") }

// GuestPolicy says when an unconfirmed guest request is reminded of and closed.
type GuestPolicy struct {
	RemindAfter time.Duration // 3 days by default
	CloseAfter  time.Duration // 14 days by default
}

// DefaultGuestPolicy is the policy the issue and the notice promise.
var DefaultGuestPolicy = GuestPolicy{RemindAfter: 3 * 24 * time.Hour, CloseAfter: 14 * 24 * time.Hour}

// Code limits: a code is six digits, lives 30 minutes and survives five wrong tries.
const (
	CodeTTL      = 30 * time.Minute
	CodeAttempts = 5
)

// NewCode returns six random digits.
func NewCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// Code errors: the code is wrong (with tries left), no longer usable, or none was mailed
// on this browser's behalf.
var (
	ErrCodeNone    = errors.New("no code was sent for this browser")
	ErrCodeWrong   = fmt.Errorf("the code does not match: %w", apperr.ErrForbidden)
	ErrCodeExpired = errors.New("the code has expired or was tried too often")
)

// Guests stores guests and their codes.
type Guests interface {
	Create(ctx context.Context, g *Guest) error
	Guest(ctx context.Context, id string) (*Guest, error)
	// SetFlags records that the guest confirmed their address or was reminded.
	SetFlags(ctx context.Context, id string, confirmed, reminded bool) error
	// IssueCode replaces the request's code held for one browser (bind, a secret the
	// browser keeps; "" for a code any browser may try); CheckCode spends the request's
	// codes when code matches the browser's own, so strangers cannot use up its tries.
	IssueCode(ctx context.Context, ref, bind, code string, now time.Time) error
	CheckCode(ctx context.Context, ref, bind, code string, now time.Time) error
}

// ExpireUnconfirmed closes a guest request whose address was never confirmed.
func ExpireUnconfirmed() Action {
	return func(r *Request, now time.Time) (Step, error) {
		if r.State != Submitted {
			return Step{}, ErrChanged
		}
		r.State = Closed
		return Step{Action: "closed_unconfirmed", Role: "system"}, nil
	}
}
