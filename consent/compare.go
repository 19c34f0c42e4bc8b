package consent

import "strings"

// A Change is one row of the comparison of a text with its next version, paragraph by
// paragraph (a list item counts as a paragraph): unchanged, removed from the published
// text, or added in the draft. A changed paragraph is the old one removed and the new
// one added, side by side.
type Change struct {
	Op  string // "same", "removed", "added"
	Old string // the published paragraph ("" when added)
	New string // the draft's paragraph ("" when removed)
}

// paragraphs splits editor text into its paragraphs and list items, spaces collapsed.
func paragraphs(text string) []string {
	var out []string
	for _, chunk := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		lines := strings.Split(strings.TrimSpace(chunk), "\n")
		list := strings.HasPrefix(lines[0], "- ") || olMark.MatchString(lines[0])
		if !list {
			lines = []string{strings.Join(lines, " ")}
		}
		for _, l := range lines {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// Compare lists the changes from old to new, paragraph by paragraph, in order (the
// longest run of unchanged paragraphs kept; a removal shown beside the addition that
// replaced it). Notices are a few dozen paragraphs a section, so the quadratic table
// is small.
func Compare(old, new string) []Change {
	a, b := paragraphs(old), paragraphs(new)
	// lcs[i][j]: the longest common run of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Change
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, Change{Op: "same", Old: a[i], New: b[j]})
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, Change{Op: "removed", Old: a[i]})
			i++
		default:
			out = append(out, Change{Op: "added", New: b[j]})
			j++
		}
	}
	return out
}

// Changed reports whether a comparison holds any change.
func Changed(cs []Change) bool {
	for _, c := range cs {
		if c.Op != "same" {
			return true
		}
	}
	return false
}
