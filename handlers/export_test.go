package handlers

// SetAuditCSVRows lowers the audit CSV's cap for a test and returns a func restoring it.
func SetAuditCSVRows(n int) (restore func()) {
	old := auditCSVRows
	auditCSVRows = n
	return func() { auditCSVRows = old }
}
