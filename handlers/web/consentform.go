package web

import (
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/consent"
)

// PurposeGroups splits a notice's purposes the way the form shows them: required ones,
// optional ones, and uses outside the original purpose in their own section (Art. 7(2)).
type PurposeGroups struct {
	Required, Optional, Outside []consent.Purpose
}

func GroupPurposes(n *consent.Notice, only []string) PurposeGroups {
	var g PurposeGroups
	for _, p := range n.Purposes {
		if only != nil && !slices.Contains(only, p.ID) {
			continue
		}
		switch {
		case p.Outside:
			g.Outside = append(g.Outside, p)
		case p.Required:
			g.Required = append(g.Required, p)
		default:
			g.Optional = append(g.Optional, p)
		}
	}
	return g
}

// ConsentForm is the purpose part of the sign-up and review forms: the required
// purposes with one acknowledgement, the optional ones a checkbox each.
type ConsentForm struct {
	Notice       *consent.Notice
	Groups       PurposeGroups
	Checked      map[string]bool
	Acknowledged bool
}

func NewConsentForm(n *consent.Notice, only []string, ticked []string, acknowledged bool) ConsentForm {
	f := ConsentForm{Notice: n, Groups: GroupPurposes(n, only), Checked: map[string]bool{}, Acknowledged: acknowledged}
	for _, id := range ticked {
		f.Checked[id] = true
	}
	return f
}

// ConsentDecision builds the consent decision from the ticked boxes and the acknowledgement.
func ConsentDecision(c *gin.Context, n *consent.Notice, ticked []string, acknowledged bool, only []string) consent.Decision {
	granted := map[string]bool{}
	for _, id := range ticked {
		granted[id] = true
	}
	return consent.Decision{Notice: n, Lang: c.GetString(KeyLang), Granted: granted, Acknowledged: acknowledged,
		Channel: consent.ChannelWeb, GPC: GPC(c.Request), Only: only}
}
