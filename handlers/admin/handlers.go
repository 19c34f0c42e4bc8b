// Package admin is the administrators' pages: staff accounts, API tokens, the notice and
// its purposes, the office calendar, fees, letters, the inventory of personal data files,
// request statistics, incidents, retention, quotas and the audit trail.
package admin

import (
	"context"

	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/incident"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
)

// Services are what the administrators' pages use besides the core.
type Services struct {
	APITokens    apitoken.Store
	Drafts       consent.Drafts
	Catalogue    consent.Catalogue
	ConsentStats consent.StatsSource
	Calendar     rights.CalendarStore
	CalendarDays *rights.CalendarService
	Fulfil       rights.FulfilSetting
	Quotas       rights.QuotaSetting
	Fees         rights.FeeSchedule
	Inventory    inventory.Inventory
	Flags        interface {
		SetFlag(ctx context.Context, name string, on bool) error
	}
	Agency          receipt.Controller
	Letters         *letters.Service
	Casework        *casework.Service
	Retention       RetentionSettings
	Incidents       incident.Store
	IncidentNotices *incident.Service
	// The public pages' caches, forgotten when an administrator changes what they show,
	// and the request statistics shown to the public too.
	PublicFiles   *web.InventoryCache
	Announcements *web.AnnouncementCache
	Stats         *web.RequestStats
}

// Handlers answer the administrators' routes.
type Handlers struct {
	*web.Core
	apiTokens    apitoken.Store
	drafts       consent.Drafts
	catalogue    consent.Catalogue
	consentStats consent.StatsSource
	calendar     rights.CalendarStore
	calendarDays *rights.CalendarService
	fulfil       rights.FulfilSetting
	quotas       rights.QuotaSetting
	fees         rights.FeeSchedule
	inventory    inventory.Inventory
	flags        interface {
		SetFlag(ctx context.Context, name string, on bool) error
	}
	agency          receipt.Controller
	letters         *letters.Service
	casework        *casework.Service
	retention       RetentionSettings
	incidents       incident.Store
	incidentNotices *incident.Service
	publicFiles     *web.InventoryCache
	announcements   *web.AnnouncementCache
	stats           *web.RequestStats
}

// New builds the administrators' handlers.
func New(core *web.Core, s Services) *Handlers {
	return &Handlers{Core: core, apiTokens: s.APITokens, drafts: s.Drafts, catalogue: s.Catalogue,
		consentStats: s.ConsentStats, calendar: s.Calendar, calendarDays: s.CalendarDays, fulfil: s.Fulfil, quotas: s.Quotas,
		fees: s.Fees, inventory: s.Inventory, flags: s.Flags, agency: s.Agency, letters: s.Letters, casework: s.Casework,
		retention: s.Retention, incidents: s.Incidents, incidentNotices: s.IncidentNotices, publicFiles: s.PublicFiles,
		announcements: s.Announcements, stats: s.Stats}
}
