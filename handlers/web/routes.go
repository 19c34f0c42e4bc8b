package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// RouteProps are what the route table declares of a route beside its handlers; the
// middleware reads them from the matched route.
type RouteProps struct {
	// Title is a counted page's title key, naming it in the traffic report.
	Title string
	// Upload: the route takes multipart bodies up to the attachment cap plus the form's
	// text; every other route keeps the small body limit.
	Upload bool
	// Unaudited: the request changes nothing of anyone's (the analytics cookie choice),
	// so it is never an event.
	Unaudited bool
	// AnonymousNoOp: from a visitor nobody has signed in as, the request changes nothing
	// stored, so it is no event (it would only bury the ones that are).
	AnonymousNoOp bool
	// Uncounted: the route is never a page view (staff pages, the API, machine endpoints).
	Uncounted bool
	// StaffViews: staff opening one record here (the route names it), exporting a list
	// (CSV) or searching one is an event, as reading people's data at work is accounted for.
	StaffViews bool
}

// SetRoutes gives the core the route table's properties, keyed by method and pattern
// ("POST /requests"); called once, before the first request.
func (s *Core) SetRoutes(props map[string]*RouteProps) { s.routes = props }

// route is the properties of the request's route (none when no route matched).
func (s *Core) route(c *gin.Context) RouteProps { return s.RouteProps(c.Request.Method, c.FullPath()) }

// RouteProps are what the route table declares of the route of method and pattern.
func (s *Core) RouteProps(method, pattern string) RouteProps {
	if p := s.routes[method+" "+pattern]; p != nil {
		return *p
	}
	return RouteProps{}
}

// PageTitle is the title key of the counted page at the route pattern path ("" if none).
func (s *Core) PageTitle(path string) string {
	if p := s.routes[http.MethodGet+" "+path]; p != nil {
		return p.Title
	}
	return ""
}

// PageTitles are the counted pages' title keys by route pattern.
func (s *Core) PageTitles() map[string]string {
	out := map[string]string{}
	for k, p := range s.routes {
		if path, ok := cutMethod(k, http.MethodGet); ok && p.Title != "" {
			out[path] = p.Title
		}
	}
	return out
}

func cutMethod(key, method string) (string, bool) {
	if len(key) > len(method)+1 && key[:len(method)+1] == method+" " {
		return key[len(method)+1:], true
	}
	return "", false
}
