package handlers

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// Nothing irreversible happens in one click: an action that cannot be undone first
// answers with a page that states its consequences and repeats the form with
// confirm=yes; only that second submission acts. Without the field nothing changes.

// confirmPage is what the confirmation shows: the consequences and the form to resend.
type confirmPage struct {
	TitleKey, TextKey string
	TextArgs          []any
	Lines             []string   // worded details listed under the text (a decision's items)
	Action            string     // where the confirmed form is sent
	Fields            url.Values // the first form's fields, sent again with confirm=yes
	Back              string     // where "cancel" leads, nothing done
}

// confirmed reports whether the request carries confirm=yes; when it does not, it
// renders the confirmation page for p (with the request's own fields) and returns false.
// Call it after the request was checked (owner, state) and before anything changes.
func (s *Server) confirmed(c *gin.Context, p confirmPage) bool {
	if c.PostForm("confirm") == "yes" {
		return true
	}
	p.Fields = url.Values{}
	for k, vs := range c.Request.PostForm {
		if k != "confirm" {
			p.Fields[k] = vs
		}
	}
	s.render(c, http.StatusOK, "confirm", s.view(c, p.TitleKey, p))
	return false
}
