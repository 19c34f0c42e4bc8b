// Package letters gives the agency's written notices (the extension notice, the
// decision letter, the other notices on a request, an incident's letters) what the official document format of the 文書處理手冊 asks of a 函:
// a document number (發文字號) from a per-year sequence under the agency's prefix, the
// date in the calendar of the Republic of China, the agency head who signs, and the
// authority that hears an appeal against a refusal (訴願管轄機關).
//
// The package imports neither gin nor mongo.
package letters

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/internal/twtime"
)

// The letters a request can have.
const (
	Extension = "extension"
	Decision  = "decision"
)

// Text is a setting in both languages: a letter is written in one of them.
type Text struct {
	ZH string
	EN string
}

// In returns the text in lang ("en" or else Chinese).
func (t Text) In(lang string) string {
	if lang == "en" {
		return t.EN
	}
	return t.ZH
}

// Settings are what the administrator sets for every letter.
type Settings struct {
	// Prefix is the 字 of the document number, e.g. 府個資字: the number reads
	// 府個資字第1150000123號. In English letters the English prefix stands before "No.".
	Prefix Text
	// Agency is the letterhead's name; Address its postal address.
	Agency  Text
	Address Text
	// HeadTitle and HeadName sign the letter (署名): e.g. 處長 and the head's name.
	HeadTitle Text
	HeadName  Text
	// Appeal is the authority that hears an appeal against the agency's decisions
	// (訴願法 Art. 4): the appeal is filed through this agency (Art. 58).
	Appeal Text
}

// Defaults are the agency of the portal's own privacy notice (範例市政府數位服務處, an
// office of a city government): appeals against a city government's offices go to the
// city government (訴願法 Art. 4(3), (4)). The head's name is left for the administrator.
func Defaults() Settings {
	return Settings{
		Prefix:    Text{ZH: "數服個資字", EN: "DSO-PD"},
		Agency:    Text{ZH: "範例市政府數位服務處", EN: "Example City Government Digital Services Office"},
		Address:   Text{ZH: "範例市中正區示範路1號", EN: "No. 1, Shifan Road, Zhongzheng District, Example City"},
		HeadTitle: Text{ZH: "處長", EN: "Director-General"},
		Appeal:    Text{ZH: "範例市政府", EN: "Example City Government"},
	}
}

// Field limits.
const (
	MaxPrefix = 20
	MaxText   = 100
)

// Validate names every problem: all but the head's name are required in both languages;
// the Chinese prefix ends in 字 and, like the English one, holds neither digits nor
// spaces, so the number read back is unambiguous.
func (s Settings) Validate() *apperr.Invalid {
	v := &apperr.Invalid{}
	text := func(field string, value string, max int, required bool) {
		switch {
		case strings.TrimSpace(value) == "":
			if required {
				v.Add(field, "letters.required")
			}
		case utf8.RuneCountInString(value) > max:
			v.Add(field, "letters.too_long", max)
		case strings.ContainsFunc(value, unicode.IsControl):
			v.Add(field, "letters.control")
		}
	}
	text("prefix_zh", s.Prefix.ZH, MaxPrefix, true)
	text("prefix_en", s.Prefix.EN, MaxPrefix, true)
	for _, p := range []struct {
		field string
		value string
	}{{"prefix_zh", s.Prefix.ZH}, {"prefix_en", s.Prefix.EN}} {
		if strings.ContainsFunc(p.value, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsSpace(r) }) {
			v.Add(p.field, "letters.prefix_chars")
		}
	}
	if s.Prefix.ZH != "" && !strings.HasSuffix(s.Prefix.ZH, "字") {
		v.Add("prefix_zh", "letters.prefix_zi")
	}
	for _, f := range []struct {
		name     string
		t        Text
		required bool
	}{{"agency", s.Agency, true}, {"address", s.Address, true}, {"head_title", s.HeadTitle, true}, {"head_name", s.HeadName, false}, {"appeal", s.Appeal, true}} {
		text(f.name+"_zh", f.t.ZH, MaxText, f.required)
		text(f.name+"_en", f.t.EN, MaxText, f.required)
	}
	return v
}

// Number is a letter's document number: the serial within the year of its date.
type Number struct {
	Year   int // Gregorian year of the letter's date
	Serial int64
}

