package web

import (
	"html/template"
	"strconv"

	"github.com/example/pdpa-portal/analytics"
)

// CellText is a figure as shown: the number, "< k" below the threshold, or "—" when
// withheld to protect a smaller one.
func CellText(c analytics.Cell, k int) string {
	switch c.State {
	case analytics.Below:
		return "< " + strconv.Itoa(k)
	case analytics.Withheld:
		return "—"
	}
	return GroupDigits(c.Value)
}

// ExplainCell gives a hidden figure's text its explanation, which screen readers speak
// instead of "less than" or a dash.
func ExplainCell(v *View, c analytics.Cell, k int, text string) template.HTML {
	var title string
	switch c.State {
	case analytics.Below:
		title = v.T("traffic.hidden_below", k)
	case analytics.Withheld:
		title = v.T("traffic.hidden_withheld")
	default:
		return template.HTML(template.HTMLEscapeString(text)) // #nosec G203 -- escaped here
	}
	return template.HTML(`<abbr title="` + template.HTMLEscapeString(title) + `">` + template.HTMLEscapeString(text) + `</abbr>`) // #nosec G203 -- both strings escaped here
}

func GroupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
