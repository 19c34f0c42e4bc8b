package rights

import "time"

// Said is a sentence the portal adds to a timeline step (what fulfilling did, why a due
// date moved), kept as its catalogue key and parameters and worded when it is read, in
// the reader's language: an English reader never gets the words of the officer's page.
type Said struct {
	Key  string `json:"k"`
	Args []Word `json:"a,omitempty"`
}

// Word is one parameter of a Said, exactly one of its fields set.
type Word struct {
	Text    string `json:"t,omitempty"` // as typed or language-neutral (a date, a reference)
	Key     string `json:"k,omitempty"` // a catalogue key, worded in the reader's language
	Purpose string `json:"p,omitempty"` // a purpose's id, shown as its name in the notice
	// ZH and EN: a name kept in both languages when it was written (an inventory file's).
	ZH string `json:"zh,omitempty"`
	EN string `json:"en,omitempty"`
}

// Say builds a Said.
func Say(key string, args ...Word) Said { return Said{Key: key, Args: args} }

// Typed is a word as typed (or the same in every language).
func Typed(s string) Word { return Word{Text: s} }

// Keyed is a catalogue key to be worded.
func Keyed(key string) Word { return Word{Key: key} }

// PurposeWord names a purpose by its id.
func PurposeWord(id string) Word { return Word{Purpose: id} }

// Both is a name given in both languages.
func Both(zh, en string) Word { return Word{ZH: zh, EN: en} }

// Saying adds what the portal records to the step an action returns.
func Saying(act Action, said ...Said) Action {
	return func(r *Request, now time.Time) (Step, error) {
		st, err := act(r, now)
		if err == nil {
			st.Said = append(st.Said, said...)
		}
		return st, err
	}
}
