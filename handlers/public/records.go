package public

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

// PublicFees shows what view and copy cost and how fees are paid (Art. 14: the schedule
// is public before anyone files).
func (h *Handlers) PublicFees(c *gin.Context) error {
	ctx := c.Request.Context()
	items, err := h.fees.Fees(ctx)
	if err != nil {
		return err
	}
	pay, err := h.fees.PaymentInfo(ctx)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "fees_public", h.View(c, "fees.public_title", publicFeesPage{Items: items, Pay: pay}))
	return nil
}

// PublicFiles is the published inventory (/privacy/files).
func (h *Handlers) PublicFiles(c *gin.Context) error {
	fs, version, err := h.inventory.Files(c.Request.Context())
	if err != nil {
		return err
	}
	h.RenderPublic(c, "files_public", h.View(c, "inventory.public_title", publicFilesPage{Files: fs}), version)
	return nil
}

// DismissNotice hides the banner: recorded as an acknowledgement for a signed-in user,
// remembered in a cookie for a visitor.
func (h *Handlers) DismissNotice(c *gin.Context) error {
	n, err := h.CurrentNotice(c.Request.Context())
	if err != nil {
		return err
	}
	if u := web.CurrentUser(c); u != nil {
		if err := h.Acks.Ack(c.Request.Context(), u.ID, n.Version, h.Now()); err != nil {
			return err
		}
	} else {
		h.SetCookie(c, web.NoticeSeenCookie, strconv.Itoa(n.Version), 365*24*3600)
	}
	c.Redirect(http.StatusSeeOther, localPath(c.PostForm("next"), "/"))
	return nil
}

type changesPage struct {
	Versions []*consent.Notice
}

// NoticeChanges lists every published version with its summary of changes.
func (h *Handlers) NoticeChanges(c *gin.Context) error {
	vs, err := h.drafts.Versions(c.Request.Context())
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "notice_changes", h.View(c, "changes.title", changesPage{Versions: vs}))
	return nil
}

// Transparency is the public page of the same aggregates, when administrators publish
// it: counts per month and kind only, nothing about any one request.
func (h *Handlers) Transparency(c *gin.Context) error {
	on, err := h.stats.Published(c.Request.Context())
	if err != nil {
		return err
	}
	if !on {
		return apperr.ErrNotFound
	}
	p, inv, err := h.stats.Load(c)
	if err != nil {
		return err
	}
	if inv == nil {
		p.Public = &web.PublicStats{PublicStats: rights.ProtectStats(p.Rows, p.Totals, p.All, h.Opt.AnalyticsK)}
	}
	h.stats.Page(c, "transparency", "transparency.title", p, inv)
	return nil
}

// publicFilesPage is the public list of the agency's personal data files.
type publicFilesPage struct {
	Files []*inventory.File
}
