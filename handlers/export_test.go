package handlers

import "github.com/example/pdpa-portal/handlers/admin"

// SetAuditCSVRows lowers the audit CSV's cap for a test and returns a func restoring it.
func SetAuditCSVRows(n int) (restore func()) {
	old := admin.AuditCSVRows
	admin.AuditCSVRows = n
	return func() { admin.AuditCSVRows = old }
}
