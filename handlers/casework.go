package handlers

import (
	"context"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/rights"
)

// What the casework service takes from the web layer: the letters rendered as documents
// of their own.

// LetterFiles renders r's letters as documents to mail (casework.LetterDocs).
func (s *Server) LetterFiles(ctx context.Context, r *rights.Request) ([]account.MailFile, error) {
	return s.LetterFilesOf(ctx, r)
}
