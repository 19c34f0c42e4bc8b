package officer

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
func (h *Handlers) postRows(ctx context.Context, ids []string, pending bool) ([]postRow, error) {
	var out []postRow
	for _, id := range ids {
		ref, letter, ok := letters.ParsePostID(id)
		if !ok || !rights.ValidRef(ref) {
			continue
		}
		r, err := h.requests.ByRef(ctx, ref)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		at := r.LetterAt(letter)
		if at.IsZero() || r.Erased || pending && r.DeliveryOf(letter) != nil {
			continue
		}
		out = append(out, postRow{Letter: letter, Kind: rights.LetterKind(letter), Request: r, Date: rights.DateOf(at), Recipient: h.RecipientOf(ctx, r)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out, nil
}

func (h *Handlers) loadPost(c *gin.Context) (*postPage, error) {
	ctx := c.Request.Context()
	p := &postPage{Today: rights.DateOf(h.Now())}
	pending, err := h.letters.Store.PendingPost(ctx)
	if err != nil {
		return nil, err
	}
	if p.Due, err = h.postRows(ctx, pending, true); err != nil {
		return nil, err
	}
	posted, err := h.letters.Store.PostedOn(ctx, p.Today.String())
	if err != nil {
		return nil, err
	}
	if p.Posted, err = h.postRows(ctx, posted, false); err != nil {
		return nil, err
	}
	return p, nil
}

// PostList shows the officers the letters to post: those to requesters without e-mail
// not yet recorded as delivered, and those posted today.
func (h *Handlers) PostList(c *gin.Context) error {
	p, err := h.loadPost(c)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "post", h.View(c, "post.title", p))
	return nil
}

// PostPrint prints every letter still to post, one A4 page each with the address in the
// window of a DL envelope.
func (h *Handlers) PostPrint(c *gin.Context) error {
	p, err := h.loadPost(c)
	if err != nil {
		return err
	}
	var pages []cases.LetterPage
	for _, row := range p.Due {
		lp, err := h.LetterPageOf(c.Request.Context(), row.Request, row.Letter, true)
		if err != nil {
			return err
		}
		pages = append(pages, *lp)
	}
	h.Render(c, http.StatusOK, "post_print", h.View(c, "post.print_title", pages))
	return nil
}
