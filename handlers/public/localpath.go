package public

import (
	"net/url"
	"strings"
)

// localPath returns next if it is a path on this site, else fallback: a sign-in link
// must not become an open redirect. Browsers drop tabs and line breaks and read "\" as
// "/", so any control character or backslash disqualifies the path, and the result must
// parse with neither scheme nor host.
func localPath(next, fallback string) string {
	if next == "" || len(next) > 500 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return next
}
