package handlers

import (
	"context"

	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
)

// What the casework service takes from the web layer: the letters rendered as documents
// of their own, and whether the disk takes new attachments.

// LetterFiles renders r's letters as documents to mail (casework.LetterDocs).
func (s *Server) LetterFiles(ctx context.Context, r *rights.Request) ([]mail.File, error) {
	return s.LetterFilesOf(ctx, r)
}

// UploadsPaused says whether new attachments are refused for want of disk space
// (casework.Space).
func (s *Server) UploadsPaused(ctx context.Context) bool { return s.disk.UploadsPaused(ctx) }
