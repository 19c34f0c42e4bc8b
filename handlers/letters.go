package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
)

type letterPage struct {
	Letter    string // "extension" or "decision"
	Request   *rights.Request
	Agency    receipt.Controller
	Requester *account.User
	Names     map[string]consent.Text
	Fees      map[string]rights.FeeItem
	Officer   bool
}

// requesterLetter shows the requester a written notice about their own request: the
// extension notice or the decision letter, as a printable A4 page.
func (s *Server) requesterLetter(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	if r.Subject != currentUser(c).ID {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	s.renderLetter(c, r, false)
}

// officerLetter shows an officer the same notice, to print and post.
func (s *Server) officerLetter(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	s.renderLetter(c, r, true)
}

func (s *Server) renderLetter(c *gin.Context, r *rights.Request, officer bool) {
	letter := c.Param("letter")
	if (letter != "extension" || r.Extension == nil) && (letter != "decision" || r.Decision == nil) {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	names, err := s.purposeNames(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := letterPage{Letter: letter, Request: r, Agency: s.Agency, Names: names, Fees: map[string]rights.FeeItem{}, Officer: officer}
	if p.Agency.PIIController == "" {
		p.Agency = consent.DefaultController("")
	}
	if u, err := s.Users.ByID(ctx, r.Subject); err == nil {
		p.Requester = u
	}
	if r.Fee != nil {
		items, err := s.Fees.Fees(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, it := range items {
			p.Fees[it.ID] = it
		}
	}
	s.render(c, http.StatusOK, "letter", s.view(c, "letter."+letter+"_title", p))
}

// agency is the letterhead: the configured controller, or the demo agency.
func (s *Server) agency() receipt.Controller {
	if s.Agency.PIIController == "" {
		return consent.DefaultController("")
	}
	return s.Agency
}
