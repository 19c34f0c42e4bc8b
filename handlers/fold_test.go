package handlers_test

import "github.com/example/pdpa-portal/templates"

// Every page a test renders is also rendered as written, without the words resolved at
// parse time, and the test fails on any difference: the whole suite checks the folding.
func init() { templates.VerifyFolding = true }
