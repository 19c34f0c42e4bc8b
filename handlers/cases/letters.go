package cases

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
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/receipt"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/static"
)

type LetterPage struct {
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
	L         *web.View
	Set       letters.Settings
	Number    string
	Date      time.Time
	Agency    receipt.Controller // the contact line
	Recipient Recipient
	Names     map[string]consent.Text
	Fees      map[string]rights.FeeItem
	Pay       rights.PaymentInfo // how a fee is paid, when there is one
	Officer   bool
	// AppealDays is the appeal's time limit (訴願法 Art. 14).
	AppealDays int
	// CSS is the site's stylesheet, inlined in a letter sent as a document of its own.
	CSS template.CSS
}

// Recipient is who a letter is addressed to (受文者), with a postal address when the
// portal holds one, for a window envelope.
type Recipient struct {
	Name, Address, Lang string
}

// noticeActions are the timeline steps that give each kind of notice: the letter quotes
// the note the officer wrote on it.
var noticeActions = map[string]string{rights.LetterIdentity: "identity_asked", rights.LetterDuplicate: "duplicate"}

// noticeNote is the note of the step that gave notice n (one read of the request's
// timeline), "" when the kind has none.
func (s *Cases) noticeNote(ctx context.Context, r *rights.Request, n *rights.Notice) (string, error) {
	action, ok := noticeActions[n.Kind()]
	if !ok || r.Erased {
		return "", nil
	}
	steps, err := s.timeline.Steps(ctx, r.Ref, false)
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

func (s *Cases) RenderLetter(c *gin.Context, r *rights.Request, officer bool) error {
	letter := c.Param("letter")
	p, err := s.LetterPageOf(c.Request.Context(), r, letter, officer)
	if err != nil {
		return err
	}
	s.Render(c, http.StatusOK, "letter", s.View(c, "letter."+p.Kind+"_title", *p))
	return nil
}

// LetterPageOf is one letter of r as printed: numbered (once), in the requester's
// language, addressed for a window envelope. Not found: r has no such letter.
func (s *Cases) LetterPageOf(ctx context.Context, r *rights.Request, letter string, officer bool) (*LetterPage, error) {
	at := casework.LetterDate(r, letter)
	if at.IsZero() {
		return nil, apperr.ErrNotFound
	}
	issued, err := s.letters.Issue(ctx, r.Ref, letter, at)
	if err != nil {
		return nil, err
	}
	names, err := s.PurposeNames(ctx)
	if err != nil {
		return nil, err
	}
	to := s.RecipientOf(ctx, r)
	p := &LetterPage{Letter: letter, Kind: rights.LetterKind(letter), Request: r, L: s.ViewIn(to.Lang), Set: issued.Settings, Date: at,
		Number: issued.Number.Format(issued.Settings.Prefix, to.Lang), Agency: web.AgencyOf(s.agency), Recipient: to,
		Names: names, Fees: map[string]rights.FeeItem{}, Officer: officer, AppealDays: letters.AppealDays}
	if p.Notice = r.NoticeOf(letter); p.Notice != nil {
		if p.Note, err = s.noticeNote(ctx, r, p.Notice); err != nil {
			return nil, err
		}
	}
	if r.Fee != nil {
		items, err := s.fees.Fees(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			p.Fees[it.ID] = it
		}
		if p.Pay, err = s.fees.PaymentInfo(ctx); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// LetterFilesOf are r's letters as HTML documents of their own (the stylesheet inlined),
// in the requester's language, to be mailed before the data behind them is erased.
func (s *Cases) LetterFilesOf(ctx context.Context, r *rights.Request) ([]mail.File, error) {
	css, err := static.Files.ReadFile("css/site.css")
	if err != nil {
		return nil, err
	}
	var out []mail.File
	for _, letter := range r.Letters() {
		p, err := s.LetterPageOf(ctx, r, letter, false)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		p.CSS = template.CSS(css) // #nosec G203 -- the portal's own stylesheet, embedded at build time
		var b bytes.Buffer
		v := s.ViewIn(p.L.Lang)
		v.Page, v.TitleKey = p, "letter."+p.Kind+"_title"
		if err := s.Templates.Execute(&b, p.L.Lang, "letter_doc", v); err != nil {
			return nil, err
		}
		// Named in the reader's language, with the English name for mail programs that
		// cannot show a Chinese one.
		// A kind given again is told apart by its ordinal ("2026-000001-2-…").
		named := r.Ref + strings.TrimPrefix(letter, p.Kind)
		out = append(out, mail.File{Name: s.Cat.T(p.L.Lang, "letter.file_"+p.Kind, named), ASCIIName: s.Cat.T(i18n.EN, "letter.file_"+p.Kind, named),
			Type: "text/html; charset=utf-8", Data: b.Bytes()})
	}
	return out, nil
}

// RecipientOf is the requester of r as a letter addresses them: an account's name and
// postal address, or a guest's name, in the language of the mail they receive. A
// requester no longer on file (erased) is addressed by role.
func (s *Cases) RecipientOf(ctx context.Context, r *rights.Request) Recipient {
	var to Recipient
	if rights.IsGuest(r.Subject) {
		if g, err := s.guests.Guest(ctx, r.Subject); err == nil {
			to = Recipient{Name: g.Name, Lang: g.Lang}
		}
	} else if u, err := s.Users.ByID(ctx, r.Subject); err == nil {
		to = Recipient{Name: u.Name, Address: u.Address, Lang: u.Lang}
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
