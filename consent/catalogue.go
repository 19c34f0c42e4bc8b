package consent

import (
	"context"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/example/pdpa-portal/apperr"
)

// PurposeCommand is a catalogue entry as the administrator's form gave it: the texts per
// language, the categories as typed (apart by commas, 、 or spaces), and whether it is a
// new entry.
type PurposeCommand struct {
	New                                                     bool
	ID, Code                                                string
	Name, Description, LegalBasis, Retention, DeclineEffect Text
	Categories                                              string
	Required, Outside, GPC                                  bool
	// Problems are what the web layer found already (text it could not read): they come
	// back with the rules' own, and nothing is saved.
	Problems *apperr.Invalid
}

// CatalogueService keeps the purpose catalogue a draft may include.
type CatalogueService struct {
	Catalogue Catalogue
}

// maxPurposeText bounds each text of a catalogue entry.
const maxPurposeText = 1000

// SavePurpose adds or changes a catalogue entry and returns it. A change reaches people
// only when a notice version that includes it is published. Problems come back as
// *apperr.Invalid keyed by the form's fields, with the entry as read, unsaved.
func (s *CatalogueService) SavePurpose(ctx context.Context, cmd PurposeCommand) (*Purpose, error) {
	inv := &apperr.Invalid{}
	if cmd.Problems != nil {
		inv.Problems = append(inv.Problems, cmd.Problems.Problems...)
	}
	txt := func(field, v string) string {
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) > maxPurposeText {
			inv.Add(field, "field.too_long", maxPurposeText)
		}
		return v
	}
	text := func(prefix string, t Text) Text {
		out := Text{}
		for _, l := range Langs {
			if v := txt(prefix+"-"+l, t[l]); v != "" {
				out[l] = v
			}
		}
		return out
	}
	p := &Purpose{ID: txt("id", cmd.ID), Code: txt("code", cmd.Code), Name: text("name", cmd.Name), Description: text("description", cmd.Description),
		LegalBasis: text("basis", cmd.LegalBasis), Retention: text("retention", cmd.Retention), DeclineEffect: text("decline", cmd.DeclineEffect),
		Required: cmd.Required, Outside: cmd.Outside, GPC: cmd.GPC}
	for _, c := range strings.FieldsFunc(txt("categories", cmd.Categories), func(r rune) bool { return r == ',' || r == ' ' || r == '、' }) {
		p.Categories = append(p.Categories, strings.ToUpper(c))
	}
	sort.Strings(p.Categories)
	if p.Required {
		// Declining is no choice for a required purpose: it has no effect to state.
		p.DeclineEffect = nil
	}
	inv.Problems = append(inv.Problems, ValidatePurpose(p).Problems...)
	if len(inv.Problems) == 0 && cmd.New {
		cat, err := s.Catalogue.Purposes(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range cat {
			if x.ID == p.ID {
				inv.Add("id", "purpose.id_taken")
			}
		}
	}
	if len(inv.Problems) > 0 {
		return p, inv
	}
	if err := s.Catalogue.SavePurpose(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}
