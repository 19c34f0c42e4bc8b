package incident

import (
	"testing"
	"time"
)

// A letter produced before letters were named keeps its name — and so its document
// number — when the list of postal recipients is edited afterwards: no other person's
// letter takes it.
func TestLegacyLetterNamesSurviveAnEdit(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	a := Contact{Name: "甲", Address: "臺北市一號", ToldAt: at}
	b := Contact{Name: "乙", Address: "臺北市二號", ToldAt: at}
	before := &Incident{Letters: []Contact{a, b}}
	nameA, nameB := before.LetterOf(before.Letters[0]), before.LetterOf(before.Letters[1])
	if nameA == nameB {
		t.Fatalf("two letters named alike: %q", nameA)
	}
	// The administrator takes 甲 off the list (a wrong entry) and saves.
	after := &Incident{Letters: KeepTold(before.Letters, []Contact{{Name: "乙", Address: "臺北市二號"}})}
	if got := after.LetterOf(after.Letters[0]); got != nameB {
		t.Fatalf("乙's letter renamed %q → %q (甲's was %q): it would print another letter's number", nameB, got, nameA)
	}
}
