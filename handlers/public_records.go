package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/inventory"
	"github.com/example/pdpa-portal/rights"
)

// publicFeesPage is the fee schedule as anyone may read it before filing.
type publicFeesPage struct {
	Items []rights.FeeItem
	Pay   rights.PaymentInfo
}

// publicFees shows what view and copy cost and how fees are paid (Art. 14: the schedule
// is public before anyone files).
func (s *Server) publicFees(c *gin.Context) {
	ctx := c.Request.Context()
	items, err := s.Fees.Fees(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	pay, err := s.Fees.PaymentInfo(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "fees_public", s.View(c, "fees.public_title", publicFeesPage{Items: items, Pay: pay}))
}

// publicFiles is the published inventory (/privacy/files).
func (s *Server) publicFiles(c *gin.Context) {
	fs, version, err := s.inventory.Files(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.RenderPublic(c, "files_public", s.View(c, "inventory.public_title", publicFilesPage{Files: fs}), version)
}

// dismissNotice hides the banner: recorded as an acknowledgement for a signed-in user,
// remembered in a cookie for a visitor.
func (s *Server) dismissNotice(c *gin.Context) {
	n, err := s.CurrentNotice(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	if u := web.CurrentUser(c); u != nil {
		if err := s.Acks.Ack(c.Request.Context(), u.ID, n.Version, s.Now()); err != nil {
			s.Fail(c, err)
			return
		}
	} else {
		s.SetCookie(c, web.NoticeSeenCookie, strconv.Itoa(n.Version), 365*24*3600)
	}
	c.Redirect(http.StatusSeeOther, web.LocalPath(c.PostForm("next"), "/"))
}

type changesPage struct {
	Versions []*consent.Notice
}

// noticeChanges lists every published version with its summary of changes.
func (s *Server) noticeChanges(c *gin.Context) {
	vs, err := s.Drafts.Versions(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "notice_changes", s.View(c, "changes.title", changesPage{Versions: vs}))
}

// transparency is the public page of the same aggregates, when administrators publish
// it: counts per month and kind only, nothing about any one request.
func (s *Server) transparency(c *gin.Context) {
	on, err := s.stats.Published(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	if !on {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	p, inv, err := s.stats.Load(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if inv == nil {
		p.Public = web.ProtectStats(p, s.Opt.AnalyticsK)
	}
	s.stats.Page(c, "transparency", "transparency.title", p, inv)
}

// publicFilesPage is the public list of the agency's personal data files.
type publicFilesPage struct {
	Files []*inventory.File
}
