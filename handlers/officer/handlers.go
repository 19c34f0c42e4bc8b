// Package officer is the privacy officers' pages: the queue, a request and its actions,
// requests entered from paper or the counter, the disclosure register, the post run and
// paper consents.
package officer

import (
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/rights"
)

// Services are what the officers' pages use besides the shared reading of requests.
type Services struct {
	Requests    rights.Requests
	Timeline    rights.Timeline
	Guests      rights.Guests
	Messages    rights.Messages
	Fees        rights.FeeSchedule
	Fulfil      rights.FulfilSetting
	Search      *rights.Search
	Consents    *consent.Service
	Drafts      consent.Drafts
	Disclosures disclosure.Register
	// DisclosureService records disclosures and their new versions.
	DisclosureService *disclosure.Service
	Files             attachments.Store
	Letters           *letters.Service
	Casework          *casework.Service
	Disk              *web.DiskWatch
}

// Handlers answer the officers' routes.
type Handlers struct {
	*cases.Cases
	queueRowHTML      *web.Rows[queueRow]
	requests          rights.Requests
	timeline          rights.Timeline
	guests            rights.Guests
	messages          rights.Messages
	fees              rights.FeeSchedule
	fulfilDays        rights.FulfilSetting
	search            *rights.Search
	consents          *consent.Service
	drafts            consent.Drafts
	disclosures       disclosure.Register
	disclosureService *disclosure.Service
	files             attachments.Store
	letters           *letters.Service
	casework          *casework.Service
	disk              *web.DiskWatch
	// officers are the staff holding the officer role, kept a minute.
	officers officerCache
}

// New builds the officers' handlers.
func New(cs *cases.Cases, s Services) *Handlers {
	return &Handlers{Cases: cs, requests: s.Requests, timeline: s.Timeline, guests: s.Guests, messages: s.Messages, fees: s.Fees,
		fulfilDays: s.Fulfil, search: s.Search, consents: s.Consents, drafts: s.Drafts, disclosures: s.Disclosures, disclosureService: s.DisclosureService,
		files: s.Files, letters: s.Letters, casework: s.Casework, disk: s.Disk,
		queueRowHTML: web.NewRows[queueRow]("queue", "fragment/queue_row")}
}
