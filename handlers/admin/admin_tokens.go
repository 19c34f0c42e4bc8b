package admin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apitoken"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
)

// scopeOption is one scope checkbox of the issue form.
type scopeOption struct {
	Value   string // e.g. "consent:read"
	ID      string // the same, usable in an HTML id
	Key     string // catalogue key of its description
	Checked bool
}

type tokensPage struct {
	Prefix string
	Values map[string]string
	Scopes []scopeOption
	Rows   []*apitoken.Token
	// After issuing: the new token, shown this once.
	Created *apitoken.Token
	Secret  string
}

func scopeOptions(checked []string) []scopeOption {
	out := make([]scopeOption, len(apitoken.Scopes))
	for i, sc := range apitoken.Scopes {
		id := strings.NewReplacer(":", "-", ".", "-").Replace(string(sc))
		out[i] = scopeOption{Value: string(sc), ID: id, Key: "tokens.scope." + strings.ReplaceAll(id, "-", "_"), Checked: slices.Contains(checked, string(sc))}
	}
	return out
}

func (h *Handlers) loadTokensPage(c *gin.Context, p *tokensPage) error {
	rows, err := h.apiTokens.List(c.Request.Context())
	if err != nil {
		return err
	}
	p.Prefix, p.Rows = "tokens", rows
	if p.Scopes == nil {
		p.Scopes = scopeOptions(nil)
	}
	return nil
}

// TokensPage lists the API tokens with the form to issue one.
func (h *Handlers) TokensPage(c *gin.Context) error {
	var p tokensPage
	if err := h.loadTokensPage(c, &p); err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "tokens", h.View(c, "tokens.title", p))
	return nil
}

type tokenForm struct {
	Name   string   `form:"name" validate:"required,max=100" label:"tokens.name"`
	Scopes []string `form:"scopes" validate:"max=10,dive,max=40" label:"tokens.scopes"`
}

// Values is the form's text as typed, to show again (the scopes are its checkboxes).
func (f *tokenForm) Values() map[string]string { return map[string]string{"name": f.Name} }

// IssueToken creates a token and shows it once; only its hash is stored.
func (h *Handlers) IssueToken(c *gin.Context) error {
	var f tokenForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	p := tokensPage{Values: f.Values(), Scopes: scopeOptions(f.Scopes)}
	status := http.StatusBadRequest
	if len(inv.Problems) == 0 {
		scopes := make([]apitoken.Scope, len(f.Scopes))
		for i, sc := range f.Scopes {
			scopes[i] = apitoken.Scope(sc)
		}
		secret, t, err := apitoken.Issue(c.Request.Context(), h.apiTokens, f.Name, scopes, web.CurrentUser(c).ID, h.Now())
		if inv, err = web.Merge(inv, err); err != nil {
			return err
		}
		if len(inv.Problems) == 0 {
			p = tokensPage{Created: t, Secret: secret}
			status = http.StatusCreated
		}
	}
	if err := h.loadTokensPage(c, &p); err != nil {
		return err
	}
	v := h.View(c, "tokens.title", p)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	h.Render(c, status, "tokens", v)
	return nil
}

// RevokeToken stops a token at once. Pages name tokens by Ref, never the hash or token.
func (h *Handlers) RevokeToken(c *gin.Context) error {
	ref := c.Param("id")
	rows, err := h.apiTokens.List(c.Request.Context())
	if err != nil {
		return err
	}
	var hit *apitoken.Token
	for _, t := range rows {
		if len(ref) == 16 && t.Ref() == ref {
			hit = t
		}
	}
	if hit == nil {
		return apperr.ErrNotFound
	}
	// A revoked token cannot be restored: the calling system stops until given a new one.
	if hit.RevokedAt.IsZero() && !h.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.revoke_token_title", TextKey: "confirm.revoke_token_text", TextArgs: []any{hit.Name},
		Action: "/admin/tokens/" + ref + "/revoke", Back: "/admin/tokens"}) {
		return nil
	}
	if err := h.apiTokens.Revoke(c.Request.Context(), hit.Hash, h.Now()); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.token_revoked")
	c.Redirect(http.StatusSeeOther, "/admin/tokens")
	return nil
}
