package handlers

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/attachments"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/forms"
	"github.com/example/pdpa-portal/rights"
)

// uploadRoutes accept multipart bodies up to the attachment cap plus the form's text;
// every other route keeps the small body limit.
var uploadRoutes = map[string]bool{
	"POST /requests":                      true,
	"POST /requests/:ref/messages":        true,
	"POST /officer/requests/:ref/:action": true,
	"POST /guest/requests":                true,
	"POST /officer/disclosures":           true,
	"POST /officer/disclosures/:id":       true,
	"POST /guest/requests/:ref/messages":  true,
	"POST /officer/intake":                true,
	"POST /officer/consents":              true,
}

// uploadMaxBody is the body limit of an upload route: 20 MB of files and room for the
// form's text and the multipart framing.
const uploadMaxBody = attachments.MaxPerRequest + 1<<20

// uploads returns the files sent under the form key "files", refusing the lot before
// anything is stored when together they exceed the cap or one is not a PDF, JPEG or PNG
// by its content.
func uploads(c *gin.Context, already int64) ([]*multipart.FileHeader, error) {
	return uploadsOf(c, "files", already)
}

// uploadsOf is uploads for the file input named key.
func uploadsOf(c *gin.Context, key string, already int64) ([]*multipart.FileHeader, error) {
	mf := c.Request.MultipartForm
	if mf == nil {
		return nil, nil
	}
	var out []*multipart.FileHeader
	total := already
	for _, fh := range mf.File[key] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // the empty file input of a form sent without a file
		}
		if forms.HasBadName(fh.Filename) || !utf8.ValidString(fh.Filename) {
			return nil, &nameError{name: fh.Filename}
		}
		total += fh.Size
		if total > attachments.MaxPerRequest {
			return nil, attachments.ErrTooLarge
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		head := make([]byte, attachments.SniffLen)
		n, _ := io.ReadFull(f, head)
		_ = f.Close()
		if _, ok := attachments.Sniff(head[:n]); !ok {
			return nil, &typeError{name: fh.Filename}
		}
		out = append(out, fh)
	}
	if len(out) > attachments.MaxFiles {
		return nil, attachments.ErrTooMany
	}
	return out, nil
}

// typeError names the file whose content is not an accepted type.
type typeError struct{ name string }

func (e *typeError) Error() string { return "not a PDF, JPEG or PNG: " + e.name }
func (e *typeError) Unwrap() error { return attachments.ErrType }

// nameError names a file whose name held a control character: the rest of the form
// is kept, and the visitor renames the file.
type nameError struct{ name string }

func (e *nameError) Error() string { return "file name with a control character: " + e.name }

// uploadProblem turns a refused upload into a problem on the form's file field.
func uploadProblem(inv *apperr.Invalid, err error) bool { return uploadProblemOf(inv, "files", err) }

// uploadProblemOf is uploadProblem for the file input named field.
func uploadProblemOf(inv *apperr.Invalid, field string, err error) bool {
	var te *typeError
	var ne *nameError
	switch {
	case errors.As(err, &ne):
		name := strings.ToValidUTF8(strings.ReplaceAll(ne.name, string(forms.BadNameRune), "?"), "?")
		if utf8.RuneCountInString(name) > 60 {
			name = string([]rune(name)[:59]) + "…"
		}
		inv.Add(field, "files.name_invalid", name)
	case errors.As(err, &te):
		name := te.name
		if utf8.RuneCountInString(name) > 60 || !utf8.ValidString(name) {
			name = "…"
		}
		inv.Add(field, "files.type", name)
	case errors.Is(err, attachments.ErrType):
		inv.Add(field, "files.type", "…")
	default:
		return false
	}
	return true
}

// storeUploads stores the checked files of a request.
func (s *Server) storeUploads(c *gin.Context, r *rights.Request, fhs []*multipart.FileHeader, role, purpose, messageID string) ([]string, error) {
	if len(fhs) > 0 && s.uploadsPaused(c.Request.Context()) {
		return nil, errUploadsPaused
	}
	var ids []string
	for _, fh := range fhs {
		f, err := fh.Open()
		if err != nil {
			return ids, err
		}
		meta := &attachments.File{Ref: r.Ref, Subject: r.Subject, Name: fh.Filename, Role: role, Purpose: purpose, MessageID: messageID,
			UploadedBy: actorID(c, r), Created: s.Now()}
		err = s.Files.Put(c.Request.Context(), meta, f)
		_ = f.Close()
		if err != nil {
			return ids, err
		}
		ids = append(ids, meta.ID)
	}
	return ids, nil
}