// Format writes the number the way 公文 do: the prefix, the ROC year in three digits and
// a seven-digit serial (府個資字第1150000123號); in English, "DSO-PD No. 1150000123".
func (n Number) Format(prefix Text, lang string) string {
	digits := fmt.Sprintf("%03d%07d", twtime.ROCYear(n.Year), n.Serial)
	if lang == "en" {
		return prefix.EN + " No. " + digits
	}
	return prefix.ZH + "第" + digits + "號"
}

// Date writes a date (in Taiwan) as letters do: ROC years in Chinese
// (中華民國115年12月6日), a plain date in English (6 December 2026).
func Date(t time.Time, lang string) string {
	t = t.In(twtime.Zone)
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("中華民國%d年%d月%d日", twtime.ROCYear(t.Year()), int(t.Month()), t.Day())
}

// AppealDays is the time limit of an appeal, from the day after the letter is served
// (訴願法 Art. 14(1)).
const AppealDays = 30

// Store keeps the settings and the numbers.
type Store interface {
	// LetterSettings returns the saved settings, or Defaults() when none were saved.
	LetterSettings(ctx context.Context) (Settings, error)
	SaveLetterSettings(ctx context.Context, s Settings) error
	// LetterNumber returns the number of request ref's letter, taking the next one of
	// year the first time; it never gives one number to two letters, whatever number
	// of portal instances ask at once.
	LetterNumber(ctx context.Context, ref, letter string, year int) (Number, error)
	Post
}

// Post is the run of letters printed and posted to requesters the portal cannot mail.
// A letter is named "<ref>/<letter>".
type Post interface {
	// QueuePost puts a letter on the list of those still to post.
	QueuePost(ctx context.Context, id string) error
	// Posted takes a letter off that list and, when day is not empty (a date,
	// YYYY-MM-DD), puts it on the day's list of letters posted.
	Posted(ctx context.Context, id, day string) error
	// PendingPost lists the letters still to post, oldest first.
	PendingPost(ctx context.Context) ([]string, error)
	// PostedOn lists the letters posted on day.
	PostedOn(ctx context.Context, day string) ([]string, error)
}

// PostID names a letter in the post run.
func PostID(ref, letter string) string { return ref + "/" + letter }

// ParsePostID splits a post run id; ok is false for anything else. Which letters a
// request has is the request's to say (rights.Request.Letters).
func ParsePostID(id string) (ref, letter string, ok bool) {
	ref, letter, ok = strings.Cut(id, "/")
	return ref, letter, ok && ValidName(letter)
}

// ValidName reports whether name can name a letter: lower-case letters, digits, "_" and
// "-", at most 40 of them ("extension", "due_moved-2", "notice-1765000000000-3").
func ValidName(name string) bool {
	if name == "" || len(name) > 40 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Service issues letters.
type Service struct {
	Store Store
}

// Issued is what a letter needs beyond the request: the settings and its number.
type Issued struct {
	Settings Settings
	Number   Number
}

// Issue numbers the letter of request ref (or of another record: an incident) dated at (once: later calls return the same
// number) and returns it with the settings to print.
func (s *Service) Issue(ctx context.Context, ref, letter string, at time.Time) (*Issued, error) {
	if !ValidName(letter) {
		return nil, apperr.ErrNotFound
	}
	set, err := s.Store.LetterSettings(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.LetterNumber(ctx, ref, letter, at.In(twtime.Zone).Year())
	if err != nil {
		return nil, err
	}
	return &Issued{Settings: set, Number: n}, nil
}

// Save validates and stores the settings. Letters already issued keep their numbers;
// they show the settings as they are when printed.
func (s *Service) Save(ctx context.Context, set Settings) error {
	set = set.trimmed()
	if err := set.Validate().OrNil(); err != nil {
		return err
	}
	return s.Store.SaveLetterSettings(ctx, set)
}

// Settings returns the current settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) { return s.Store.LetterSettings(ctx) }

func (s Settings) trimmed() Settings {
	for _, t := range []*Text{&s.Prefix, &s.Agency, &s.Address, &s.HeadTitle, &s.HeadName, &s.Appeal} {
		t.ZH, t.EN = strings.TrimSpace(t.ZH), strings.TrimSpace(t.EN)
	}
	return s
}
