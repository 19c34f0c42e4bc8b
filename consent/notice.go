// Package consent holds the privacy notice, its versions, purposes and consent records.
// It imports neither gin nor mongo.
package consent

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"
)

// Text is one wording in each language, keyed by language tag ("zh-TW", "en").
type Text map[string]string

// In returns the wording in lang, falling back to zh-TW, the portal's default.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t["zh-TW"]
}

// Block is a paragraph group or a list inside a notice section.
type Block struct {
	Kind  string `json:"kind"` // "p", "ul" or "ol"
	Items []Text `json:"items"`
}

// Section is one heading of the notice; Key names it ("agency", "purposes", ...).
type Section struct {
	Key     string  `json:"key"`
	Heading Text    `json:"heading"`
	Blocks  []Block `json:"blocks"`
}

// Notice is one version of the privacy notice.
type Notice struct {
	Version  int       `json:"version"`
	Title    Text      `json:"title"`
	Summary  Text      `json:"summary"`
	Intro    Text      `json:"intro"`
	Sections []Section `json:"sections"`
	// Purposes are the purposes this version asks consent for, as worded in it.
	Purposes    []Purpose `json:"purposes"`
	PublishedAt time.Time `json:"published_at"`
}

// Art8Sections are the six items PDPA Art. 8 requires, in the order the law lists them.
var Art8Sections = []string{"agency", "purposes", "categories", "use", "rights", "optional"}

// Notices stores notice versions.
type Notices interface {
	// Current returns the published version with the highest number; apperr.ErrNotFound if none.
	Current(ctx context.Context) (*Notice, error)
	// Publish stores n as a new version; apperr.ErrConflict if that version exists.
	Publish(ctx context.Context, n *Notice) error
	// Version returns one published version; apperr.ErrNotFound if there is none.
	Version(ctx context.Context, v int) (*Notice, error)
}

//go:embed defaultnotice.json
var defaultNotice []byte

// DefaultNotice is the demo agency's first notice, published on an empty database.
func DefaultNotice(now time.Time) (*Notice, error) {
	var n Notice
	var err error
	if err = json.Unmarshal(defaultNotice, &n); err != nil {
		return nil, fmt.Errorf("default notice: %w", err)
	}
	if n.Purposes, err = loadDefaultPurposes(); err != nil {
		return nil, err
	}
	n.PublishedAt = now
	return &n, nil
}
