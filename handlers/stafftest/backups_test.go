package handlers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/store"
)

// recordBackup records a run as `portal backup` does.
func (h *harness) recordBackup(kind backup.Kind, run backup.Run) {
	h.t.Helper()
	if err := store.NewBackupRuns(h.db.DB).RecordBackup(context.Background(), kind, run); err != nil {
		h.t.Fatal(err)
	}
}

// backupWarning is the text of the staff home's backup warning ("" when there is none),
// after checking it is a section named by its own heading.
func backupWarning(t *testing.T, r *response) string {
	t.Helper()
	if r.Code != http.StatusOK {
		t.Fatalf("staff home: %d", r.Code)
	}
	sec := r.doc.Find("section#backup-warning")
	if sec.Length() == 0 {
		return ""
	}
	h2 := sec.Find("h2").First()
	if id, _ := h2.Attr("id"); id == "" || sec.AttrOr("aria-labelledby", "") != id {
		t.Fatalf("the backup warning is not a section labelled by its heading: %q / %q", sec.AttrOr("aria-labelledby", ""), id)
	}
	return strings.Join(strings.Fields(sec.Text()), " ")
}

// An administrator's staff home says, in words, when the data backups need attention:
// none ever succeeded, the last success is more than two days old, or the last run
// failed (when, and why). Other staff are not told, and a good night clears it.
func TestStaffHomeWarnsAdministratorsAboutBackups(t *testing.T) {
	h := newHarness(t)
	h.makeUser("adm@agency.example", "管理", staffPassword, account.RoleAdmin)
	h.makeUser("off@agency.example", "承辦", staffPassword, account.RoleOfficer)
	zh := h.signIn("adm@agency.example", staffPassword)
	en := h.signIn("adm@agency.example", staffPassword, english)
	off := h.signIn("off@agency.example", staffPassword)

	// Never: no backup has succeeded.
	never := map[*browser][]string{
		zh: {"警告：資料備份需要處理", "目前尚無任何一次成功的資料備份", "portal backup"},
		en: {"Warning: the data backups need attention", "No backup of the data has ever succeeded", "portal backup"},
	}
	for b, wants := range never {
		w := backupWarning(t, b.get("/staff"))
		for _, want := range wants {
			if !strings.Contains(w, want) {
				t.Errorf("no backup yet: the warning %q lacks %q", w, want)
			}
		}
	}
	if w := backupWarning(t, off.get("/staff")); w != "" {
		t.Errorf("an officer is shown the backup warning: %q", w)
	}

	// Last night's backup: nothing to say. A key store backup is not a data backup.
	now := h.clock.Now() // 2026-11-23 17:00 in Taipei
	night := now.Add(-14*time.Hour - 45*time.Minute)
	h.recordBackup(backup.Data, backup.Run{At: night, OK: true, Size: 4 << 20, Duration: 3 * time.Second})
	for _, b := range []*browser{zh, en} {
		if w := backupWarning(t, b.get("/staff")); w != "" {
			t.Errorf("warned after last night's backup: %q", w)
		}
	}

	// Two nights missed (signed in again: staff sessions end after 30 minutes idle).
	h.clock.Advance(2 * 24 * time.Hour)
	zh = h.signIn("adm@agency.example", staffPassword)
	en = h.signIn("adm@agency.example", staffPassword, english)
	if w := backupWarning(t, zh.get("/staff")); !strings.Contains(w, "最近一次成功的資料備份於 2026年11月23日 02:15 開始，距今已 2 天") {
		t.Errorf("two nights missed (zh-TW): %q", w)
	}
	if w := backupWarning(t, en.get("/staff")); !strings.Contains(w, "The last successful backup of the data was started 23 November 2026 02:15, 2 days ago") ||
		strings.Contains(w, "failed") {
		t.Errorf("two nights missed (en): %q", w)
	}

	// Tonight's run failed: when and why, as well as how old the last success is.
	reason := "cannot write /var/backups/portal/data-2026-11-25.tar.gz: open /var/backups/portal/data-2026-11-25.tar.gz.part: no space left on device"
	h.recordBackup(backup.Data, backup.Run{At: night.Add(48 * time.Hour), Duration: 40 * time.Millisecond, Error: reason})
	if w := backupWarning(t, zh.get("/staff")); !strings.Contains(w, "最近一次備份（2026年11月25日 02:15 開始）失敗。原因："+reason) || !strings.Contains(w, "距今已 2 天") {
		t.Errorf("a failed night (zh-TW): %q", w)
	}
	if w := backupWarning(t, en.get("/staff")); !strings.Contains(w, "The last backup, started 25 November 2026 02:15, failed. Reason given: "+reason) {
		t.Errorf("a failed night (en): %q", w)
	}

	// A success clears everything.
	h.recordBackup(backup.Data, backup.Run{At: h.clock.Now(), OK: true, Size: 4 << 20})
	if w := backupWarning(t, en.get("/staff")); w != "" {
		t.Errorf("warned after a successful backup: %q", w)
	}
	// A failure the night after a success is shown, without an age the success clears.
	h.recordBackup(backup.Data, backup.Run{At: h.clock.Now().Add(time.Hour), Error: "snapshot: database is locked"})
	if w := backupWarning(t, en.get("/staff")); !strings.Contains(w, "Reason given: snapshot: database is locked") || strings.Contains(w, "days ago") {
		t.Errorf("a failure after a success: %q", w)
	}
}

var backupAge = regexp.MustCompile(`(?m)^portal_backup_last_success_age_seconds (\S+)$`)

// /metrics gives the age of the last successful backup, +Inf before the first, so a
// single threshold alert catches both.
func TestMetricsBackupAge(t *testing.T) {
	h := newHarness(t)
	scrape := func() string {
		t.Helper()
		w := httptest.NewRecorder()
		h.srv.MetricsHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		m := backupAge.FindStringSubmatch(w.Body.String())
		if m == nil {
			t.Fatalf("no backup age in\n%s", w.Body.String())
		}
		return m[1]
	}
	if v := scrape(); v != "+Inf" {
		t.Fatalf("before any backup: %s, want +Inf", v)
	}
	h.recordBackup(backup.Data, backup.Run{At: h.clock.Now().Add(-50 * time.Hour), OK: true, Size: 1})
	h.recordBackup(backup.Data, backup.Run{At: h.clock.Now().Add(-time.Hour), Error: "disk full"})
	h.recordBackup(backup.Keys, backup.Run{At: h.clock.Now(), OK: true, Size: 1})
	if v, err := strconv.ParseFloat(scrape(), 64); err != nil || v != (50*time.Hour).Seconds() {
		t.Fatalf("age %v (%v), want %v: the last successful data backup", v, err, (50 * time.Hour).Seconds())
	}
}
