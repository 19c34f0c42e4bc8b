package handlers

import (
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// csvFile is a CSV export being written: it starts with a byte-order mark so spreadsheet
// programs read the Chinese as UTF-8.
type csvFile struct {
	b strings.Builder
	w *csv.Writer
}

func newCSV() *csvFile {
	f := &csvFile{}
	f.b.WriteString("\ufeff")
	f.w = csv.NewWriter(&f.b)
	return f
}

// sendCSV answers with the file as a download that is never cached.
func (s *Core) sendCSV(c *gin.Context, name string, f *csvFile) {
	f.w.Flush()
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", []byte(f.b.String()))
}

func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
