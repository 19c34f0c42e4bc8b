// Package api is the JSON API under /api/v1: a person's consents, receipts and requests
// (session cookie), and for the agency's other systems the consent look-up, the queue,
// the disclosure register and the inventory (bearer tokens with scopes).
package api

import (
	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/rights"
)

// Services are what the API uses besides the shared reading of requests.
type Services struct {
	APITokens   apitoken.Store
	Consents    *consent.Service
	Requests    rights.Requests
	Timeline    rights.Timeline
	Messages    rights.Messages
	Disclosures disclosure.Register
	Inventory   inventory.Inventory
	Casework    *casework.Service
	Receipts    *web.Receipts
}

// Handlers answer the API's routes.
type Handlers struct {
	*cases.Cases
	apiTokens   apitoken.Store
	consents    *consent.Service
	requests    rights.Requests
	timeline    rights.Timeline
	messages    rights.Messages
	disclosures disclosure.Register
	inventory   inventory.Inventory
	casework    *casework.Service
	receipts    *web.Receipts
}

// New builds the API's handlers.
func New(cs *cases.Cases, s Services) *Handlers {
	return &Handlers{Cases: cs, apiTokens: s.APITokens, consents: s.Consents, requests: s.Requests, timeline: s.Timeline,
		messages: s.Messages, disclosures: s.Disclosures, inventory: s.Inventory, casework: s.Casework, receipts: s.Receipts}
}
