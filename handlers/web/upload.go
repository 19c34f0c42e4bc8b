package web

import "github.com/example/pdpa-portal/files"

// uploadRoutes accept multipart bodies up to the attachment cap plus the form's text;
// every other route keeps the small body limit.
var uploadRoutes = map[string]bool{
	"POST /requests":                      true,
	"POST /requests/:ref/messages":        true,
	"POST /officer/requests/:ref/:action": true,
	"POST /guest/requests":                true,
	"POST /officer/disclosures":           true,
	"POST /officer/disclosures/:id":       true,
	"POST /guest/requests/:ref/messages":  true,
	"POST /officer/intake":                true,
	"POST /officer/consents":              true,
}

// uploadMaxBody is the body limit of an upload route: 20 MB of files and room for the
// form's text and the multipart framing.
const uploadMaxBody = files.MaxPerRequest + 1<<20
