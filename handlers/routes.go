package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes is the one route table.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = true
	proxies := make([]string, len(s.opt.TrustedProxies))
	for i, p := range s.opt.TrustedProxies {
		proxies[i] = p.String()
	}
	if len(proxies) == 0 {
		proxies = nil
	}
	_ = r.SetTrustedProxies(proxies) // already validated by the configuration

	r.Use(s.recoverer, s.accessLog, s.securityHeaders, s.limitBody, s.language)

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/.well-known/gpc.json", s.gpc)
	r.GET("/static/:hash/*path", s.static)
	r.GET("/lang", s.switchLanguage)

	site := r.Group("/", s.session)
	site.GET("/", s.home)
	site.GET("/privacy", s.privacy)
	site.GET("/setup", s.setupForm)
	site.POST("/setup", s.setupSubmit)
	site.POST("/signout", s.signOut)

	r.NoRoute(func(c *gin.Context) { s.renderError(c, http.StatusNotFound, "") })
	r.NoMethod(func(c *gin.Context) { s.renderError(c, http.StatusMethodNotAllowed, "") })
	return r
}
