package handlers

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

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
	list, _, err := s.announcements(c.Request.Context())
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
type announcementCache struct {
	mu     sync.Mutex
	list   []*incident.Incident
	recent bool
	at     time.Time
	gen    uint64
}

func (s *Server) announcements(ctx context.Context) ([]*incident.Incident, bool, error) {
	s.announced.mu.Lock()
	list, recent, at, gen := s.announced.list, s.announced.recent, s.announced.at, s.announced.gen
	s.announced.mu.Unlock()
	if age := s.Now().Sub(at); !at.IsZero() && age >= 0 && age < web.NoticeCacheTTL {
		return list, recent, nil
	}
	all, err := s.Incidents.List(ctx)
	if err != nil {
		return nil, false, err
	}
	list, recent = incident.Announcements(all, s.Now())
	s.announced.mu.Lock()
	if s.announced.gen == gen {
		s.announced.list, s.announced.recent, s.announced.at = list, recent, s.Now()
	}
	s.announced.mu.Unlock()
	return list, recent, nil
}

// recentAnnouncement is the version of the home page's footer: "" when no announcement
// is recent enough to be linked. A failure to read leaves the link out rather than the
// home page.
func (s *Server) recentAnnouncement(ctx context.Context) string {
	list, recent, err := s.announcements(ctx)
	if err != nil {
		s.Log.Warn("announcements not read for the home page", "err", err)
		return ""
	}
	if !recent {
		return ""
	}
	return "announce:" + list[0].ID + ":" + strconv.Itoa(len(list))
}

func (s *Server) forgetAnnouncements() {
	s.announced.mu.Lock()
	s.announced.list, s.announced.at = nil, time.Time{}
	s.announced.gen++
	s.announced.mu.Unlock()
}
