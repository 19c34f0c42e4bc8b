package handlers

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/static"
)

type letterPage struct {
	Letter string // its name: "extension", "decision", "due_moved-2", …
	// Kind is what the letter is: the name without its ordinal ("due_moved").
	Kind    string
	Request *rights.Request
	// Notice is the notice the letter gives, for the kinds other than the extension
	// and the decision; Note is what the officer wrote with it (the identity asked for,
	// the duplicate's note), in the requester's own words.
	Notice *rights.Notice
	Note   string
	// L is the letter's own language, the requester's: the page around it (the print
	// hint, the way back) stays in the reader's.
	L         *View
	Set       letters.Settings
	Number    string
	Date      time.Time
	Agency    receipt.Controller // the contact line
	Recipient recipient
	Names     map[string]consent.Text
	Fees      map[string]rights.FeeItem
	Pay       rights.PaymentInfo // how a fee is paid, when there is one
	Officer   bool
	// AppealDays is the appeal's time limit (訴願法 Art. 14).
	AppealDays int
	// CSS is the site's stylesheet, inlined in a letter sent as a document of its own.
	CSS template.CSS
}

// recipient is who a letter is addressed to (受文者), with a postal address when the
// portal holds one, for a window envelope.
type recipient struct {
	Name, Address, Lang string
}

// requesterLetter shows the requester a written notice about their own request: the
// extension notice or the decision letter, as a printable A4 page.
func (s *Server) requesterLetter(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(currentUser(c).ID) {
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

// noticeActions are the timeline steps that give each kind of notice: the letter quotes
// the note the officer wrote on it.
var noticeActions = map[string]string{rights.LetterIdentity: "identity_asked", rights.LetterDuplicate: "duplicate"}

// noticeNote is the note of the step that gave notice n (one read of the request's
// timeline), "" when the kind has none.
func (s *Server) noticeNote(ctx context.Context, r *rights.Request, n *rights.Notice) (string, error) {
	action, ok := noticeActions[n.Kind()]
	if !ok || r.Erased {
		return "", nil
	}
	steps, err := s.Timeline.Steps(ctx, r.Ref, false)
	if err != nil {
		return "", err
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Action == action && steps[i].At.Equal(n.At) {
			return steps[i].Note, nil
		}
	}
	return "", nil
}

func (s *Server) renderLetter(c *gin.Context, r *rights.Request, officer bool) {
	letter := c.Param("letter")
	p, err := s.letterPageOf(c.Request.Context(), r, letter, officer)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "letter", s.view(c, "letter."+p.Kind+"_title", *p))
}

// letterPageOf is one letter of r as printed: numbered (once), in the requester's
// language, addressed for a window envelope. Not found: r has no such letter.
func (s *Server) letterPageOf(ctx context.Context, r *rights.Request, letter string, officer bool) (*letterPage, error) {
	at := casework.LetterDate(r, letter)
	if at.IsZero() {
		return nil, apperr.ErrNotFound
	}
	issued, err := s.Letters.Issue(ctx, r.Ref, letter, at)
	if err != nil {
		return nil, err
	}
	names, err := s.purposeNames(ctx)
	if err != nil {
		return nil, err
	}
	to := s.recipientOf(ctx, r)
	p := &letterPage{Letter: letter, Kind: rights.LetterKind(letter), Request: r, L: &View{Lang: to.Lang, s: s}, Set: issued.Settings, Date: at,
		Number: issued.Number.Format(issued.Settings.Prefix, to.Lang), Agency: s.agency(), Recipient: to,
		Names: names, Fees: map[string]rights.FeeItem{}, Officer: officer, AppealDays: letters.AppealDays}
	if p.Notice = r.NoticeOf(letter); p.Notice != nil {
		if p.Note, err = s.noticeNote(ctx, r, p.Notice); err != nil {
			return nil, err
		}
	}
	if r.Fee != nil {
		items, err := s.Fees.Fees(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			p.Fees[it.ID] = it
		}
		if p.Pay, err = s.Fees.PaymentInfo(ctx); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// letterFiles are r's letters as HTML documents of their own (the stylesheet inlined),
// in the requester's language, to be mailed before the data behind them is erased.
func (s *Server) letterFiles(ctx context.Context, r *rights.Request) ([]mail.File, error) {
	css, err := static.Files.ReadFile("css/site.css")
	if err != nil {
		return nil, err
	}
	var out []mail.File
	for _, letter := range r.Letters() {
		p, err := s.letterPageOf(ctx, r, letter, false)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		p.CSS = template.CSS(css) // #nosec G203 -- the portal's own stylesheet, embedded at build time
		var b bytes.Buffer
		v := &View{Lang: p.L.Lang, s: s, Page: p, TitleKey: "letter." + p.Kind + "_title"}
		if err := s.pages.Execute(&b, p.L.Lang, "letter_doc", v); err != nil {
			return nil, err
		}
		// Named in the reader's language, with the English name for mail programs that
		// cannot show a Chinese one.
		// A kind given again is told apart by its ordinal ("2026-000001-2-…").
		named := r.Ref + strings.TrimPrefix(letter, p.Kind)
		out = append(out, mail.File{Name: s.cat.T(p.L.Lang, "letter.file_"+p.Kind, named), ASCIIName: s.cat.T(i18n.EN, "letter.file_"+p.Kind, named),
			Type: "text/html; charset=utf-8", Data: b.Bytes()})
	}
	return out, nil
}

// recipientOf is the requester of r as a letter addresses them: an account's name and
// postal address, or a guest's name, in the language of the mail they receive. A
// requester no longer on file (erased) is addressed by role.
func (s *Server) recipientOf(ctx context.Context, r *rights.Request) recipient {
	var to recipient
	if rights.IsGuest(r.Subject) {
		if g, err := s.Guests.Guest(ctx, r.Subject); err == nil {
			to = recipient{Name: g.Name, Lang: g.Lang}
		}
	} else if u, err := s.Users.ByID(ctx, r.Subject); err == nil {
		to = recipient{Name: u.Name, Address: u.Address, Lang: u.Lang}
	} else if !errors.Is(err, apperr.ErrNotFound) {
		s.Log.Warn("letter: the requester could not be read", "ref", r.Ref, "err", err)
	}
	// A paper or counter request goes to the name and address the person gave with it.
	if r.Contact.Name != "" {
		to.Name = r.Contact.Name
	}
	if r.Contact.Address != "" {
		to.Address = r.Contact.Address
	}
	if to.Lang != i18n.EN {
		to.Lang = i18n.ZH
	}
	return to
}

// LetterDate writes a date as the page's letters do: the ROC calendar in Chinese.
func (v *View) LetterDate(t time.Time) string { return letters.Date(t, v.Lang) }

// agency is the letterhead: the configured controller, or the demo agency.
func (s *Server) agency() receipt.Controller {
	if s.Agency.PIIController == "" {
		return consent.DefaultController("")
	}
	return s.Agency
}
