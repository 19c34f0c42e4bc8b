package handlers

import (
	"context"
	"io"
	"mime/multipart"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/web"
)

// checked are uploads the web layer has checked (uploadsOf), as the casework service
// takes them.
func checked(fhs []*multipart.FileHeader) []casework.Upload {
	out := make([]casework.Upload, len(fhs))
	for i, fh := range fhs {
		out[i] = casework.Upload{Name: fh.Filename, Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }}
	}
	return out
}

// UploadsPaused says whether new attachments are refused for want of disk space
// (casework.Space).
func (s *Server) UploadsPaused(ctx context.Context) bool { return s.disk.UploadsPaused(ctx) }

// filingUploads reads a filing's attachments and, for a request made on someone's behalf,
// the written authorisation, each checked (total size, type by content) before anything
// is stored; their problems join inv. ok is false when the answer was already written.
func (s *Server) filingUploads(c *gin.Context, inv *apperr.Invalid, onBehalf bool) (files, auth []*multipart.FileHeader, ok bool) {
	files, err := uploads(c, 0)
	if err != nil && !uploadProblem(inv, err) {
		s.Fail(c, err)
		return nil, nil, false
	}
	if onBehalf {
		var used int64
		for _, fh := range files {
			used += fh.Size
		}
		auth, err = uploadsOf(c, "authorisation", used)
		if err != nil && !uploadProblemOf(inv, "authorisation", err) {
			s.Fail(c, err)
			return nil, nil, false
		}
		if err == nil && len(auth) == 0 {
			web.AddOnce(inv, "authorisation", "request.authorisation_required")
		}
	}
	return files, auth, true
}
