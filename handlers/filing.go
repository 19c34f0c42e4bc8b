package handlers

import (
	"context"
)

// UploadsPaused says whether new attachments are refused for want of disk space
// (casework.Space).
func (s *Server) UploadsPaused(ctx context.Context) bool { return s.disk.UploadsPaused(ctx) }
