package handlers

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz answers while the process runs.
func (s *Server) healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz answers 200 only while the database does, so a load balancer stops sending
// traffic to an instance that cannot serve it.
func (s *Server) readyz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	if s.preparing.Load() {
		c.Header("Retry-After", "30")
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "preparing the database"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "database unavailable"})
		return
	}
	// An instance that cannot write soon should get no new visitors: they would be the
	// ones refused.
	if s.disk.Low(ctx) {
		c.Header("Retry-After", "30")
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "low on disk space"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// gpc declares that the site honours Global Privacy Control.
func (s *Server) gpc(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.JSON(http.StatusOK, gin.H{"gpc": true, "lastUpdate": "2026-11-23"})
}

// whilePreparing answers 503 while the database is being prepared at start-up; liveness,
// readiness and the static files go on.
func (s *Server) whilePreparing(c *gin.Context) {
	if !s.preparing.Load() {
		return
	}
	switch p := c.Request.URL.Path; {
	case p == "/healthz", p == "/readyz", strings.HasPrefix(p, "/static/"):
		return
	}
	s.RenderError(c, http.StatusServiceUnavailable, "error.preparing")
}
