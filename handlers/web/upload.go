package web

import "github.com/example/pdpa-portal/files"

// uploadMaxBody is the body limit of an upload route: 20 MB of files and room for the
// form's text and the multipart framing.
const uploadMaxBody = files.MaxPerRequest + 1<<20
