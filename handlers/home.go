package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/rights"
)

type homePage struct {
	Rights []rightSummary
}

type rightSummary struct {
	Kind rights.Kind
	Days int
}

func (s *Server) home(c *gin.Context) {
	p := homePage{}
	for _, k := range rights.Kinds {
		p.Rights = append(p.Rights, rightSummary{Kind: k, Days: k.DecisionDays()})
	}
	v := s.View(c, "home.title", p)
	content := s.announced.Recent(c.Request.Context())
	v.Announcing = content != ""
	s.RenderPublic(c, "home", v, content)
}
