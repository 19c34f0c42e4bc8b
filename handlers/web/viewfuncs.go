package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/letters"
	"github.com/example/pdpa-portal/rights"
)

// SessionRef is how pages name a session: a prefix of its stored hash, never the
// cookie's token.
func SessionRef(se *account.Session) string { return se.Ref() }

// SessionRef is the package's SessionRef, for templates.
func (v *View) SessionRef(se *account.Session) string { return SessionRef(se) }

// DateTime formats a moment in Taiwan time.
func (v *View) DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return v.Date(t) + " " + t.In(twtime.Zone).Format("15:04")
}

// Size formats a file size for people.
func (v *View) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1023)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// LetterDate writes a date as the page's letters do: the ROC calendar in Chinese.
func (v *View) LetterDate(t time.Time) string { return letters.Date(t, v.Lang) }

// PurposeName is a purpose's name in the page's language (its id if it is no longer in
// the catalogue).
func (v *View) PurposeName(id string, names map[string]consent.Text) string {
	if n, ok := names[id]; ok {
		return n.In(v.Lang)
	}
	return id
}

// ItemName names a decision item in the page's language.
func (v *View) ItemName(key string, names map[string]consent.Text) string {
	switch {
	case strings.HasPrefix(key, "purpose:"):
		id := strings.TrimPrefix(key, "purpose:")
		if n, ok := names[id]; ok {
			return v.T("item.purpose", n.In(v.Lang))
		}
		return v.T("item.purpose", id)
	case strings.HasPrefix(key, "field:"):
		return v.T("item.field", v.T("request.field."+strings.TrimPrefix(key, "field:")))
	}
	return v.T("item." + key)
}

// DaysLeft and DueStatus let templates describe a deadline in words as well as colour.
func (v *View) DaysLeft(due, today rights.Date) int { return rights.DaysLeft(due, today) }

func (v *View) DueStatus(due, today rights.Date) string {
	return string(rights.Status(due, today))
}

// dict builds a map for passing several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// hasRole lets templates ask about a role by name.
func hasRole(u *account.User, role string) bool { return u != nil && u.Has(account.Role(role)) }

// known keeps a family the catalogues name ("chrome", "windows") and drops "other".
func known(family string) string {
	if family == "other" {
		return ""
	}
	return family
}

// Device words a session's browser and system in the page's language.
func (v *View) Device(se *account.Session) string {
	switch {
	case se.Browser != "" && se.OS != "":
		return v.T("sessions.device", v.T("traffic.browser."+se.Browser), v.T("traffic.os."+se.OS))
	case se.Browser != "":
		return v.T("traffic.browser." + se.Browser)
	case se.OS != "":
		return v.T("sessions.device_os", v.T("traffic.os."+se.OS))
	}
	return v.T("sessions.device_unknown")
}

// RouteTitle is the title key the route table gives the counted page at the pattern
// path ("" if none).
func (v *View) RouteTitle(path string) string { return v.s.PageTitle(path) }
