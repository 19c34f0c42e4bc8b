package web

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/forms"
)

// Decode decodes and validates a form: the problems the user can fix (empty when there
// are none), or the error that stops the form (413, a malformed body).
func (s *Core) Decode(c *gin.Context, dst any) (*apperr.Invalid, error) {
	err := forms.Decode(c.Request, dst, c.GetString(KeyLang))
	if err == nil {
		return &apperr.Invalid{}, nil
	}
	var inv *apperr.Invalid
	if errors.As(err, &inv) {
		if slices.ContainsFunc(inv.Problems, func(p apperr.Problem) bool { return p.Key == forms.KeyUploadCut }) {
			// The server cancels a request whose body read failed; the form still has to
			// be answered, with what was typed (LimitBody ends this context).
			ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 30*time.Second)
			c.Request = c.Request.WithContext(ctx)
			c.Set(keyDetached, cancel)
		}
		return inv, nil
	}
	return nil, err
}

// keyDetached holds the cancel function of a request context detached from the
// connection (Decode), called once the handler is done.
const keyDetached = "detached"

// AddOnce adds a problem unless the field already has one: one message per field.
func AddOnce(inv *apperr.Invalid, field, key string, args ...any) {
	for _, p := range inv.Problems {
		if p.Field == field {
			return
		}
	}
	inv.Add(field, key, args...)
}

// InFormOrder sorts problems into the order of the form's fields (dst's struct fields),
// so the summary reads top to bottom like the form; problems of no field come first.
func InFormOrder(inv *apperr.Invalid, dst any) {
	rank := map[string]int{}
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("form"), ",")
		rank[name] = i + 1
	}
	sort.SliceStable(inv.Problems, func(i, j int) bool { return rank[inv.Problems[i].Field] < rank[inv.Problems[j].Field] })
}

// Merge adds the domain's problems to the form's, keeping one problem per field.
func Merge(inv *apperr.Invalid, err error) (*apperr.Invalid, error) {
	var more *apperr.Invalid
	if !errors.As(err, &more) {
		return inv, err
	}
	seen := map[string]bool{}
	for _, p := range inv.Problems {
		seen[p.Field] = true
	}
	for _, p := range more.Problems {
		if p.Field == "" || !seen[p.Field] {
			inv.Problems = append(inv.Problems, p)
			seen[p.Field] = true
		}
	}
	return inv, nil
}
