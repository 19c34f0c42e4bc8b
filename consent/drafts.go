package consent

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
)

// Langs are the languages every notice text must have.
var Langs = []string{"zh-TW", "en"}

// Drafts keeps the one draft of the next notice version.
type Drafts interface {
	// Draft returns the draft; apperr.ErrNotFound when there is none.
	Draft(ctx context.Context) (*Notice, error)
	// SaveDraft stores the draft (replacing any).
	SaveDraft(ctx context.Context, n *Notice) error
	DeleteDraft(ctx context.Context) error
	// Versions lists every published version, newest first.
	Versions(ctx context.Context) ([]*Notice, error)
}

// Catalogue is the administrator's list of purposes a draft may include.
type Catalogue interface {
	Purposes(ctx context.Context) ([]Purpose, error)
	SavePurpose(ctx context.Context, p *Purpose) error
}

// SectionText writes a section's blocks in one language as the editor shows them:
// paragraphs separated by a blank line, list items starting with "- " (or "1. ").
func SectionText(s Section, lang string) string {
	var parts []string
	for _, b := range s.Blocks {
		switch b.Kind {
		case "ul", "ol":
			var lines []string
			for i, it := range b.Items {
				mark := "- "
				if b.Kind == "ol" {
					mark = itoa(i+1) + ". "
				}
				lines = append(lines, mark+it[lang])
			}
			parts = append(parts, strings.Join(lines, "\n"))
		default:
			for _, it := range b.Items {
				parts = append(parts, it[lang])
			}
		}
	}
	return strings.Join(parts, "\n\n")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var olMark = regexp.MustCompile(`^\d+\. `)

// parseText splits editor text into blocks of one language.
func parseText(text string) []Block {
	var out []Block
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, chunk := range strings.Split(text, "\n\n") {
		chunk = strings.TrimSpace(chunk)
		if chunk == "" {
			continue
		}
		lines := strings.Split(chunk, "\n")
		kind := "p"
		if strings.HasPrefix(lines[0], "- ") {
			kind = "ul"
		} else if olMark.MatchString(lines[0]) {
			kind = "ol"
		}
		if kind == "p" {
			out = append(out, Block{Kind: "p", Items: []Text{{"x": strings.Join(lines, " ")}}})
			continue
		}
		b := Block{Kind: kind}
		for _, l := range lines {
			l = strings.TrimSpace(l)
			l = strings.TrimPrefix(l, "- ")
			l = olMark.ReplaceAllString(l, "")
			if l != "" {
				b.Items = append(b.Items, Text{"x": l})
			}
		}
		out = append(out, b)
	}
	return out
}

// ParseSection builds a section's blocks from its text in each language. Both languages
// must have the same shape (the same paragraphs and list items, in order), since each
// block pairs a sentence with its translation.
func ParseSection(key string, heading Text, texts map[string]string) (Section, *apperr.Invalid) {
	v := &apperr.Invalid{}
	field := "section-" + key
	parsed := map[string][]Block{}
	for _, l := range Langs {
		parsed[l] = parseText(texts[l])
		if len(parsed[l]) == 0 {
			v.Add(field+"-"+l, "notice.section_empty")
		}
	}
	s := Section{Key: key, Heading: heading}
	zh, en := parsed["zh-TW"], parsed["en"]
	if len(zh) != len(en) {
		if len(v.Problems) == 0 {
			v.Add(field+"-en", "notice.shape_count", len(zh), len(en))
		}
		return s, v
	}
	for i := range zh {
		if zh[i].Kind != en[i].Kind || len(zh[i].Items) != len(en[i].Items) {
			v.Add(field+"-en", "notice.shape_block", i+1)
			return s, v
		}
		b := Block{Kind: zh[i].Kind}
		for j := range zh[i].Items {
			b.Items = append(b.Items, Text{"zh-TW": zh[i].Items[j]["x"], "en": en[i].Items[j]["x"]})
		}
		s.Blocks = append(s.Blocks, b)
	}
	return s, v
}

// ValidateNotice checks a draft before it is saved or published: titles and the summary
// of changes in both languages, the six Art. 8 items present, at least one purpose.
func ValidateNotice(n *Notice) *apperr.Invalid {
	v := &apperr.Invalid{}
	for _, l := range Langs {
		if strings.TrimSpace(n.Title[l]) == "" {
			v.Add("title-"+l, "field.required")
		} else if utf8.RuneCountInString(n.Title[l]) > 200 {
			v.Add("title-"+l, "field.too_long", 200)
		}
		if strings.TrimSpace(n.Summary[l]) == "" {
			v.Add("summary-"+l, "field.required")
		} else if utf8.RuneCountInString(n.Summary[l]) > 2000 {
			v.Add("summary-"+l, "field.too_long", 2000)
		}
	}
	have := map[string]bool{}
	for _, s := range n.Sections {
		have[s.Key] = len(s.Blocks) > 0
	}
	for _, k := range Art8Sections {
		if !have[k] {
			v.Add("section-"+k+"-zh-TW", "notice.art8_missing")
		}
	}
	required := false
	for _, p := range n.Purposes {
		required = required || p.Required
	}
	if !required {
		v.Add("purposes", "notice.no_required_purpose")
	}
	return v
}

// NextVersion makes the version to publish from a draft: the next number, and for each
// purpose the version since which its wording holds (kept when unchanged, so nobody is
// asked again about a purpose that did not change).
func NextVersion(prev, draft *Notice, now time.Time) *Notice {
	n := *draft
	n.Version = 1
	if prev != nil {
		n.Version = prev.Version + 1
	}
	n.PublishedAt = now
	n.Purposes = make([]Purpose, len(draft.Purposes))
	for i, p := range draft.Purposes {
		p.Since = n.Version
		if prev != nil {
			if old := prev.Purpose(p.ID); old != nil && samePurpose(*old, p) {
				p.Since = old.Since
			}
		}
		n.Purposes[i] = p
	}
	return &n
}

func samePurpose(a, b Purpose) bool {
	a.Since, b.Since = 0, 0
	return reflect.DeepEqual(a, b)
}

// The forms of a purpose's stable id, its official purpose code and a data-category code.
var (
	purposeID    = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
	purposeCode  = regexp.MustCompile(`^\d{3}$`)
	categoryCode = regexp.MustCompile(`^C\d{3}$`)
)

// ValidatePurpose checks a catalogue entry.
func ValidatePurpose(p *Purpose) *apperr.Invalid {
	v := &apperr.Invalid{}
	if !purposeID.MatchString(p.ID) {
		v.Add("id", "purpose.id_invalid")
	}
	if !purposeCode.MatchString(p.Code) {
		v.Add("code", "purpose.code_invalid")
	}
	for _, l := range Langs {
		if strings.TrimSpace(p.Name[l]) == "" {
			v.Add("name-"+l, "field.required")
		}
		if strings.TrimSpace(p.Description[l]) == "" {
			v.Add("description-"+l, "field.required")
		}
		if strings.TrimSpace(p.LegalBasis[l]) == "" {
			v.Add("basis-"+l, "field.required")
		}
		if strings.TrimSpace(p.Retention[l]) == "" {
			v.Add("retention-"+l, "field.required")
		}
		if !p.Required && strings.TrimSpace(p.DeclineEffect[l]) == "" {
			v.Add("decline-"+l, "purpose.decline_required")
		}
	}
	if p.Required && p.Outside {
		v.Add("outside", "purpose.outside_required")
	}
	if len(p.Categories) == 0 {
		v.Add("categories", "purpose.categories_required")
	}
	for _, c := range p.Categories {
		if !categoryCode.MatchString(c) {
			v.Add("categories", "purpose.category_invalid")
			break
		}
	}
	return v
}

// Editions edits the draft of the next notice version and publishes it.
type Editions struct {
	Notices   Notices
	Drafts    Drafts
	Catalogue Catalogue
	Now       func() time.Time
}

// DraftCommand is the editor's form: each text by its field as typed (title-zh-TW,
// heading-<section>-en, section-<section>-zh-TW, …) and the purposes ticked.
type DraftCommand struct {
	Texts    map[string]string
	Purposes []string
}

// Limits of the editor's texts, in characters.
const (
	maxDraftTitle   = 200
	maxDraftSummary = 2000
	maxDraftIntro   = 5000
	maxDraftSection = 20000
)

// SaveDraft replaces the draft with the editor's texts, its sections those of the draft
// being edited, its purposes those ticked of the catalogue. Problems come back as
// *apperr.Invalid keyed by the editor's fields, every one at once, with nothing saved.
func (e *Editions) SaveDraft(ctx context.Context, cmd DraftCommand) (*Notice, error) {
	base, err := e.Drafts.Draft(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := e.Catalogue.Purposes(ctx)
	if err != nil {
		return nil, err
	}
	inv := &apperr.Invalid{}
	get := func(key string, max int) string {
		v := strings.TrimSpace(cmd.Texts[key])
		switch {
		case !draftText(v):
			inv.Add(key, "validation.invalid_text")
		case utf8.RuneCountInString(v) > max:
			inv.Add(key, "field.too_long", max)
		}
		return v
	}
	d := &Notice{Title: Text{}, Summary: Text{}, Intro: Text{}}
	for _, l := range Langs {
		d.Title[l] = get("title-"+l, maxDraftTitle)
		d.Summary[l] = get("summary-"+l, maxDraftSummary)
		d.Intro[l] = get("intro-"+l, maxDraftIntro)
	}
	for _, sec := range base.Sections {
		heading := Text{}
		texts := map[string]string{}
		for _, l := range Langs {
			heading[l] = get("heading-"+sec.Key+"-"+l, maxDraftTitle)
			if heading[l] == "" {
				inv.Add("heading-"+sec.Key+"-"+l, "field.required")
			}
			texts[l] = get("section-"+sec.Key+"-"+l, maxDraftSection)
		}
		ns, problems := ParseSection(sec.Key, heading, texts)
		inv.Problems = append(inv.Problems, problems.Problems...)
		d.Sections = append(d.Sections, ns)
	}
	ticked := map[string]bool{}
	for _, id := range cmd.Purposes {
		ticked[id] = true
	}
	for _, p := range cat {
		if ticked[p.ID] {
			d.Purposes = append(d.Purposes, p)
		}
	}
	if len(d.Purposes) != len(ticked) {
		inv.Add("purposes", "consent.unknown_purpose")
	}
	if len(inv.Problems) > 0 {
		return d, inv
	}
	if err := e.Drafts.SaveDraft(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// draftText refuses text a person could not have typed (invalid UTF-8, NUL, controls).
func draftText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// PublishConfirmFirst is a publication waiting for its confirmation: Next is the version
// it would publish.
type PublishConfirmFirst struct{ Next *Notice }

func (e *PublishConfirmFirst) Error() string {
	return "consent: the publication waits for its confirmation"
}

// Publish makes the draft the next notice version and removes the draft, as one step.
// Its purposes keep their "since" version when unchanged, so only new or changed ones
// are asked again. Published is for good (people are asked to acknowledge it and it
// stays readable), so until confirmed nothing is published and PublishConfirmFirst says
// which version it would be. A draft with problems comes back as *apperr.Invalid with
// the draft; a version published meanwhile is apperr.ErrConflict.
func (e *Editions) Publish(ctx context.Context, confirmed bool) (*Notice, error) {
	d, err := e.Drafts.Draft(ctx)
	if err != nil {
		return nil, err
	}
	if inv := ValidateNotice(d); len(inv.Problems) > 0 {
		return d, inv
	}
	cur, err := e.Notices.Current(ctx)
	if err != nil {
		return nil, err
	}
	n := NextVersion(cur, d, e.Now())
	if !confirmed {
		return n, &PublishConfirmFirst{Next: n}
	}
	if err := e.Notices.Publish(ctx, n); err != nil {
		return nil, err
	}
	// Published, the draft is spent: left behind it would be published again.
	if err := e.Drafts.DeleteDraft(ctx); err != nil {
		return nil, fmt.Errorf("notice %d published, its draft not removed: %w", n.Version, err)
	}
	return n, nil
}
