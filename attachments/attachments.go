// Package attachments describes the files people and officers attach: to a rights
// request (identity documents, an agent's authorisation, papers sent with a message), to
// a disclosure record, to a consent given on paper. The agency's register of personal
// data files (Art. 17) is another thing, in inventory. It imports neither gin nor mongo.
package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxPerRequest is the total size of one request's attachments: the agency's message
// size cap, so everything a request carries can still be sent on by mail.
const MaxPerRequest = 20 << 20

// RecordsSubject seals the files of the agency's own records (a disclosure's documents),
// which belong to no one person.
const RecordsSubject = "agency-records"

// ConsentRef is where the scans of a paper consent event are kept.
func ConsentRef(eventID string) string { return "consent-" + eventID }

// MaxFiles bounds the number of attachments of one request, so the list stays one small
// document however small the files are.
const MaxFiles = 100

// Who uploaded a file.
const (
	RoleRequester = "requester"
	RoleAgent     = "agent"
	RoleOfficer   = "officer"
)

// What a file is for.
const (
	PurposeRequest       = "request"       // filed with the request (e.g. identity proof)
	PurposeAuthorisation = "authorisation" // an agent's power of attorney
	PurposeTask          = "task"          // found in another of the agency's files by an officer
	// PurposeRecord: a document of a disclosure record.
	PurposeRecord = "record"
	// PurposeConsent: the scan of a consent or withdrawal signed on paper, kept under
	// ConsentRef of its event with the person's key.
	PurposeConsent = "consent"
	PurposeMessage = "message" // attached to a message on the request
)

var (
	// ErrTooLarge: the request's attachments would exceed MaxPerRequest.
	ErrTooLarge = errors.New("attachments exceed the size limit")
	// ErrTooMany: the request already has MaxFiles attachments. It is an ErrTooLarge too.
	ErrTooMany = fmt.Errorf("more than %d attachments: %w", MaxFiles, ErrTooLarge)
	// ErrType: the content is not a PDF, JPEG or PNG, whatever its name says.
	ErrType = errors.New("only PDF, JPEG and PNG files are accepted")
)

// Upload is a file the web layer has checked already (the total size, the type by
// content, a name without control characters), as services take it: its name, size and
// content.
type Upload struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
}

// Size is the total size of ups.
func Size(ups []Upload) int64 {
	var n int64
	for _, u := range ups {
		n += u.Size
	}
	return n
}

// File is one attachment's metadata.
type File struct {
	ID         string
	Ref        string // the request's reference
	Subject    string // the requester, whose key seals the name and content
	Name       string // cleaned by CleanName
	Type       string // sniffed from the content
	Size       int64
	Created    time.Time
	Role       string // RoleRequester, RoleAgent or RoleOfficer
	Purpose    string // PurposeRequest, PurposeAuthorisation or PurposeMessage
	MessageID  string // with PurposeMessage
	UploadedBy string // user id
}

// Store keeps attachments per request.
type Store interface {
	// Put stores r's content as a new file of f.Ref, sealed with f.Subject's key. It
	// sets f.ID, Name (cleaned), Type, Size, and Created if zero. ErrType if the content
	// is not allowed, ErrTooLarge if the request's total would exceed MaxPerRequest.
	Put(ctx context.Context, f *File, r io.Reader) error
	// Open returns a file of the request ref and its content, read with ctx as it is
	// consumed; apperr.ErrNotFound if ref has no file id.
	Open(ctx context.Context, ref, id string) (*File, io.ReadCloser, error)
	// List returns the request's files in upload order (none: an empty list).
	List(ctx context.Context, ref string) ([]File, error)
	// Used returns the total size of the request's files.
	Used(ctx context.Context, ref string) (int64, error)
	// Delete removes the files ids of the request (an upload whose action was refused);
	// ids it does not hold are ignored.
	Delete(ctx context.Context, ref string, ids []string) error
	// DeleteRef removes every file of the request; deleting nothing is not an error.
	DeleteRef(ctx context.Context, ref string) error
}
