package cases

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
	"github.com/example/pdpa-portal/handlers/forms"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// Uploads returns the files sent under the form key "files", refusing the lot before
// anything is stored when together they exceed the cap or one is not a PDF, JPEG or PNG
// by its content.
func Uploads(c *gin.Context, already int64) ([]*multipart.FileHeader, error) {
	return UploadsOf(c, "files", already)
}

// UploadsOf is uploads for the file input named key.
func UploadsOf(c *gin.Context, key string, already int64) ([]*multipart.FileHeader, error) {
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

// UploadProblem turns a refused upload into a problem on the form's file field.
func UploadProblem(inv *apperr.Invalid, err error) bool { return UploadProblemOf(inv, "files", err) }

// UploadProblemOf is UploadProblem for the file input named field.
func UploadProblemOf(inv *apperr.Invalid, field string, err error) bool {
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

// StoreUploads stores the checked files of a request.
func (s *Cases) StoreUploads(c *gin.Context, r *rights.Request, fhs []*multipart.FileHeader, role, purpose, messageID string) ([]string, error) {
	if len(fhs) > 0 && s.disk.UploadsPaused(c.Request.Context()) {
		return nil, web.ErrUploadsPaused
	}
	var ids []string
	for _, fh := range fhs {
		f, err := fh.Open()
		if err != nil {
			return ids, err
		}
		meta := &attachments.File{Ref: r.Ref, Subject: r.Subject, Name: fh.Filename, Role: role, Purpose: purpose, MessageID: messageID,
			UploadedBy: ActorID(c, r), Created: s.Now()}
		err = s.files.Put(c.Request.Context(), meta, f)
		_ = f.Close()
		if err != nil {
			return ids, err
		}
		ids = append(ids, meta.ID)
	}
	return ids, nil
}

// DropUploads removes files stored for an action that was then refused, so the
// requester never sees them. The request's own context may be ending: the removal
// finishes regardless. A failure is logged; the files stay listed.
func (s *Cases) DropUploads(c *gin.Context, ref string, ids []string) {
	if len(ids) == 0 {
		return
	}
	if err := s.files.Delete(context.WithoutCancel(c.Request.Context()), ref, ids); err != nil {
		s.Log.Error("refused action: files not removed", "ref", ref, "files", len(ids), "request_id", c.GetString(web.KeyRequestID), "err", err)
	}
}

// Download serves one attachment of a request the caller may see, always as a download
// with the type found from its content, so a file never renders in the portal's origin.
func (s *Cases) Download(c *gin.Context, r *rights.Request) error {
	return s.ServeFile(c, r.Ref, c.Param("id"))
}

// ServeFile streams one stored file of a request or record as a download.
func (s *Cases) ServeFile(c *gin.Context, ref, id string) error {
	meta, rc, err := s.files.Open(c.Request.Context(), ref, id)
	if err != nil {
		return err
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
	return nil
}

// ActorID is who acts: the signed-in person, or a guest (no account) on their request.
func ActorID(c *gin.Context, r *rights.Request) string {
	if u := web.CurrentUser(c); u != nil {
		return u.ID
	}
	return r.Subject
}

type MessageForm struct {
	Body string `form:"body" validate:"max=4000" label:"message.body"`
}

// Values is the message as typed, to show again (files are never sent back).
func (f *MessageForm) Values() map[string]string { return map[string]string{"body": f.Body} }

// AttachmentList is what request pages show of the files and messages.
type AttachmentList struct {
	Files    []attachments.File
	ByID     map[string]attachments.File
	Messages []rights.Message
}

func (s *Cases) LoadAttachments(c *gin.Context, ref string) (*AttachmentList, error) {
	return s.attachmentsOf(c.Request.Context(), ref)
}

func (s *Cases) attachmentsOf(ctx context.Context, ref string) (*AttachmentList, error) {
	fs, err := s.files.List(ctx, ref)
	if err != nil {
		return nil, err
	}
	ms, err := s.messages.Messages(ctx, ref)
	if err != nil {
		return nil, err
	}
	a := &AttachmentList{Files: fs, ByID: map[string]attachments.File{}, Messages: ms}
	for _, f := range fs {
		a.ByID[f.ID] = f
	}
	return a, nil
}

// Checked are uploads the web layer has checked (UploadsOf), as the casework service
// takes them.
func Checked(fhs []*multipart.FileHeader) []casework.Upload {
	out := make([]casework.Upload, len(fhs))
	for i, fh := range fhs {
		out[i] = casework.Upload{Name: fh.Filename, Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }}
	}
	return out
}

// FilingUploads reads a filing's attachments and, for a request made on someone's behalf,
// the written authorisation, each checked (total size, type by content) before anything
// is stored; their problems join inv.
func (s *Cases) FilingUploads(c *gin.Context, inv *apperr.Invalid, onBehalf bool) (files, auth []*multipart.FileHeader, err error) {
	files, err = Uploads(c, 0)
	if err != nil && !UploadProblem(inv, err) {
		return nil, nil, err
	}
	if onBehalf {
		var used int64
		for _, fh := range files {
			used += fh.Size
		}
		auth, err = UploadsOf(c, "authorisation", used)
		if err != nil && !UploadProblemOf(inv, "authorisation", err) {
			return nil, nil, err
		}
		if err == nil && len(auth) == 0 {
			web.AddOnce(inv, "authorisation", "request.authorisation_required")
		}
	}
	return files, auth, nil
}

// CheckedFiles are uploads the web layer has checked (UploadsOf), as the services take
// them.
func CheckedFiles(fhs []*multipart.FileHeader) []attachments.Upload {
	out := make([]attachments.Upload, len(fhs))
	for i, fh := range fhs {
		out[i] = attachments.Upload{Name: fh.Filename, Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }}
	}
	return out
}
