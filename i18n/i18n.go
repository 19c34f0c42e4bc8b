// Package i18n holds the message catalogues (zh-TW, the default, and en) and picks the
// visitor's language. All user-facing text comes from the catalogues.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// Languages the portal speaks, default first.
const (
	ZH = "zh-TW"
	EN = "en"
)

// Supported lists the language tags in order of preference.
var Supported = []string{ZH, EN}

//go:embed locales/*.json
var files embed.FS

// Catalog maps language → key → message. Messages may hold fmt verbs for arguments.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load reads the embedded catalogues.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, lang := range Supported {
		b, err := files.ReadFile("locales/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", lang, err)
		}
		c.msgs[lang] = m
	}
	return c, nil
}

// MustLoad is Load for tests and start-up, where a broken catalogue is a build defect.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// T returns the message for key in lang, formatted with args. A missing key returns the
// key itself so a gap is visible, never a blank.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang][key]
	if !ok {
		if m, ok = c.msgs[ZH][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Has reports whether lang defines key.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Keys returns the sorted keys of lang.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var matcher = language.NewMatcher([]language.Tag{language.MustParse(ZH), language.English})

// Match picks the best supported language for an Accept-Language header; zh-TW when
// nothing matches.
func Match(acceptLanguage string) string {
	if acceptLanguage == "" {
		return ZH
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return ZH
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return ZH
	}
	return Supported[idx]
}

// Normalize returns the supported tag for a user-chosen value such as "en" or "zh-tw",
// or "" if it is not supported.
func Normalize(s string) string {
	for _, l := range Supported {
		if strings.EqualFold(s, l) {
			return l
		}
	}
	return ""
}
