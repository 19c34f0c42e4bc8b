// Package citizen is a signed-in person's own pages: the account, password, inbox,
// sessions, data, consents and receipts (/account…), and their requests (/requests…).
package citizen

import (
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/ratelimit"
	"github.com/example/pdpa-portal/rights"
)

// Services are what a person's own pages use besides the shared reading of requests.
type Services struct {
	Requests rights.Requests
	Consents *consent.Service
	Casework *casework.Service
	Mail     mail.Store
	// MailWords words the inbox's mail in the reader's language.
	MailWords *mail.Mailer
	Receipts  *web.Receipts
	// SignUpLimit bounds the verification links sent (shared with sign-up), PasswordLimit
	// the checks of the current password.
	SignUpLimit, PasswordLimit *ratelimit.Limiter
}

// Handlers answer a signed-in person's routes.
type Handlers struct {
	*cases.Cases
	requestRowHTML             *web.Rows[requestRow]
	requests                   rights.Requests
	consents                   *consent.Service
	casework                   *casework.Service
	mail                       mail.Store
	mailWords                  *mail.Mailer
	receipts                   *web.Receipts
	signUpLimit, passwordLimit *ratelimit.Limiter
}

// New builds a person's own pages.
func New(cs *cases.Cases, s Services) *Handlers {
	return &Handlers{Cases: cs, requests: s.Requests, consents: s.Consents, casework: s.Casework, mail: s.Mail,
		mailWords: s.MailWords, receipts: s.Receipts, signUpLimit: s.SignUpLimit, passwordLimit: s.PasswordLimit,
		requestRowHTML: web.NewRows[requestRow]("requests", "fragment/request_row")}
}
