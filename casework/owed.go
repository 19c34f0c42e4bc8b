package casework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/export"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/mail"
	"github.com/example/pdpa-portal/rights"
)

// mailPackageMax is the largest copy package mailed with a farewell: mail servers
// commonly refuse messages over 25 MB, and attachments grow by a third in transit.
const mailPackageMax = 15 << 20

// owedFiles are what a person is handed before their account is erased: every letter
// of their requests (extensions and decisions), and each copy package they have not yet
// downloaded. A package still being built, or one too large to mail and not yet
// downloaded, stops the erasure (apperr.Invalid, saying which): it would otherwise go
// with the account, undelivered. Without take, it only checks, reading nothing. A
// package is named in lang, the language the person reads their mail in.
func (s *Service) owedFiles(ctx context.Context, subject, lang string, take bool) ([]mail.File, error) {
	rs, err := s.Requests.ForSubject(ctx, subject)
	if err != nil {
		return nil, err
	}
	inv := &apperr.Invalid{}
	var out []mail.File
	for _, r := range rs {
		if r.Erased {
			continue
		}
		if take {
			fs, err := s.Docs.LetterFiles(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("letters of %s: %w", r.Ref, err)
			}
			out = append(out, fs...)
		}
		if r.Principal != "" {
			continue // an agent's copy package is the agent's, handed over by hand
		}
		p, err := s.packageOf(ctx, r)
		switch {
		case err != nil:
			return nil, err
		case p == nil || p.State == export.PackageFailed || len(p.Downloads) > 0 || !s.Now().Before(p.Expires) && p.State == export.PackageReady:
			continue // none, failed, handed over already, or expired
		case p.State == export.PackageBuilding:
			inv.Add("", "erase.package_building", r.Ref)
			continue
		case p.Size > mailPackageMax:
			inv.Add("", "erase.package_too_large", r.Ref, twtime.Day(p.Expires))
			continue
		case !take:
			continue
		}
		f, err := s.packageFile(ctx, r, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(inv.Problems) > 0 {
		return nil, inv
	}
	return out, nil
}

// packageFile reads a ready package for the farewell without recording a download: the
// erasure may still fail before the mail is queued, and a second try must find the
// package not yet handed over. (An erasure that succeeds deletes the package.)
func (s *Service) packageFile(ctx context.Context, r *rights.Request, lang string) (mail.File, error) {
	_, rc, err := s.Packages.Read(ctx, r.Ref, s.Now())
	if err != nil {
		return mail.File{}, fmt.Errorf("package of %s: %w", r.Ref, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, mailPackageMax+1))
	if err != nil {
		return mail.File{}, fmt.Errorf("package of %s: %w", r.Ref, err)
	}
	name, ascii := s.PackageName(lang, r.Ref)
	return mail.File{Name: name, ASCIIName: ascii, Type: "application/zip", Data: b}, nil
}

// PackageName is the file name of a copy package in lang, and the ASCII name that stands
// in for it where a Chinese name cannot be shown.
func (s *Service) PackageName(lang, ref string) (name, ascii string) {
	return s.Cat.T(lang, "package.file_name", ref), s.Cat.T(i18n.EN, "package.file_name", ref)
}

// packageOf reads a request's package (nil when there is none).
func (s *Service) packageOf(ctx context.Context, r *rights.Request) (*export.Package, error) {
	if r.Kind != rights.Copy {
		return nil, nil
	}
	p, err := s.Packages.Get(ctx, r.Ref)
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return nil, err
	}
	return p, nil
}

// Task is one of the agency's personal data files to search for a request, and what was
// recorded for it.
type Task struct {
	File *inventory.File
	Done string // the note recorded, "" while open
}

// Tasks pairs each file of the inventory with what was recorded for it.
func (s *Service) Tasks(ctx context.Context, r *rights.Request, steps []rights.Step) ([]Task, error) {
	if r.Erased {
		return nil, nil
	}
	fs, err := s.Inventory.List(ctx)
	if err != nil {
		return nil, err
	}
	done := map[string]string{}
	for _, st := range steps {
		if st.Action != "file_task" {
			continue
		}
		if len(st.Said) > 0 && len(st.Said[0].Args) > 0 {
			done[st.Said[0].Args[0].Text] = st.Note
			continue
		}
		// Written before the file was kept apart from the finding: "<id> <name>: <finding>".
		id, rest, _ := strings.Cut(st.Note, " ")
		done[id] = rest
	}
	var out []Task
	for _, f := range fs {
		if len(r.ScopeFiles) == 0 || slices.Contains(r.ScopeFiles, f.ID) {
			out = append(out, Task{File: f, Done: done[f.ID]})
		}
	}
	return out, nil
}
