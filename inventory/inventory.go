// Package inventory is the agency's list of personal data files (PDPA Art. 17: published,
// and kept current within a month of a change, Enforcement Rules Art. 23). It imports
// neither gin nor mongo.
package inventory

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
)

// File is one personal data file: what it holds, why, on what basis, for how long, where.
type File struct {
	ID          string
	NameZH      string
	NameEN      string
	Unit        string // the holding unit
	Contact     string
	LegalBasis  string
	Purposes    []string // official specific-purpose codes, e.g. "069"
	Categories  []string // official data category codes, e.g. "C001"
	RetentionZH string
	RetentionEN string
	Systems     []string // the systems that hold it
	Created     time.Time
	Changed     time.Time
	ChangedBy   string
	Version     int
}

// Name is the file's name in lang.
func (f *File) Name(lang string) string {
	if lang == "en" && f.NameEN != "" {
		return f.NameEN
	}
	return f.NameZH
}

// Retention is the retention period in lang.
func (f *File) Retention(lang string) string {
	if lang == "en" && f.RetentionEN != "" {
		return f.RetentionEN
	}
	return f.RetentionZH
}

var (
	purposeCode  = regexp.MustCompile(`^[0-9〇一二三四五六七八九]{3}$`)
	categoryCode = regexp.MustCompile(`^C[0-9]{3}$`)
)

// Validate checks a file before it is saved.
func Validate(f *File) *apperr.Invalid {
	v := &apperr.Invalid{}
	text := func(field, value string, max int, required bool) {
		switch {
		case required && strings.TrimSpace(value) == "":
			v.Add(field, "field.required")
		case utf8.RuneCountInString(value) > max:
			v.Add(field, "field.too_long", max)
		}
	}
	text("name_zh", f.NameZH, 200, true)
	text("name_en", f.NameEN, 200, true)
	text("unit", f.Unit, 200, true)
	text("contact", f.Contact, 200, true)
	text("legal_basis", f.LegalBasis, 1000, true)
	text("retention_zh", f.RetentionZH, 200, true)
	text("retention_en", f.RetentionEN, 200, true)
	codes := func(field string, list []string, re *regexp.Regexp) {
		if len(list) == 0 {
			v.Add(field, "inventory.codes_required")
			return
		}
		if len(list) > 50 {
			v.Add(field, "field.too_many", 50)
			return
		}
		for _, c := range list {
			if !re.MatchString(c) {
				v.Add(field, "inventory.code_invalid", c)
				return
			}
		}
	}
	codes("purposes", f.Purposes, purposeCode)
	codes("categories", f.Categories, categoryCode)
	if len(f.Systems) > 30 {
		v.Add("systems", "field.too_many", 30)
	}
	for _, s := range f.Systems {
		if utf8.RuneCountInString(s) > 100 {
			v.Add("systems", "field.too_long", 100)
			break
		}
	}
	return v
}

// Inventory stores the files and their versions.
type Inventory interface {
	// Save stores a new file (ID empty) or a new version of one still at f.Version.
	Save(ctx context.Context, f *File) error
	Get(ctx context.Context, id string) (*File, error)
	List(ctx context.Context) ([]*File, error)
}
