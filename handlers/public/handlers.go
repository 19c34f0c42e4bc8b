// Package public is the pages anyone reads: home, the privacy notice and its versions,
// cookies, transparency, fees, the inventory, announcements, receipt verification; the
// account forms (sign-up, sign-in, reset, verify, first administrator's set-up); and
// guests' requests, filed without an account and followed with a mailed code.
package public

import (
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/ratelimit"
	"github.com/example/pdpa-portal/rights"
)

// Services are what the public pages use besides the shared reading of requests.
type Services struct {
	Setup     *account.Setup
	Requests  rights.Requests
	Guests    rights.Guests
	Fees      rights.FeeSchedule
	Consents  *consent.Service
	Drafts    consent.Drafts
	Incidents incident.Store
	Casework  *casework.Service
	Receipts  *web.Receipts
	// The kept public lists and statistics (administrators' saves forget them).
	PublicFiles   *web.InventoryCache
	Announcements *web.AnnouncementCache
	Stats         *web.RequestStats
	// SignInLimit, SignUpLimit and ResetLimit bound each form's attempts per client
	// (SignUpLimit is shared with the resending of verification links).
	SignInLimit, SignUpLimit, ResetLimit *ratelimit.Limiter
}

// Handlers answer the public routes.
type Handlers struct {
	*cases.Cases
	setup                                *account.Setup
	requests                             rights.Requests
	guests                               rights.Guests
	fees                                 rights.FeeSchedule
	consents                             *consent.Service
	drafts                               consent.Drafts
	incidents                            incident.Store
	casework                             *casework.Service
	receipts                             *web.Receipts
	inventory                            *web.InventoryCache
	announced                            *web.AnnouncementCache
	stats                                *web.RequestStats
	signInLimit, signUpLimit, resetLimit *ratelimit.Limiter
	guestCodeLimit                       *ratelimit.Limiter // codes mailed per guest request
}

// New builds the public pages.
func New(cs *cases.Cases, s Services) *Handlers {
	return &Handlers{Cases: cs, setup: s.Setup, requests: s.Requests, guests: s.Guests, fees: s.Fees, consents: s.Consents,
		drafts: s.Drafts, incidents: s.Incidents, casework: s.Casework, receipts: s.Receipts, inventory: s.PublicFiles,
		announced: s.Announcements, stats: s.Stats, signInLimit: s.SignInLimit, signUpLimit: s.SignUpLimit, resetLimit: s.ResetLimit,
		guestCodeLimit: ratelimit.New(guestCodeMails, time.Hour, cs.Now)}
}
