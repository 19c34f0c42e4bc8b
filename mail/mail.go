// Package mail is the portal's outgoing mail. A message is written to the outbox in the
// same step as the change that causes it, and a worker delivers it over SMTP with
// retries, so a crash loses no mail. A message is stored coded — its kind, link and
// parameters (Arg), never words in one language — and Mailer.Word words it in its
// reader's language when it is sent and whenever it is read in the inbox. It imports
// neither gin nor mongo.
package mail

import "time"

// Mail is a message the portal's rules hand to their mailer, which words it in Lang.
type Mail struct {
	// ID, when set, names the message: queuing the same one again fails with
	// apperr.ErrConflict, and one already delivered is not delivered again.
	ID     string
	UserID string
	To     string
	Lang   string
	Kind   string // mail.<kind>.subject / mail.<kind>.body in the catalogues
	Link   string // a path on the portal; the mailer makes it absolute
	Args   []Arg  // codes and plain values, never words: see Arg
	// Hold delays the first attempt: a mail queued before the change it reports is
	// stored (a filing's confirmation) waits until that change has been written, or
	// withdrawn with it.
	Hold time.Duration
	// Files go with the mail as attachments (a farewell's letters).
	Files []File
}

// File is one attachment of a mail.
type File struct {
	Name string `json:"name"`
	// ASCIIName stands in for a Name that is not plain ASCII (a Chinese one) in mail
	// programs that cannot show it.
	ASCIIName string `json:"ascii_name,omitempty"`
	Type      string `json:"type"`
	Data      []byte `json:"data"`
}
