package handlers

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

// announcementsList lists every published announcement, newest first.
func (s *Server) announcementsList(c *gin.Context) {
	list, _, err := s.announced.List(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	v := s.View(c, "announce.list_title", announcementsPage{Announcements: list})
	v.Announcing = true
	s.Render(c, http.StatusOK, "announcements", v)
}

// announcementPage shows one announcement; an incident not announced is not found.
func (s *Server) announcementPage(c *gin.Context) {
	i, err := s.Incidents.Get(c.Request.Context(), c.Param("id"))
	if err == nil && !i.Announced() {
		err = apperr.ErrNotFound
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := announcementPage{Incident: i}
	p.What, p.Measures = i.Texts(c.GetString(web.KeyLang))
	v := s.View(c, "announce.title", p)
	v.Announcing = true
	s.Render(c, http.StatusOK, "announcement", v)
}

// announcementCache keeps the published announcements as the notice is kept
// (noticeCacheTTL): the home page asks on every view whether one is recent.
