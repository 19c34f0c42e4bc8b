package officer

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// fulfil carries out a decided request (casework.Service.Fulfil says how); an erasure
// is asked for confirmation first.
func (h *Handlers) fulfil(c *gin.Context, r *rights.Request, f *officerActForm, vals map[string]string) error {
	res, err := h.casework.Fulfil(c.Request.Context(), casework.FulfilCommand{Ref: r.Ref, Version: f.Version, Officer: web.CurrentUser(c).ID,
		Note: f.FulfilNote, Lang: c.GetString(web.KeyLang), Confirmed: c.PostForm("confirm") == "yes"})
	var ask *casework.ConfirmFirst
	if errors.As(err, &ask) {
		h.AskConfirm(c, web.ConfirmPage{TitleKey: "confirm.erase_title", TextKey: "confirm.erase_text", TextArgs: []any{r.Ref},
			Action: "/officer/requests/" + r.Ref + "/fulfil", Back: "/officer/requests/" + r.Ref})
		return nil
	}
	if err != nil {
		return h.actError(c, r, "fulfil", vals, err)
	}
	h.actDone(c, r, res)
	return nil
}

// eraseAgain finishes an erasure that failed half-way, after a confirmation.
func (h *Handlers) eraseAgain(c *gin.Context, r *rights.Request) error {
	res, err := h.casework.EraseAgain(c.Request.Context(), casework.EraseCommand{Ref: r.Ref, Confirmed: c.PostForm("confirm") == "yes"})
	var ask *casework.ConfirmFirst
	if errors.As(err, &ask) {
		h.AskConfirm(c, web.ConfirmPage{TitleKey: "confirm.erase_title", TextKey: "confirm.erase_text", TextArgs: []any{r.Ref},
			Action: "/officer/requests/" + r.Ref + "/erase", Back: "/officer/requests/" + r.Ref})
		return nil
	}
	if err != nil {
		return h.actError(c, r, "erase", nil, err)
	}
	h.actDone(c, r, res)
	return nil
}

// actDone says what the action did and goes back to the request.
func (h *Handlers) actDone(c *gin.Context, r *rights.Request, res casework.Result) {
	kind := web.FlashSuccess
	if res.Flash.Error {
		kind = web.FlashError
	}
	h.AddFlashArgs(c, kind, res.Flash.Key, res.Flash.Args...)
	c.Redirect(http.StatusSeeOther, "/officer/requests/"+r.Ref)
}
