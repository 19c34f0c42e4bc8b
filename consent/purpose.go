package consent

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// Purpose is one specific purpose of collection the notice lists, with the official
// purpose and data-category codes (個人資料保護法之特定目的及個人資料之類別).
type Purpose struct {
	ID          string `json:"id"`   // stable slug, e.g. "newsletter"
	Code        string `json:"code"` // official purpose code, e.g. "040"
	Name        Text   `json:"name"`
	Description Text   `json:"description"`
	Required    bool   `json:"required"`
	// Outside marks a use outside the original purpose: it is asked in a separate
	// section with its own statement (Art. 7(2)).
	Outside       bool     `json:"outside,omitempty"`
	Categories    []string `json:"categories"` // official data-category codes, e.g. "C001"
	LegalBasis    Text     `json:"legal_basis"`
	Retention     Text     `json:"retention"`
	DeclineEffect Text     `json:"decline_effect,omitempty"` // optional purposes: what declining means
	// GPC: a Global Privacy Control signal counts as declining this purpose.
	GPC bool `json:"gpc,omitempty"`
	// Since is the notice version that introduced or last changed this purpose; people
	// whose decision is older are asked again.
	Since int `json:"since"`
}

//go:embed defaultpurposes.json
var defaultPurposes []byte

func loadDefaultPurposes() ([]Purpose, error) {
	var ps []Purpose
	if err := json.Unmarshal(defaultPurposes, &ps); err != nil {
		return nil, fmt.Errorf("default purposes: %w", err)
	}
	return ps, nil
}

// Purpose returns the notice's purpose with id, or nil.
func (n *Notice) Purpose(id string) *Purpose {
	for i := range n.Purposes {
		if n.Purposes[i].ID == id {
			return &n.Purposes[i]
		}
	}
	return nil
}
