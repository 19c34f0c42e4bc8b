package handlers

import (
	"context"
	"errors"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// mailable reports whether the requester of r has an e-mail address the portal writes to.
func (s *Server) mailable(ctx context.Context, r *rights.Request) (bool, error) {
	if r.Erased {
		return false, nil
	}
	if rights.IsGuest(r.Subject) {
		g, err := s.Guests.Guest(ctx, r.Subject)
		if err != nil {
			return false, err
		}
		return g.Email != "", nil
	}
	u, err := s.Users.ByID(ctx, r.Subject)
	if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, vault.ErrKeyDestroyed) {
		return false, nil // gone or erased: nothing is mailed
	} else if err != nil {
		return false, err
	}
	return u.Email != "", nil
}

// delivered moves a letter whose delivery was just recorded out of the letters still
// to post (onto the day's list when it was posted). The request holds the record: a
// failure here only leaves the letter listed, and the post page checks the request.
func (s *Server) delivered(c *gin.Context, r *rights.Request, letter string) {
	d := r.DeliveryOf(letter)
	if d == nil {
		return
	}
	day := ""
	if d.Method == rights.DeliveryPost {
		day = d.On.String()
	}
	if err := s.Letters.Store.Posted(c.Request.Context(), letters.PostID(r.Ref, letter), day); err != nil {
		s.Log.Error("delivery recorded, the post run not updated", "ref", r.Ref, "letter", letter, "err", err)
	}
}

// postRow is one letter of the post run.
type postRow struct {
	Letter    string
	Kind      string // what the letter is (letter.<kind>_title)
	Request   *rights.Request
	Date      rights.Date // the letter's date
	Recipient recipient
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
		out = append(out, postRow{Letter: letter, Kind: rights.LetterKind(letter), Request: r, Date: rights.DateOf(at), Recipient: s.recipientOf(ctx, r)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out, nil
}

func (s *Server) loadPost(c *gin.Context) (*postPage, bool) {
	ctx := c.Request.Context()
	p := &postPage{Today: rights.DateOf(s.Now())}
	pending, err := s.Letters.Store.PendingPost(ctx)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	if p.Due, err = s.postRows(ctx, pending, true); err != nil {
		s.fail(c, err)
		return nil, false
	}
	posted, err := s.Letters.Store.PostedOn(ctx, p.Today.String())
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	if p.Posted, err = s.postRows(ctx, posted, false); err != nil {
		s.fail(c, err)
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
	s.render(c, http.StatusOK, "post", s.view(c, "post.title", p))
}

// postPrint prints every letter still to post, one A4 page each with the address in the
// window of a DL envelope.
func (s *Server) postPrint(c *gin.Context) {
	p, ok := s.loadPost(c)
	if !ok {
		return
	}
	var pages []letterPage
	for _, row := range p.Due {
		lp, err := s.letterPageOf(c.Request.Context(), row.Request, row.Letter, true)
		if err != nil {
			s.fail(c, err)
			return
		}
		pages = append(pages, *lp)
	}
	s.render(c, http.StatusOK, "post_print", s.view(c, "post.print_title", pages))
}

// mailLetters are the mails that give a written notice, and the kind of its letter.
// The other mails to a requester (a fee payment recorded, fulfilment, a message) only
// report on the page what the decision letter said or the person did: someone without
// e-mail is not written to about them (rights/notices.go says why).
var mailLetters = map[string]string{
	"request_extended":  rights.LetterExtension,
	"request_decided":   rights.LetterDecision,
	"request_identity":  rights.LetterIdentity,
	"request_due_moved": rights.LetterDueMoved,
	"request_duplicate": rights.LetterDuplicate,
}

// letterOfMail is the letter that the mail of kind about r gives in writing: the latest
// notice of its kind on r, "" for a mail that is no written notice.
func letterOfMail(r *rights.Request, kind string) string {
	l := mailLetters[kind]
	switch l {
	case "", rights.LetterExtension, rights.LetterDecision:
		return l
	}
	for i := len(r.Notices) - 1; i >= 0; i-- {
		if r.Notices[i].Kind() == l {
			return r.Notices[i].Letter
		}
	}
	return ""
}

// postLetter puts a letter on the day's post run when its requester has no e-mail
// address (a person who has one but stopped progress mail is not sent paper instead).
func (s *Server) postLetter(ctx context.Context, r *rights.Request, letter string) {
	mailable, err := s.mailable(ctx, r)
	if err == nil && mailable {
		return
	}
	if err != nil {
		s.Log.Warn("post run: whether the requester has e-mail is unknown, the letter is listed", "ref", r.Ref, "err", err)
	}
	if err := s.Letters.Store.QueuePost(ctx, letters.PostID(r.Ref, letter)); err != nil {
		s.Log.Error("the letter was not put in the post run", "ref", r.Ref, "letter", letter, "err", err)
	}
}
