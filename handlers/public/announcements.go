package public

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/incident"
)

// The public announcements of incidents (ER Art. 22): for people the agency could not
// tell one by one, the facts and the measures, in the reader's language.

type announcementsPage struct {
	Announcements []*incident.Incident
}

type announcementPage struct {
	Incident       *incident.Incident
	What, Measures string
}

// AnnouncementsList lists every published announcement, newest first.
func (h *Handlers) AnnouncementsList(c *gin.Context) error {
	list, _, err := h.announced.List(c.Request.Context())
	if err != nil {
		return err
	}
	v := h.View(c, "announce.list_title", announcementsPage{Announcements: list})
	v.Announcing = true
	h.Render(c, http.StatusOK, "announcements", v)
	return nil
}

// AnnouncementPage shows one announcement; an incident not announced is not found.
func (h *Handlers) AnnouncementPage(c *gin.Context) error {
	i, err := h.incidents.Get(c.Request.Context(), c.Param("id"))
	if err == nil && !i.Announced() {
		err = apperr.ErrNotFound
	}
	if err != nil {
		return err
	}
	p := announcementPage{Incident: i}
	p.What, p.Measures = i.Texts(c.GetString(web.KeyLang))
	v := h.View(c, "announce.title", p)
	v.Announcing = true
	h.Render(c, http.StatusOK, "announcement", v)
	return nil
}
