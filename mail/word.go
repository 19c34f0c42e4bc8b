package mail

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/letters"
)

// Run is a stretch of a worded mail: the portal's words, or what a person wrote (an
// officer's note, an incident's account), which a page marks as such.
type Run struct {
	S       string
	Entered bool
}

// Worded is a subject or body worded in one language.
type Worded []Run

func (t Worded) String() string {
	var b strings.Builder
	for _, r := range t {
		b.WriteString(r.S)
	}
	return b.String()
}

// Word words m's subject and body in lang, the one wording of a mail for sending and
// for the inbox. A message stored worded (before mail kept its codes) comes back as it
// was, in the language it was queued in, which in names.
func (n *Mailer) Word(ctx context.Context, m *Message, lang string) (subject, body Worded, in string, err error) {
	if !m.Coded {
		in := i18n.Normalize(m.Lang)
		if in == "" {
			in = i18n.ZH
		}
		return Worded{{S: m.Subject}}, Worded{{S: m.Body}}, in, nil
	}
	lang = i18n.Normalize(lang)
	if lang == "" {
		lang = i18n.ZH
	}
	w := &wording{n: n, ctx: ctx, lang: lang}
	body = w.sentence("mail."+m.Kind+".body", mailArgs(m))
	body = body.add(Run{S: "\n\n-- \n" + n.Cat.T(lang, "mail.footer")})
	subject, _ = n.Subject(ctx, m, lang)
	return subject, body, lang, w.err
}

// Subject words m's subject alone (a list of mail), as Word does.
func (n *Mailer) Subject(ctx context.Context, m *Message, lang string) (subject Worded, in string) {
	if !m.Coded {
		s, _, in, _ := n.Word(ctx, m, lang)
		return s, in
	}
	lang = i18n.Normalize(lang)
	if lang == "" {
		lang = i18n.ZH
	}
	// A subject may name the request too; most have no verbs and take no arguments.
	// Subjects name no purpose, so this reads nothing.
	subject = Worded{{S: n.Cat.T(lang, "mail."+m.Kind+".subject")}}
	if strings.Contains(subject.String(), "%") {
		subject = (&wording{n: n, ctx: ctx, lang: lang}).sentence("mail."+m.Kind+".subject", mailArgs(m))
	}
	return subject, lang
}

// mailArgs are the parameters of a kind's sentences: the link first, then the mail's
// arguments from 2 on.
func mailArgs(m *Message) []Arg {
	return append([]Arg{Text(m.Link)}, m.Args...)
}

// Fill words a coded message for sending: in the language its recipient has now (they
// may have changed it since it was queued), else the one it was queued in.
func (n *Mailer) Fill(ctx context.Context, m *Message) error {
	lang := m.Lang
	if n.LangOf != nil {
		if now := n.LangOf(ctx, m.UserID); now != "" {
			lang = now
		}
	}
	subject, body, in, err := n.Word(ctx, m, lang)
	if err != nil {
		return err
	}
	m.Subject, m.Body, m.Lang = subject.String(), body.String(), in
	return nil
}

// wording words the parts of one mail in one language, reading the purposes' names at
// most once.
type wording struct {
	n     *Mailer
	ctx   context.Context
	lang  string
	names map[string]consent.Text
	read  bool
	err   error
}

// Marks stand for a parameter holding what a person wrote while the sentence around it
// is formatted; they are then replaced by the parameter's runs. Private-use characters
// appear in no catalogue.
const markOpen, markClose = "\ue000", "\ue001"

func (w *wording) sentence(key string, args []Arg) Worded {
	parts := make([]Worded, len(args))
	vals := make([]any, len(args))
	for i, a := range args {
		if a.Num != nil {
			vals[i] = *a.Num // for %d
			continue
		}
		parts[i] = w.arg(a)
		vals[i] = parts[i].String()
		if parts[i].hasEntered() {
			vals[i] = markOpen + strconv.Itoa(i) + markClose
		}
	}
	s := w.n.Cat.T(w.lang, key, vals...)
	var out Worded
	for {
		i := strings.Index(s, markOpen)
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], markClose)
		if j < 0 {
			break
		}
		k, err := strconv.Atoi(s[i+len(markOpen) : i+j])
		if err != nil || k >= len(parts) {
			break
		}
		out = out.add(Run{S: s[:i]})
		out = append(out, parts[k]...)
		s = s[i+j+len(markClose):]
	}
	return out.add(Run{S: s})
}

func (w *wording) arg(a Arg) Worded {
	t := func(key string, args ...any) string { return w.n.Cat.T(w.lang, key, args...) }
	switch {
	case a.Entered != "":
		return Worded{{S: a.Entered, Entered: true}}
	case a.Key != "":
		return w.sentence(a.Key, a.Args)
	case a.Num != nil:
		return Worded{{S: strconv.Itoa(*a.Num)}}
	case a.Long != "":
		if d, err := time.ParseInLocation(time.DateOnly, a.Long, twtime.Zone); err == nil {
			return Worded{{S: letters.Date(d, w.lang)}}
		}
		return Worded{{S: a.Long}}
	case a.Time != "":
		if at, err := time.Parse(time.RFC3339Nano, a.Time); err == nil {
			return Worded{{S: at.In(twtime.Zone).Format("2006-01-02 15:04")}}
		}
		return Worded{{S: a.Time}}
	case a.Purpose != "":
		return Worded{{S: w.purpose(a.Purpose)}}
	case a.Item != "":
		// As the request's page names it (handlers' View.ItemName).
		switch {
		case strings.HasPrefix(a.Item, "purpose:"):
			return Worded{{S: t("item.purpose", w.purpose(strings.TrimPrefix(a.Item, "purpose:")))}}
		case strings.HasPrefix(a.Item, "field:"):
			return Worded{{S: t("item.field", t("request.field."+strings.TrimPrefix(a.Item, "field:")))}}
		}
		return Worded{{S: t("item." + a.Item)}}
	case a.ZH != "" || a.EN != "":
		s := a.ZH
		if w.lang == i18n.EN && a.EN != "" || s == "" {
			s = a.EN
		}
		return Worded{{S: s, Entered: true}}
	case a.Seq != nil:
		var out Worded
		for _, p := range a.Seq {
			for _, r := range w.arg(p) {
				out = out.add(r)
			}
		}
		return out
	}
	return Worded{{S: a.Text + a.Date}}
}

func (w *wording) purpose(id string) string {
	if !w.read && w.n.Purposes != nil {
		w.read = true
		names, err := w.n.Purposes(w.ctx)
		if err != nil {
			w.err = fmt.Errorf("purpose names for a mail: %w", err)
		}
		w.names = names
	}
	if n, ok := w.names[id]; ok {
		return n.In(w.lang)
	}
	return id
}

// add appends r, joining it to the last run when both are of one kind.
func (t Worded) add(r Run) Worded {
	if r.S == "" {
		return t
	}
	if len(t) > 0 && t[len(t)-1].Entered == r.Entered {
		t[len(t)-1].S += r.S
		return t
	}
	return append(t, r)
}

func (t Worded) hasEntered() bool {
	for _, r := range t {
		if r.Entered {
			return true
		}
	}
	return false
}
