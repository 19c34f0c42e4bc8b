package web

import (
	"encoding/csv"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// CSVFile is a CSV export being written: it starts with a byte-order mark so spreadsheet
// programs read the Chinese as UTF-8.
type CSVFile struct {
	b strings.Builder
	W *csv.Writer
}

func NewCSV() *CSVFile {
	f := &CSVFile{}
	f.b.WriteString("\ufeff")
	f.W = csv.NewWriter(&f.b)
	return f
}

// SendCSV answers with the file as a download that is never cached.
func (s *Core) SendCSV(c *gin.Context, name string, f *CSVFile) {
	f.W.Flush()
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", []byte(f.b.String()))
}

func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
