package casework

import (
	"context"
	"errors"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/rights"
)

// PaperFiling is a request received on paper or at the counter, as an officer entered
// it: the person as the letter or the counter gave them (at least one way to reach
// them), the date received or the postmark, the identity check actually done, and the
// scans.
type PaperFiling struct {
	// Request is what was asked (kind, scope, purposes, correction, principal); FilePaper
	// sets its channel, date received, contact and who entered it.
	Request *rights.Request
	// Name, Address, Email and Phone are as the person gave them (trimmed).
	Name, Address, Email, Phone string
	// Lang is the language the person's letters are written in (Chinese when empty).
	Lang string
	// Channel is rights.ChannelPaper or rights.ChannelCounter.
	Channel string
	// Received is the date received, or with Postmark the postmark's; zero when the form
	// gave none (a problem the web layer reported).
	Received rights.Date
	Postmark bool
	// Identity is the check the officer did (rights.IntakeNone when empty).
	Identity string
	OnBehalf bool
	Officer  string
	Attached []Attached
	// Problems are what the web layer found already: they come back with the rules'
	// own, and nothing is stored.
	Problems *apperr.Invalid
}

// receivedWindow is how far back a paper request's date may lie: older letters are
// mistakes of entry, not late post.
const receivedWindow = 365

// FilePaper files a request received on paper or at the counter. The date received may
// be earlier than today (APA Art. 49: a request sent by registered mail counts from the
// postmark), so the due date is counted from it. The request is the verified account's
// whose address the person gave, or else a guest's made with it, confirmed (the address
// is the one the person wrote) and never swept; a person who gave no e-mail address is
// written to by post. Problems come back as *apperr.Invalid keyed by the form's fields,
// with nothing stored.
func (s *Service) FilePaper(ctx context.Context, cmd PaperFiling) (Filed, error) {
	inv := &apperr.Invalid{}
	if cmd.Problems != nil {
		inv.Problems = append(inv.Problems, cmd.Problems.Problems...)
	}
	if cmd.Identity == "" {
		cmd.Identity = rights.IntakeNone
	}
	if cmd.Lang == "" {
		cmd.Lang = i18n.ZH
	}
	contact := rights.Contact{Name: cmd.Name, Email: account.NormalizeEmail(cmd.Email), Phone: cmd.Phone, Address: cmd.Address}
	if !contact.Reachable() {
		inv.AddOnce("address", "intake.no_contact")
	}
	if cmd.Name == "" && (cmd.Email == "" || cmd.Address != "") {
		// A letter by post needs a name to go to.
		inv.AddOnce("name", "intake.name_required")
	}
	for _, field := range []string{"name", "phone", "address"} {
		value := map[string]string{"name": cmd.Name, "phone": cmd.Phone, "address": cmd.Address}[field]
		if value == "" {
			continue
		}
		for _, p := range account.ValidateProfileField(field, value).Problems {
			inv.AddOnce(field, p.Key, p.Args...)
		}
	}
	if !cmd.Received.IsZero() {
		today := rights.DateOf(s.Now())
		switch {
		case cmd.Received.After(today):
			inv.AddOnce("received", "intake.received_future")
		case cmd.Received.Before(today.AddDays(-receivedWindow)):
			inv.AddOnce("received", "intake.received_range")
		}
	}
	if cmd.Postmark && cmd.Channel == rights.ChannelCounter {
		inv.AddOnce("basis", "intake.postmark_counter")
	}
	if cmd.Identity == rights.IntakeIDCard && cmd.Channel != rights.ChannelCounter {
		inv.AddOnce("identity", "intake.id_card_counter")
	}
	var u *account.User
	if cmd.Email != "" {
		var err error
		u, err = s.Users.ByEmail(ctx, cmd.Email)
		switch {
		case errors.Is(err, apperr.ErrNotFound), err == nil && !u.EmailVerified && !u.IsStaff():
			// No account, or one whose address was never proven: the request is a guest's,
			// followed by reference and code, so an unverified sign-up cannot read it.
			u = nil
		case err == nil && u.IsStaff():
			inv.Add("email", "intake.staff_email")
		case err != nil:
			return Filed{}, err
		}
	}
	r := cmd.Request
	r.Channel, r.Received, r.Postmarked, r.Contact, r.EnteredBy = cmd.Channel, cmd.Received, cmd.Postmark, contact, cmd.Officer
	in := &Intake{Identity: cmd.Identity}
	if u != nil {
		in.Account = u.ID
	} else {
		in.Guest = &rights.Guest{ID: ids.New("g"), Email: contact.Email, Name: cmd.Name, Phone: contact.Phone, Lang: cmd.Lang, Confirmed: true, Created: s.Now()}
	}
	// Filed only with its confirmation mail queued; a person without e-mail is sent
	// none. The check actually done goes on the timeline at once.
	return s.File(ctx, Filing{Request: r, Intake: in, Attached: cmd.Attached, OnBehalf: cmd.OnBehalf, Problems: inv})
}
