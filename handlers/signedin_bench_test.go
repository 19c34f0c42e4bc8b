package handlers_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// The signed-in pages the load script measures (scripts/load/pages): a citizen's
// /account and /requests, an officer's queue, on a small agency (60 open requests, 20 of
// them the citizen's). Each sub-benchmark also reports the database commands one page
// sends, and prints them once by kind. Each page is followed by bare_<page>: plain Gin
// rendering a page of the same size as scripts/load/bare does, so the two ns/op of one
// run give the ratio the load script reports, without the network and wrk:
//
//	go test ./handlers -run '^$' -bench BenchmarkSignedIn -cpuprofile cpu.out
func BenchmarkSignedIn(b *testing.B) {
	withHarness(b, func(t *testing.T, h *harness) {
		seedRequests(t, h, 100, 60)
		off := h.signIn("off@agency.example", staffPassword)
		citizen := h.signIn("c0@example.tw", citizenPassword)
		for _, p := range []struct {
			name   string
			as     *browser
			target string
		}{
			{"account", citizen, "/account"},
			{"requests", citizen, "/requests"},
			{"queue", off, "/officer/queue"},
		} {
			rec := httptest.NewRecorder()
			if serveRequestTo(h, p.as, rec, p.target); rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", p.target, rec.Code)
			}
			bare := barePage(rec.Body.Len())
			b.Run(p.name, func(b *testing.B) {
				h.db.Commands()
				for b.Loop() {
					if code := serveOnly(h, p.as, p.target); code != http.StatusOK {
						b.Fatalf("GET %s: %d", p.target, code)
					}
				}
				cmds := h.db.Commands()
				var total int
				var kinds []string
				for k, n := range cmds {
					total += n
					kinds = append(kinds, fmt.Sprintf("%s %.1f", k, float64(n)/float64(b.N)))
				}
				sort.Strings(kinds)
				b.ReportMetric(float64(total)/float64(b.N), "db-commands/page")
				fmt.Fprintf(os.Stderr, "%s: %s\n", p.target, strings.Join(kinds, "; "))
			})
			b.Run("bare_"+p.name, func(b *testing.B) {
				for b.Loop() {
					rec := httptest.NewRecorder()
					bare.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				}
			})
		}
	})
}

func serveRequestTo(h *harness, b *browser, rec *httptest.ResponseRecorder, target string) {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range b.jar {
		req.AddCookie(c)
	}
	for _, o := range b.opts {
		o(req)
	}
	h.h.ServeHTTP(rec, req)
}

// bareTemplate is scripts/load/bare's page: the baseline the load script compares with.
var bareTemplate = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><nav><a href="/">首頁</a> <a href="/privacy">隱私權政策</a></nav></header>
<main><h1>{{.Title}}</h1>{{range .Paragraphs}}<p>{{.}}</p>
{{end}}</main><footer>範例市政府數位服務處</footer></body></html>`))

// barePage is a plain Gin handler rendering about n bytes, as scripts/load/bare does.
func barePage(n int) http.Handler {
	const para = "本機關依個人資料保護法蒐集、處理及利用您的個人資料，並尊重您查詢、閱覽、複製、補充、更正、停止及刪除之權利。"
	var d struct {
		Title      string
		Paragraphs []string
	}
	d.Title = "個人資料權利服務網"
	for size := 0; size < n; size += len(para) + 8 {
		d.Paragraphs = append(d.Paragraphs, para)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/", func(c *gin.Context) {
		var b strings.Builder
		if err := bareTemplate.Execute(&b, d); err != nil {
			c.String(http.StatusInternalServerError, "template")
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
	})
	return r
}
