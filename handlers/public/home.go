package public

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

func (h *Handlers) Home(c *gin.Context) error {
	p := homePage{}
	for _, k := range rights.Kinds {
		p.Rights = append(p.Rights, rightSummary{Kind: k, Days: k.DecisionDays()})
	}
	v := h.View(c, "home.title", p)
	content := h.announced.Recent(c.Request.Context())
	v.Announcing = content != ""
	h.RenderPublic(c, "home", v, content)
	return nil
}
