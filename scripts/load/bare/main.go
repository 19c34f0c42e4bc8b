// Command bare is the baseline for the page benchmarks: a plain Gin server rendering an
// html/template page of about the size of the portal's, with none of the portal's
// middleware, sessions or database.
//
//	go run ./scripts/load/bare -addr 127.0.0.1:8090 -home-bytes 9000 -privacy-bytes 30000
//	go run ./scripts/load/bare -page /cookies=12000 -page /privacy/files=8000   # any other path
//
// scripts/load/pages starts it beside the portal, with the sizes of the portal's pages.
package main

import (
	"flag"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

var page = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="zh-Hant-TW"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><nav><a href="/">首頁</a> <a href="/privacy">隱私權政策</a></nav></header>
<main><h1>{{.Title}}</h1>{{range .Paragraphs}}<p>{{.}}</p>
{{end}}</main><footer>範例市政府數位服務處</footer></body></html>`))

type data struct {
	Title      string
	Paragraphs []string
}

// content makes paragraphs adding up to about n bytes of text.
func content(title string, n int) data {
	const para = "本機關依個人資料保護法蒐集、處理及利用您的個人資料，並尊重您查詢、閱覽、複製、補充、更正、停止及刪除之權利。"
	d := data{Title: title}
	for size := 0; size < n; size += len(para) + 8 {
		d.Paragraphs = append(d.Paragraphs, para)
	}
	return d
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	home := flag.Int("home-bytes", 9000, "size of / in bytes")
	privacy := flag.Int("privacy-bytes", 30000, "size of /privacy in bytes")
	more := map[string]int{}
	flag.Func("page", "another page as path=bytes (repeatable)", func(v string) error {
		path, n, ok := strings.Cut(v, "=")
		size, err := strconv.Atoi(n)
		if !ok || err != nil || !strings.HasPrefix(path, "/") {
			return fmt.Errorf("want /path=bytes, got %q", v)
		}
		more[path] = size
		return nil
	})
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	pages := map[string]data{"/": content("個人資料權利服務網", *home), "/privacy": content("隱私權政策", *privacy)}
	for path, n := range more {
		pages[path] = content("個人資料權利服務網", n)
	}
	for path, d := range pages {
		r.GET(path, func(c *gin.Context) {
			var b strings.Builder
			if err := page.Execute(&b, d); err != nil {
				c.String(http.StatusInternalServerError, "template")
				return
			}
			c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
		})
	}
	r.GET("/readyz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ready"}) })
	_ = r.Run(*addr)
}
