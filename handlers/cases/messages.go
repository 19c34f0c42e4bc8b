package cases

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/casework"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/rights"
)

// PostMessage adds a message (with any files) to a request, from the requester or an
// officer; an officer's message is mailed to the requester. With problems, again
// shows the page the form was on, with what was typed (vals).
func (s *Cases) PostMessage(c *gin.Context, r *rights.Request, role string, again func(status int, vals map[string]string, inv *apperr.Invalid) error) error {
	var f MessageForm
	inv, err := s.Decode(c, &f)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	used, err := s.files.Used(ctx, r.Ref)
	if err != nil {
		return err
	}
	fhs, err := Uploads(c, used)
	if err != nil && !UploadProblem(inv, err) {
		return err
	}
	if strings.TrimSpace(f.Body) == "" && len(fhs) == 0 && len(inv.Problems) == 0 {
		inv.Add("body", "message.empty")
	}
	status := http.StatusBadRequest
	if len(fhs) > 0 && r.State.Ended() {
		// The request is over: its files are kept only for their retention period.
		inv.Add("files", "message.files_ended")
		status = http.StatusConflict
	}
	back := "/requests/" + r.Ref
	if rights.IsGuest(r.Subject) {
		back = "/guest/requests/" + r.Ref
	}
	if role == "officer" {
		back = "/officer/requests/" + r.Ref
	}
	render := func(status int, inv *apperr.Invalid) error {
		return again(status, f.Values(), inv)
	}
	if len(inv.Problems) > 0 {
		return render(status, inv)
	}
	_, err = s.casework.PostMessage(ctx, casework.Message{Request: r, Role: role, AuthorID: ActorID(c, r), Body: f.Body, Files: Checked(fhs)})
	if qe := (*rights.QuotaError)(nil); errors.As(err, &qe) {
		// Over the requester's quota, the page comes back with what was typed and says
		// which limit was reached.
		return render(http.StatusTooManyRequests, (&apperr.Invalid{}).Add("body", qe.Key, qe.Limit))
	} else if err != nil {
		return err
	}
	s.AddFlash(c, web.FlashSuccess, "flash.message_sent")
	c.Redirect(http.StatusSeeOther, back+"#messages")
	return nil
}
