// Package static embeds the stylesheets, scripts and images and names each by a hash of
// its content, so browsers may cache them for a year.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

//go:embed css img
var Files embed.FS

// Hashes maps each file path ("css/site.css") to the first 12 hex digits of its SHA-256.
func Hashes() (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := Files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[p] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return out, err
}
