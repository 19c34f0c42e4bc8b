package web

import (
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"sync"

	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/rights"
)

// shownStep is a timeline step worded for its reader: the portal's sentences in the
// page's language, and the note a person typed, as typed.
type shownStep struct {
	Said []template.HTML
	Note string
}

// Worded words a step for the page's reader. Purposes are named from the notice (names);
// what people typed is marked as Entered.
func (v *View) Worded(st rights.Step, names map[string]consent.Text) shownStep {
	said, note := v.s.SaidOf(st)
	out := shownStep{Note: note}
	for _, s := range said {
		out.Said = append(out.Said, v.Say(s, names))
	}
	return out
}

// SaidOf is what the portal recorded on a step and the note a person typed; a step
// written before the two were kept apart is read back from its note.
func (s *Core) SaidOf(st rights.Step) ([]rights.Said, string) {
	if len(st.Said) == 0 && st.Action == "fulfilled" {
		return s.legacySaid(st.Note)
	}
	return st.Said, st.Note
}

// Say words one sentence the portal recorded.
func (v *View) Say(s rights.Said, names map[string]consent.Text) template.HTML {
	return template.HTML(v.say(s, names, true)) // #nosec G203 -- the message and every argument are escaped
}

// SayText words one sentence as plain text (the API).
func (v *View) SayText(s rights.Said, names map[string]consent.Text) string {
	return v.say(s, names, false)
}

// say words s; for a page (asHTML) the message and its arguments are escaped and what
// people typed is marked as Entered.
func (v *View) say(s rights.Said, names map[string]consent.Text, asHTML bool) string {
	esc := func(x string) string { return x }
	if asHTML {
		esc = template.HTMLEscapeString
	}
	args := make([]any, len(s.Args))
	for i, w := range s.Args {
		switch {
		case w.Key != "":
			args[i] = esc(v.T(w.Key))
		case w.Purpose != "":
			args[i] = esc(v.PurposeName(w.Purpose, names))
		case w.ZH != "" || w.EN != "":
			name := w.ZH
			if v.Lang == i18n.EN && w.EN != "" || name == "" {
				name = w.EN
			}
			args[i] = esc(name)
		case asHTML:
			args[i] = string(v.Entered(w.Text))
		default:
			args[i] = w.Text
		}
	}
	return fmt.Sprintf(esc(v.T(s.Key)), args...)
}

// legacyKeys are the sentences a fulfilment wrote into its note, in the officer's
// Language, before steps kept them as keys.
var legacyKeys = []string{"fulfil.corrected", "fulfil.withdrawn", "fulfil.stopped", "fulfil.by_hand", "fulfil.restricted", "fulfil.erased"}

// legacyPattern recognises one of those sentences as worded then, in either language.
type legacyPattern struct {
	key string
	re  *regexp.Regexp
}

var (
	legacyOnce     sync.Once
	legacyPatterns []legacyPattern
)

// legacySaid reads the lines of a note written before steps kept sentences as keys:
// each line that is one of the portal's sentences becomes that sentence again (a
// withdrawn purpose by its id), so it is worded for the reader; the rest stays the note.
func (s *Core) legacySaid(note string) ([]rights.Said, string) {
	legacyOnce.Do(func() {
		// The sentences as the catalogues worded them when such notes were written.
		old := map[string][]string{
			"fulfil.withdrawn": {"已撤回目的 %s 的同意", "Consent to purpose %s withdrawn"},
		}
		for _, key := range legacyKeys {
			forms := old[key]
			for _, lang := range i18n.Supported {
				forms = append(forms, s.Cat.T(lang, key))
			}
			for _, f := range forms {
				parts := strings.Split(f, "%s")
				for i := range parts {
					parts[i] = regexp.QuoteMeta(parts[i])
				}
				legacyPatterns = append(legacyPatterns, legacyPattern{key, regexp.MustCompile("^" + strings.Join(parts, "(.+)") + "$")})
			}
		}
	})
	var said []rights.Said
	var rest []string
	for _, line := range strings.Split(note, "\n") {
		found := false
		for _, p := range legacyPatterns {
			m := p.re.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			sd := rights.Said{Key: p.key}
			for _, a := range m[1:] {
				if p.key == "fulfil.withdrawn" {
					sd.Args = append(sd.Args, rights.PurposeWord(a))
				} else {
					sd.Args = append(sd.Args, rights.Typed(a))
				}
			}
			said, found = append(said, sd), true
			break
		}
		if !found {
			rest = append(rest, line)
		}
	}
	return said, strings.TrimSpace(strings.Join(rest, "\n"))
}
