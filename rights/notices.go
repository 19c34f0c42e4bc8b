package rights

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// The written notices a request can have besides the extension and the decision letters.
// A person is owed these in writing, by post when they have no e-mail: being asked for
// proof of identity sets them something to do before the data is released; a due date
// moved by the office calendar changes the period they count on (APA Art. 48); a
// request closed as a duplicate ends without a decision of its own. The other steps — a
// fee payment recorded, fulfilment, closing, a withdrawal, the officer's messages —
// report what the decision letter already said or what the person did themselves: they
// are shown on the request page only.
const (
	LetterIdentity  = "identity"
	LetterDueMoved  = "due_moved"
	LetterDuplicate = "duplicate"
)

// Notice is one written notice given on a request: its letter's name (its kind, and
// "-2", "-3" … for a kind given again) and when it was given. A due date moved keeps
// the dates it moved between.
type Notice struct {
	Letter string
	At     time.Time
	OldDue Date
	NewDue Date
}

// Kind is the kind of notice the letter is.
func (n Notice) Kind() string { return LetterKind(n.Letter) }

// LetterKind is the kind of a letter's name: "due_moved-2" is a due_moved letter.
func LetterKind(name string) string {
	kind, _, _ := strings.Cut(name, "-")
	return kind
}

// noticeKinds are the kinds a Notice may be.
var noticeKinds = []string{LetterIdentity, LetterDueMoved, LetterDuplicate}

// ValidLetter reports whether name can name a letter of a request: one of the kinds,
// a notice kind possibly with its ordinal ("due_moved-3").
func ValidLetter(name string) bool {
	if name == LetterExtension || name == LetterDecision {
		return true
	}
	kind, n, numbered := strings.Cut(name, "-")
	known := false
	for _, k := range noticeKinds {
		known = known || k == kind
	}
	if !known || !numbered {
		return known
	}
	i, err := strconv.Atoi(n)
	return err == nil && i >= 2 && strconv.Itoa(i) == n
}

// addNotice records a notice of kind given at now and returns it.
func addNotice(r *Request, kind string, now time.Time) *Notice {
	n := 1
	for _, x := range r.Notices {
		if x.Kind() == kind {
			n++
		}
	}
	name := kind
	if n > 1 {
		name += "-" + strconv.Itoa(n)
	}
	r.Notices = append(r.Notices, Notice{Letter: name, At: now})
	return &r.Notices[len(r.Notices)-1]
}

// NoticeOf returns the notice a letter name stands for, nil when there is none.
func (r *Request) NoticeOf(letter string) *Notice {
	for i := range r.Notices {
		if r.Notices[i].Letter == letter {
			return &r.Notices[i]
		}
	}
	return nil
}

// Letters names every letter the request has, in the order they were given: the
// extension and the decision letters where made, and each notice.
func (r *Request) Letters() []string {
	type dated struct {
		name string
		at   time.Time
	}
	var all []dated
	for _, l := range []string{LetterExtension, LetterDecision} {
		if at := r.LetterAt(l); !at.IsZero() {
			all = append(all, dated{l, at})
		}
	}
	for _, n := range r.Notices {
		all = append(all, dated{n.Letter, n.At})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	out := make([]string, 0, len(all))
	for _, d := range all {
		out = append(out, d.name)
	}
	return out
}
