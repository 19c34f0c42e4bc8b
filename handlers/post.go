package handlers

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/rights"
)

// postRow is one letter of the post run.
type postRow struct {
	Letter    string
	Kind      string // what the letter is (letter.<kind>_title)
	Request   *rights.Request
	Date      rights.Date // the letter's date
	Recipient cases.Recipient
}

type postPage struct {
	Today rights.Date
	// Due are the letters still to post, oldest first; Posted those posted today.
	Due    []postRow
	Posted []postRow
}

// postRows reads the letters named by ids (each an _id look-up of its request), leaving
// out those no longer to post when pending: delivered meanwhile, or their requester
// erased.
func (s *Server) postRows(ctx context.Context, ids []string, pending bool) ([]postRow, error) {
	var out []postRow
	for _, id := range ids {
		ref, letter, ok := letters.ParsePostID(id)
		if !ok || !rights.ValidRef(ref) {
			continue
		}
		r, err := s.Requests.ByRef(ctx, ref)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		at := r.LetterAt(letter)
		if at.IsZero() || r.Erased || pending && r.DeliveryOf(letter) != nil {
			continue
		}
		out = append(out, postRow{Letter: letter, Kind: rights.LetterKind(letter), Request: r, Date: rights.DateOf(at), Recipient: s.RecipientOf(ctx, r)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out, nil
}

func (s *Server) loadPost(c *gin.Context) (*postPage, bool) {
	ctx := c.Request.Context()
	p := &postPage{Today: rights.DateOf(s.Now())}
	pending, err := s.Letters.Store.PendingPost(ctx)
	if err != nil {
		s.Fail(c, err)
		return nil, false
	}
	if p.Due, err = s.postRows(ctx, pending, true); err != nil {
		s.Fail(c, err)
		return nil, false
	}
	posted, err := s.Letters.Store.PostedOn(ctx, p.Today.String())
	if err != nil {
		s.Fail(c, err)
		return nil, false
	}
	if p.Posted, err = s.postRows(ctx, posted, false); err != nil {
		s.Fail(c, err)
		return nil, false
	}
	return p, true
}

// postList shows the officers the letters to post: those to requesters without e-mail
// not yet recorded as delivered, and those posted today.
func (s *Server) postList(c *gin.Context) {
	p, ok := s.loadPost(c)
	if !ok {
		return
	}
	s.Render(c, http.StatusOK, "post", s.View(c, "post.title", p))
}

// postPrint prints every letter still to post, one A4 page each with the address in the
// window of a DL envelope.
func (s *Server) postPrint(c *gin.Context) {
	p, ok := s.loadPost(c)
	if !ok {
		return
	}
	var pages []cases.LetterPage
	for _, row := range p.Due {
		lp, err := s.LetterPageOf(c.Request.Context(), row.Request, row.Letter, true)
		if err != nil {
			s.Fail(c, err)
			return
		}
		pages = append(pages, *lp)
	}
	s.Render(c, http.StatusOK, "post_print", s.View(c, "post.print_title", pages))
}
