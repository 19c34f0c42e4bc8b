package casework

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
	"github.com/example/pdpa-portal/vault"
)

// Tell mails the requester about a step, in the language of their account.
// The step is stored already, so a mail that cannot be queued is logged, not shown.
func (s *Service) Tell(ctx context.Context, r *rights.Request, kind string) {
	// The mail carries the link to a letter: the letter takes its number as it goes out.
	letter := letterOfMail(r, kind)
	if letter != "" {
		s.issueLetter(ctx, r, letter)
	}
	id, err := s.QueueToRequester(ctx, r, kind)
	if err != nil {
		s.Log.Error("request updated but the mail to the requester was not queued", "ref", r.Ref, "kind", kind, "err", err)
		return
	}
	if id == "" && letter != "" {
		s.postLetter(ctx, r, letter)
	}
}

// QueueToRequester queues the mail of kind about r to its requester (an account or a
// guest) and returns the mail's id.
func (s *Service) QueueToRequester(ctx context.Context, r *rights.Request, kind string) (string, error) {
	var to, lang string
	link := "/requests/" + r.Ref
	if rights.IsGuest(r.Subject) {
		g, err := s.Guests.Guest(ctx, r.Subject)
		if err != nil {
			return "", fmt.Errorf("the guest to tell: %w", err)
		}
		to, lang, link = g.Email, g.Lang, "/guest/requests/"+r.Ref
	} else {
		u, err := s.Users.ByID(ctx, r.Subject)
		if err != nil {
			return "", fmt.Errorf("the requester to tell: %w", err)
		}
		if p := rights.MailPurpose(kind); p != "" && u.StoppedFor(p) {
			return "", nil // the person stopped these reports; the request page still shows the step
		}
		to, lang = u.Email, u.Lang
	}
	if to == "" {
		// A person who gave no e-mail address (on paper, at the counter) is written to
		// by post: their letters are in the post run.
		return "", nil
	}
	if lang == "" {
		lang = i18n.ZH
	}
	switch kind {
	case "request_extended":
		link += "/letters/extension"
	case "request_decided":
		link += "/letters/decision"
	}
	id := ids.New("m")
	return id, s.Mailer.Send(ctx, mail.Mail{ID: id, UserID: r.Subject, To: to, Lang: lang, Kind: kind, Link: link,
		Args: []mail.Arg{mail.Text(r.Ref), mail.Date(r.Due.String()), s.mailDetail(ctx, r, kind)}})
}

// mailDetail is the substance of a notice, so the mail is itself the written notice
// (Art. 13): the extension's reason, the decision item by item, or the note the officer
// wrote for the requester. It is kept as codes and values, worded when the mail is sent
// and whenever it is read, each time in its reader's language.
func (s *Service) mailDetail(ctx context.Context, r *rights.Request, kind string) mail.Arg {
	var parts []mail.Arg
	add := func(a ...mail.Arg) { parts = append(parts, a...) }
	nl := func(s string) mail.Arg { return mail.Text(s) }
	switch {
	case kind == "request_extended" && r.Extension != nil:
		add(mail.Key("letter.reason"), mail.Key("punct.colon"), nl("\n"), mail.Entered(r.Extension.Reason))
	case kind == "request_decided" && r.Decision != nil:
		add(mail.Key("outcome."+string(r.Decision.Outcome)), nl("\n"))
		for _, it := range r.Decision.Items {
			add(nl("\n- "), mail.Item(it.Key), mail.Key("punct.colon"))
			if it.Granted {
				add(mail.Key("decide.grant"))
				continue
			}
			add(mail.Key("decide.refuse"))
			for _, g := range it.Grounds {
				add(nl("\n  "), mail.Key("ground."+g))
			}
			if it.Reason != "" {
				add(nl("\n  "), mail.Entered(strings.ReplaceAll(it.Reason, "\n", "\n  ")))
			}
		}
		if r.Fee != nil {
			add(nl("\n\n"), mail.Key("punct.labelled", mail.Key("request.fee"), mail.Key("request.fee_total", mail.Num(r.Fee.Total))), nl("\n"), s.payText(ctx, r))
		}
		if r.Decision.Outcome != rights.Granted {
			// The remedy as the letter states it: the time limit and the authority.
			set, err := s.Letters.Store.LetterSettings(ctx)
			if err != nil {
				s.Log.Error("decision mail: the letter settings could not be read", "ref", r.Ref, "err", err)
				set = letters.Defaults()
			}
			add(nl("\n\n"), mail.Key("letter.remedy", mail.Num(letters.AppealDays), mail.Both(set.Appeal.ZH, set.Appeal.EN)))
		}
	case kind == "request_identity", kind == "request_fulfilled", kind == "request_duplicate", kind == "request_due_moved":
		// The note the officer wrote for the requester on this step. (Other mails do not
		// print a detail, so they cost no read.)
		steps, err := s.Timeline.Steps(ctx, r.Ref, false)
		if err == nil && len(steps) > 0 {
			last := steps[len(steps)-1]
			if last.Note != "" {
				add(mail.Entered(last.Note))
			}
			if kind == "request_due_moved" {
				// The change is recorded as worded dates, not a note: the mail's
				// "previous → new" line would otherwise point to the page.
				for _, x := range last.Said {
					add(saidArg(x))
				}
			}
		}
		if kind == "request_fulfilled" && r.Kind == rights.Copy && r.Principal == "" {
			// Where the copy is and until when, which the requester needs most.
			if len(parts) > 0 {
				add(nl("\n\n"))
			}
			ttl := s.PackageTTL
			if ttl <= 0 {
				ttl = export.PackageTTL
			}
			add(mail.Key("mail.copy_ready", mail.Num(int(ttl/(24*time.Hour)))))
		}
	}
	if len(parts) == 0 {
		add(mail.Key("mail.see_page")) // never an empty paragraph
	}
	return mail.Seq(parts...)
}

