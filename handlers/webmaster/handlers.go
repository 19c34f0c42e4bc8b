// Package webmaster is the webmasters' pages: the traffic report, aggregates only.
package webmaster

import "github.com/example/pdpa-portal/handlers/web"

// Handlers answer the webmasters' routes.
type Handlers struct {
	*web.Core
}

// New builds the webmasters' handlers.
func New(core *web.Core) *Handlers { return &Handlers{Core: core} }
