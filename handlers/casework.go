package handlers

import (
	"context"

	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
)

// What the casework service takes from the web layer: the letters rendered as documents
// of their own.

// LetterFiles renders r's letters as documents to mail (casework.LetterDocs).
func (s *Server) LetterFiles(ctx context.Context, r *rights.Request) ([]mail.File, error) {
	return s.letterFiles(ctx, r)
}

// packageName is the file name of a copy package in lang, and its ASCII stand-in.
func (s *Server) packageName(lang, ref string) (name, ascii string) {
	return s.Casework.PackageName(lang, ref)
}
