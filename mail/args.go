package mail

// Arg is one parameter of a mail, kept as a code or a plain value so that the mail can
// be worded in whatever language its reader has when it is sent or read; never a text
// already worded in one language. Exactly one of its fields is set.
type Arg struct {
	Text    string `json:"t,omitempty"` // the same in every language: a reference, a code, an address
	Entered string `json:"e,omitempty"` // what a person wrote, shown as written
	Key     string `json:"k,omitempty"` // a catalogue sentence, worded with Args
	Args    []Arg  `json:"a,omitempty"`
	Num     *int   `json:"n,omitempty"`
	Date    string `json:"d,omitempty"`  // a day, YYYY-MM-DD, as the portal writes dates
	Long    string `json:"ld,omitempty"` // a day, YYYY-MM-DD, written out as a letter does
	Time    string `json:"tm,omitempty"` // an instant (RFC 3339), shown in Taiwan's time
	Purpose string `json:"p,omitempty"`  // a purpose's id, shown as its name in the notice
	Item    string `json:"i,omitempty"`  // a decision item's key ("purpose:x", "field:y", ...)
	// ZH and EN: a text kept in both languages when it was written (payment details,
	// an incident's account).
	ZH string `json:"zh,omitempty"`
	EN string `json:"en,omitempty"`
	// Seq is a run of parts written one after another (a list, a paragraph of lines).
	Seq []Arg `json:"s,omitempty"`
}

// Text is a value the same in every language.
func Text(s string) Arg { return Arg{Text: s} }

// Entered is what a person wrote.
func Entered(s string) Arg { return Arg{Entered: s} }

// Key is a catalogue sentence with its parameters.
func Key(key string, args ...Arg) Arg { return Arg{Key: key, Args: args} }

// Num is a number.
func Num(n int) Arg { return Arg{Num: &n} }

// Date is a day (YYYY-MM-DD).
func Date(day string) Arg { return Arg{Date: day} }

// LongDate is a day written out in the reader's language, as letters write it.
func LongDate(day string) Arg { return Arg{Long: day} }

// Time is an instant, RFC 3339.
func Time(rfc3339 string) Arg { return Arg{Time: rfc3339} }

// Purpose names a purpose by its id.
func Purpose(id string) Arg { return Arg{Purpose: id} }

// Item names a decision item by its key.
func Item(key string) Arg { return Arg{Item: key} }

// Both is a text kept in both languages.
func Both(zh, en string) Arg { return Arg{ZH: zh, EN: en} }

// Seq is parts written one after another.
func Seq(parts ...Arg) Arg { return Arg{Seq: parts} }