// saidArg keeps a timeline sentence in a mail as it is kept on the timeline: a key
// with its parameters.
func saidArg(x rights.Said) mail.Arg {
	args := make([]mail.Arg, len(x.Args))
	for i, w := range x.Args {
		switch {
		case w.Key != "":
			args[i] = mail.Key(w.Key)
		case w.Purpose != "":
			args[i] = mail.Purpose(w.Purpose)
		case w.ZH != "" || w.EN != "":
			args[i] = mail.Both(w.ZH, w.EN)
		default:
			args[i] = mail.Text(w.Text)
		}
	}
	return mail.Key(x.Key, args...)
}

// payText says by when and how to pay r's fee, as the decision letter does. The
// payment details are the agency's as they stand at the decision, kept in both
// languages.
func (s *Service) payText(ctx context.Context, r *rights.Request) mail.Arg {
	lines := []mail.Arg{mail.Key("letter.fee_quote", mail.Text(r.Ref))}
	if !r.Fee.PayBy.IsZero() {
		lines[0] = mail.Key("letter.fee_pay_by", mail.LongDate(r.Fee.PayBy.String()), mail.Text(r.Ref))
	}
	pay, err := s.Fees.PaymentInfo(ctx)
	if err != nil {
		s.Log.Error("decision mail: the payment instructions could not be read", "ref", r.Ref, "err", err)
	}
	both := func(t rights.Text) mail.Arg { return mail.Both(t.ZH, t.EN) }
	if pay.HasTransfer() {
		lines = append(lines, mail.Text("\n- "), mail.Key("payment.transfer_line", both(pay.Bank), both(pay.Branch), both(pay.AccountName), mail.Text(pay.AccountNo)))
	}
	if pay.HasCounter() {
		lines = append(lines, mail.Text("\n- "), mail.Key("payment.counter_line", both(pay.Counter), both(pay.Hours)))
	}
	if pay.EPayURL != "" {
		lines = append(lines, mail.Text("\n- "), mail.Key("payment.online_line"), mail.Text(" "+pay.EPayURL))
	}
	if !pay.Offered() {
		lines = append(lines, mail.Text("\n"), mail.Key("payment.ask_us"))
	}
	return mail.Seq(lines...)
}

// Mailable reports whether the requester of r has an e-mail address the portal writes to.
func (s *Service) Mailable(ctx context.Context, r *rights.Request) (bool, error) {
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

// Delivered moves a letter whose delivery was just recorded out of the letters still
// to post (onto the day's list when it was posted). The request holds the record: a
// failure here only leaves the letter listed, and the post page checks the request.
func (s *Service) Delivered(ctx context.Context, r *rights.Request, letter string) {
	d := r.DeliveryOf(letter)
	if d == nil {
		return
	}
	day := ""
	if d.Method == rights.DeliveryPost {
		day = d.On.String()
	}
	if err := s.Letters.Store.Posted(ctx, letters.PostID(r.Ref, letter), day); err != nil {
		s.Log.Error("delivery recorded, the post run not updated", "ref", r.Ref, "letter", letter, "err", err)
	}
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
func (s *Service) postLetter(ctx context.Context, r *rights.Request, letter string) {
	mailable, err := s.Mailable(ctx, r)
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

// issueLetter numbers a letter as it is sent, so numbers follow the order letters go
// out in; the letter's page numbers it too if this fails (a letter sent before numbering
// existed, or the database away for a moment), so the failure is only logged.
func (s *Service) issueLetter(ctx context.Context, r *rights.Request, letter string) {
	if _, err := s.Letters.Issue(ctx, r.Ref, letter, LetterDate(r, letter)); err != nil {
		s.Log.Error("the letter was not numbered as it was sent", "ref", r.Ref, "letter", letter, "err", err)
	}
}

// LetterDate is the date a letter bears (發文日期): when the extension, the decision or
// the notice was made. The zero time: the request has no such letter.
func LetterDate(r *rights.Request, letter string) time.Time {
	if !letters.ValidName(letter) {
		return time.Time{}
	}
	return r.LetterAt(letter)
}