// dropUploads removes files stored for an action that was then refused, so the
// requester never sees them. The request's own context may be ending: the removal
// finishes regardless. A failure is logged; the files stay listed.
func (s *Server) dropUploads(c *gin.Context, ref string, ids []string) {
	if len(ids) == 0 {
		return
	}
	if err := s.Files.Delete(context.WithoutCancel(c.Request.Context()), ref, ids); err != nil {
		s.Log.Error("refused action: files not removed", "ref", ref, "files", len(ids), "request_id", c.GetString(keyRequestID), "err", err)
	}
}

// download serves one attachment of a request the caller may see, always as a download
// with the type found from its content, so a file never renders in the portal's origin.
func (s *Server) download(c *gin.Context, r *rights.Request) { s.serveFile(c, r.Ref, c.Param("id")) }

// serveFile streams one stored file of a request or record as a download.
func (s *Server) serveFile(c *gin.Context, ref, id string) {
	meta, rc, err := s.Files.Open(c.Request.Context(), ref, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	defer rc.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", meta.Type)
	h.Set("Content-Length", strconv.FormatInt(meta.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": meta.Name}))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	c.Status(http.StatusOK)
	if _, err := io.Copy(c.Writer, rc); err != nil {
		s.Log.Error("download cut short", "ref", ref, "err", err)
	}
}

// actorID is who acts: the signed-in person, or a guest (no account) on their request.
func actorID(c *gin.Context, r *rights.Request) string {
	if u := currentUser(c); u != nil {
		return u.ID
	}
	return r.Subject
}

// requesterDownload serves an attachment of the requester's own request.
func (s *Server) requesterDownload(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(currentUser(c).ID) {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	s.download(c, r)
}

// officerDownload serves any request's attachment to an officer.
func (s *Server) officerDownload(c *gin.Context) {
	if r, ok := s.requestByRef(c); ok {
		s.download(c, r)
	}
}

type messageForm struct {
	Body string `form:"body" validate:"max=4000" label:"message.body"`
}

// postMessage adds a message (with any files) to a request, from the requester or an
// officer; an officer's message is mailed to the requester.
func (s *Server) postMessage(c *gin.Context, r *rights.Request, role string) {
	var f messageForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	used, err := s.Files.Used(ctx, r.Ref)
	if err != nil {
		s.fail(c, err)
		return
	}
	fhs, err := uploads(c, used)
	if err != nil && !uploadProblem(inv, err) {
		s.fail(c, err)
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
	_, err = s.Casework.PostMessage(ctx, casework.Message{Request: r, Role: role, AuthorID: actorID(c, r), Body: f.Body, Files: checked(fhs)})
	if qe := (*rights.QuotaError)(nil); errors.As(err, &qe) {
		// Over the requester's quota, the page comes back with what was typed and says
		// which limit was reached.
		render(http.StatusTooManyRequests, (&apperr.Invalid{}).Add("body", qe.Key, qe.Limit))
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.message_sent")
	c.Redirect(http.StatusSeeOther, back+"#messages")
}

// requesterMessage is the requester's message on their own request.
func (s *Server) requesterMessage(c *gin.Context) {
	r, ok := s.requestByRef(c)
	if !ok {
		return
	}
	if !r.RequestedBy(currentUser(c).ID) {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	s.postMessage(c, r, "requester")
}

// attachmentList is what request pages show of the files and messages.
type attachmentList struct {
	Files    []attachments.File
	ByID     map[string]attachments.File
	Messages []rights.Message
}

func (s *Server) loadAttachments(c *gin.Context, ref string) (*attachmentList, error) {
	return s.attachmentsOf(c.Request.Context(), ref)
}

func (s *Server) attachmentsOf(ctx context.Context, ref string) (*attachmentList, error) {
	fs, err := s.Files.List(ctx, ref)
	if err != nil {
		return nil, err
	}
	ms, err := s.Messages.Messages(ctx, ref)
	if err != nil {
		return nil, err
	}
	a := &attachmentList{Files: fs, ByID: map[string]attachments.File{}, Messages: ms}
	for _, f := range fs {
		a.ByID[f.ID] = f
	}
	return a, nil
}

// Size formats a file size for people.
func (v *View) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1023)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
