package handlers

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

func (s *Server) loadTokensPage(c *gin.Context, p *tokensPage) error {
	rows, err := s.APITokens.List(c.Request.Context())
	if err != nil {
		return err
	}
	p.Prefix, p.Rows = "tokens", rows
	if p.Scopes == nil {
		p.Scopes = scopeOptions(nil)
	}
	return nil
}

// tokensPage lists the API tokens with the form to issue one.
func (s *Server) tokensPage(c *gin.Context) {
	var p tokensPage
	if err := s.loadTokensPage(c, &p); err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "tokens", s.View(c, "tokens.title", p))
}

type tokenForm struct {
	Name   string   `form:"name" validate:"required,max=100" label:"tokens.name"`
	Scopes []string `form:"scopes" validate:"max=10,dive,max=40" label:"tokens.scopes"`
}

// issueToken creates a token and shows it once; only its hash is stored.
func (s *Server) issueToken(c *gin.Context) {
	var f tokenForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	p := tokensPage{Values: map[string]string{"name": f.Name}, Scopes: scopeOptions(f.Scopes)}
	status := http.StatusBadRequest
	if len(inv.Problems) == 0 {
		scopes := make([]apitoken.Scope, len(f.Scopes))
		for i, sc := range f.Scopes {
			scopes[i] = apitoken.Scope(sc)
		}
		secret, t, err := apitoken.Issue(c.Request.Context(), s.APITokens, f.Name, scopes, web.CurrentUser(c).ID, s.Now())
		if inv, err = web.Merge(inv, err); err != nil {
			s.Fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			p = tokensPage{Created: t, Secret: secret}
			status = http.StatusCreated
		}
	}
	if err := s.loadTokensPage(c, &p); err != nil {
		s.Fail(c, err)
		return
	}
	v := s.View(c, "tokens.title", p)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.Render(c, status, "tokens", v)
}

// revokeToken stops a token at once. Pages name tokens by Ref, never the hash or token.
func (s *Server) revokeToken(c *gin.Context) {
	ref := c.Param("id")
	rows, err := s.APITokens.List(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	var hit *apitoken.Token
	for _, t := range rows {
		if len(ref) == 16 && t.Ref() == ref {
			hit = t
		}
	}
	if hit == nil {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	// A revoked token cannot be restored: the calling system stops until given a new one.
	if hit.RevokedAt.IsZero() && !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.revoke_token_title", TextKey: "confirm.revoke_token_text", TextArgs: []any{hit.Name},
		Action: "/admin/tokens/" + ref + "/revoke", Back: "/admin/tokens"}) {
		return
	}
	if err := s.APITokens.Revoke(c.Request.Context(), hit.Hash, s.Now()); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.token_revoked")
	c.Redirect(http.StatusSeeOther, "/admin/tokens")
}
