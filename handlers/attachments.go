package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/cases"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// requesterDownload serves an attachment of the requester's own request.
func (s *Server) requesterDownload(c *gin.Context) {
	r, ok := s.RequestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	s.Download(c, r)
}

// officerDownload serves any request's attachment to an officer.
func (s *Server) officerDownload(c *gin.Context) {
	if r, ok := s.RequestByRef(c); ok {
		s.Download(c, r)
	}
}

// postMessage adds a message (with any files) to a request, from the requester or an
// officer; an officer's message is mailed to the requester.
func (s *Server) postMessage(c *gin.Context, r *rights.Request, role string) {
	var f cases.MessageForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	used, err := s.Files.Used(ctx, r.Ref)
	if err != nil {
		s.Fail(c, err)
		return
	}
	fhs, err := cases.Uploads(c, used)
	if err != nil && !cases.UploadProblem(inv, err) {
		s.Fail(c, err)
		return
	}
	if strings.TrimSpace(f.Body) == "" && len(fhs) == 0 && len(inv.Problems) == 0 {
		inv.Add("body", "message.empty")
	}
	status := http.StatusBadRequest
	if len(fhs) > 0 && r.State.Ended() {
		// The request is over: its files are kept only for their retention period.
		inv.Add("files", "message.files_ended")
		status = http.StatusConflict
	}
	back := "/requests/" + r.Ref
	if rights.IsGuest(r.Subject) {
		back = "/guest/requests/" + r.Ref
	}
	if role == "officer" {
		back = "/officer/requests/" + r.Ref
	}
	render := func(status int, inv *apperr.Invalid) {
		if role == "officer" {
			s.renderOfficerRequest(c, status, r, "message", map[string]string{"body": f.Body}, inv)
		} else {
			s.renderRequestPage(c, status, r, map[string]string{"body": f.Body}, inv)
		}
	}
	if len(inv.Problems) > 0 {
		render(status, inv)
		return
	}
	_, err = s.Casework.PostMessage(ctx, casework.Message{Request: r, Role: role, AuthorID: cases.ActorID(c, r), Body: f.Body, Files: cases.Checked(fhs)})
	if qe := (*rights.QuotaError)(nil); errors.As(err, &qe) {
		// Over the requester's quota, the page comes back with what was typed and says
		// which limit was reached.
		render(http.StatusTooManyRequests, (&apperr.Invalid{}).Add("body", qe.Key, qe.Limit))
		return
	} else if err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.message_sent")
	c.Redirect(http.StatusSeeOther, back+"#messages")
}

// requesterMessage is the requester's message on their own request.
func (s *Server) requesterMessage(c *gin.Context) {
	r, ok := s.RequestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(web.CurrentUser(c).ID) {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	s.postMessage(c, r, "requester")
}
