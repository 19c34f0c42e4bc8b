// Package background marks the work no page waits for: a retention run, the mail
// worker, a backup, a verification of the audit trail. Such work may read every
// document of a collection; a page may not (store.Query.Problem).
package background

import "context"

type key struct{}

// Job returns ctx marked as the named background job's.
func Job(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, key{}, name)
}

// Name is the background job ctx belongs to, or "" on a request path.
func Name(ctx context.Context) string {
	s, _ := ctx.Value(key{}).(string)
	return s
}
