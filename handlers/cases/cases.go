package cases

import (
	"context"
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
)

// Request reads the request named in the URL; a malformed reference is not found.
func (s *Cases) Request(c *gin.Context) (*rights.Request, error) {
	ref := c.Param("ref")
	if !rights.ValidRef(ref) {
		return nil, apperr.ErrNotFound
	}
	return s.requests.ByRef(c.Request.Context(), ref)
}

// OwnRequest reads one of the signed-in person's requests; anyone else's is not found.
func (s *Cases) OwnRequest(c *gin.Context) (*rights.Request, error) {
	r, err := s.Request(c)
	if err == nil && !r.RequestedBy(web.CurrentUser(c).ID) {
		return nil, apperr.ErrNotFound
	}
	return r, err
}

// PurposeNames maps purpose ids to their names in the current notice.
func (s *Cases) PurposeNames(ctx context.Context) (map[string]consent.Text, error) {
	names := map[string]consent.Text{}
	n, err := s.Notices.Current(ctx)
	if errors.Is(err, apperr.ErrNotFound) {
		return names, nil
	}
	if err != nil {
		return nil, err
	}
	for _, p := range n.Purposes {
		names[p.ID] = p.Name
	}
	return names, nil
}

func ValidKind(k rights.Kind) bool {
	for _, x := range rights.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

const QueuePageSize = 50

// Cases are what the requester's, the guest's and the officer's pages share about one
// request: reading it by reference, its letters, its attachments and copy package, and
// the person's data it exports.
type Cases struct {
	*web.Core
	requests    rights.Requests
	timeline    rights.Timeline
	guests      rights.Guests
	messages    rights.Messages
	fees        rights.FeeSchedule
	inventory   inventory.Inventory
	consents    *consent.Service
	disclosures disclosure.Register
	files       attachments.Store
	packages    export.Packages
	letters     *letters.Service
	casework    *casework.Service
	agency      receipt.Controller
	disk        *web.DiskWatch
}

// Services are what Cases read and change besides the core.
type Services struct {
	Requests    rights.Requests
	Timeline    rights.Timeline
	Guests      rights.Guests
	Messages    rights.Messages
	Fees        rights.FeeSchedule
	Inventory   inventory.Inventory
	Consents    *consent.Service
	Disclosures disclosure.Register
	Files       attachments.Store
	Packages    export.Packages
	Letters     *letters.Service
	Casework    *casework.Service
	Agency      receipt.Controller
	Disk        *web.DiskWatch
}

// New builds the shared reading of requests.
func New(core *web.Core, s Services) *Cases {
	return &Cases{Core: core, requests: s.Requests, timeline: s.Timeline, guests: s.Guests, messages: s.Messages, fees: s.Fees, inventory: s.Inventory,
		consents: s.Consents, disclosures: s.Disclosures, files: s.Files, packages: s.Packages, letters: s.Letters,
		casework: s.Casework, agency: s.Agency, disk: s.Disk}
}
