package handlers

import (
	"encoding/csv"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/backup"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/rights"
)

// staffHomePage is the staff home: for administrators, a warning about the backups.
type staffHomePage struct {
	Backup *backupWarning
	Disk   *diskWarning
	Locked []account.LockedAccount // staff accounts locked by failed sign-ins
	// CalendarMissing is next year, from 1 November while its calendar lists no date:
	// requests filed in December fall due in January, on holidays nobody loaded.
	CalendarMissing int
	// Counts are the open requests needing attention, for officers and administrators.
	Counts *requestCounts
}

// requestCounts are the staff home's figures on the open requests: all of them, and
// those assigned to the person looking.
type requestCounts = rights.Attention

// backupWarning is why the data backups need attention.
type backupWarning struct {
	backup.Attention
	backup.Status
	Days int // whole days since the last success started
}

// staffHome is the starting page of every staff member: the areas their roles open.
// Administrators are the ones to notice that the nightly backup stopped working: the
// operator's cron mail is easily ignored, this page is not.
func (s *Server) staffHome(c *gin.Context) {
	var p staffHomePage
	if u := currentUser(c); s.Backups != nil && u != nil && u.Has(account.RoleAdmin) {
		st, err := s.Backups.BackupStatus(c.Request.Context(), backup.Data)
		if err != nil {
			s.fail(c, err)
			return
		}
		now := s.Now()
		if a := st.Attention(now); a.Any() {
			p.Backup = &backupWarning{Attention: a, Status: st, Days: int(now.Sub(st.LastOK.At) / (24 * time.Hour))}
		}
	}
	if u := currentUser(c); u != nil && u.Has(account.RoleAdmin) {
		p.Disk = s.diskWarningFor(c.Request.Context())
		locked, err := s.Accounts.LockedStaff(c.Request.Context())
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Locked = locked
	}
	if u := currentUser(c); u != nil && (u.Has(account.RoleAdmin) || u.Has(account.RoleOfficer)) {
		counts, err := rights.CountAttention(c.Request.Context(), s.Requests, s.Fulfil, rights.DateOf(s.Now()), u.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Counts = &counts
		if today := rights.DateOf(s.Now()); today.Month >= time.November {
			next, err := s.Calendar.List(c.Request.Context(), today.Year+1)
			if err != nil {
				s.fail(c, err)
				return
			}
			if len(next) == 0 {
				p.CalendarMissing = today.Year + 1
			}
		}
	}
	s.render(c, http.StatusOK, "staff_home", s.view(c, "staff.title", p))
}

// staffRow is one staff account as the list and the review show it.
type staffRow = account.StaffMember

type staffListPage struct {
	Rows      []staffRow
	Reviews   []*account.Review
	NextDue   time.Time
	Overdue   bool
	DueSoon   bool
	NoReviews bool
}

// staffList is the administrator's list of staff accounts with the review status.
func (s *Server) staffList(c *gin.Context) {
	st, err := s.Accounts.ReviewStatus(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	p := staffListPage{Rows: st.Staff, Reviews: st.Reviews, NoReviews: len(st.Reviews) == 0, NextDue: st.NextDue, Overdue: st.Overdue, DueSoon: st.DueSoon}
	s.render(c, http.StatusOK, "staff_list", s.view(c, "staff.list_title", p))
}

type reviewForm struct {
	Note string `form:"note" validate:"max=500" label:"review.note"`
}

// recordReview records that the signed-in administrator reviewed every staff account.
func (s *Server) recordReview(c *gin.Context) {
	var f reviewForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.fail(c, inv)
		return
	}
	if _, err := s.Accounts.RecordReview(c.Request.Context(), currentUser(c), f.Note); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.review_recorded")
	c.Redirect(http.StatusSeeOther, "/admin/staff")
}

// staffCSV exports the staff accounts for the review file. Cells that a spreadsheet
// would run as a formula are prefixed with an apostrophe.
func (s *Server) staffCSV(c *gin.Context) {
	rows, err := s.Accounts.StaffList(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	v := s.textView(c)
	out := newCSV()
	w := out.w
	_ = w.Write([]string{v.T("staff.col.name"), v.T("staff.col.email"), v.T("staff.col.roles"), v.T("staff.col.created"),
		v.T("staff.col.last_sign_in"), v.T("staff.col.expires"), v.T("staff.col.state")})
	for _, r := range rows {
		roles := make([]string, len(r.Roles))
		for i, ro := range r.Roles {
			roles[i] = v.T("role." + string(ro))
		}
		_ = w.Write([]string{csvCell(r.Name), csvCell(r.Email), strings.Join(roles, v.T("list.sep")), isoDate(r.Created),
			isoDate(r.LastSignIn), isoDate(r.Expires), v.T(stateKey(r))})
	}
	s.sendCSV(c, "staff-accounts-"+twtime.Day(s.Now())+".csv", out)
}

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
func (s *Server) sendCSV(c *gin.Context, name string, f *csvFile) {
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

func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return twtime.Day(t)
}

func stateKey(r staffRow) string {
	switch {
	case r.Disabled:
		return "staff.state.disabled"
	case r.Expired:
		return "staff.state.expired"
	case r.Locked:
		return "staff.state.locked"
	default:
		return "staff.state.active"
	}
}

// staffForm is the create and edit form of a staff account.
type staffForm struct {
	Email      string    `form:"email" validate:"omitempty,email,max=254" label:"staff.email"`
	Name       string    `form:"name" validate:"required,max=100" label:"staff.name"`
	Roles      []string  `form:"roles" validate:"max=3,dive,oneof=officer webmaster administrator" label:"staff.roles"`
	Contractor bool      `form:"contractor"`
	Expires    time.Time `form:"expires" label:"staff.expires"`
	Disabled   bool      `form:"disabled"`
	Version    int64     `form:"version"`
}

func (f *staffForm) input() account.StaffInput {
	roles := make([]account.Role, len(f.Roles))
	for i, r := range f.Roles {
		roles[i] = account.Role(r)
	}
	exp := f.Expires
	if !exp.IsZero() {
		// The account works through the whole expiry day, Taiwan time.
		exp = time.Date(exp.Year(), exp.Month(), exp.Day(), 0, 0, 0, 0, taipei).AddDate(0, 0, 1)
	}
	return account.StaffInput{Email: f.Email, Name: f.Name, Roles: roles, Contractor: f.Contractor, Expires: exp, Disabled: f.Disabled}
}

type staffFormPage struct {
	Prefix   string
	Values   map[string]string
	Roles    []account.Role
	Checked  map[account.Role]bool
	Contract bool
	Disabled bool
	Version  int64
	// On the edit page:
	User     *account.User
	Own      bool // the administrator's own account: roles, expiry and contractor status are another's to change
	Locked   bool
	Sessions []*account.Session
	// After creating or resetting: the temporary password, shown once.
	TempPassword string
	UnlockCode   string
}

func (s *Server) newStaffPage(c *gin.Context) {
	p := staffFormPage{Prefix: "staff", Roles: account.Roles, Checked: map[account.Role]bool{}}
	s.render(c, http.StatusOK, "staff_new", s.view(c, "staff.new_title", p))
}

func checkedRoles(roles []string) map[account.Role]bool {
	m := map[account.Role]bool{}
	for _, r := range roles {
		m[account.Role(r)] = true
	}
	return m
}

func dateValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(taipei).AddDate(0, 0, -1).Format("2006-01-02")
}

// createStaff opens a staff account and shows its temporary password once.
func (s *Server) createStaff(c *gin.Context) {
	var f staffForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if f.Email == "" {
		inv.Add("email", "field.required")
	}
	if len(inv.Problems) == 0 {
		u, temp, err := s.Accounts.CreateStaff(c.Request.Context(), f.input())
		if inv, err = merge(inv, err); err != nil {
			s.fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			p := staffFormPage{User: u, TempPassword: temp}
			s.render(c, http.StatusCreated, "staff_created", s.view(c, "staff.created_title", p))
			return
		}
	}
	p := staffFormPage{Prefix: "staff", Roles: account.Roles, Checked: checkedRoles(f.Roles), Contract: f.Contractor,
		Values: map[string]string{"email": f.Email, "name": f.Name, "expires": formDate(f.Expires)}}
	v := s.view(c, "staff.new_title", p)
	inFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.render(c, http.StatusBadRequest, "staff_new", v)
}

func formDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// findUser looks an account up by e-mail address (an _id lookup) for an administrator.
func (s *Server) findUser(c *gin.Context) {
	email := strings.TrimSpace(c.Query("email"))
	if email == "" || len(email) > 254 {
		s.render(c, http.StatusOK, "user_find", s.view(c, "user_find.title", formPage{Prefix: "user_find"}))
		return
	}
	u, err := s.Users.ByEmail(c.Request.Context(), email)
	if errors.Is(err, apperr.ErrNotFound) {
		v := s.view(c, "user_find.title", formPage{Prefix: "user_find", Values: map[string]string{"email": email}})
		v.Problems = []apperr.Problem{{Field: "email", Key: "user_find.none"}}
		s.render(c, http.StatusNotFound, "user_find", v)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
}

// userByParam loads the account named in the path. Ids are opaque: a malformed one is
// simply not found.
func (s *Server) userByParam(c *gin.Context) (*account.User, bool) {
	id := c.Param("id")
	if len(id) > 40 || !strings.HasPrefix(id, "u_") {
		s.fail(c, apperr.ErrNotFound)
		return nil, false
	}
	u, err := s.Users.ByID(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return u, true
}

// userPage shows one account to an administrator: its state, sessions and, for staff,
// the edit form.
func (s *Server) userPage(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	p, err := s.userFormPage(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "user", s.view(c, "user.title", p))
}

func (s *Server) userFormPage(c *gin.Context, u *account.User) (staffFormPage, error) {
	ctx := c.Request.Context()
	locked, err := s.Accounts.Locked(ctx, u.Email)
	if err != nil {
		return staffFormPage{}, err
	}
	sessions, err := s.Sessions.ForUser(ctx, u.ID)
	if err != nil {
		return staffFormPage{}, err
	}
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return staffFormPage{
		Prefix: "staff", Roles: account.Roles, Checked: checkedRoles(roles), Contract: u.Contractor, Disabled: u.Disabled,
		Version: u.Version, User: u, Own: u.ID == currentUser(c).ID, Locked: locked, Sessions: sessions,
		Values: map[string]string{"name": u.Name, "expires": dateValue(u.Expires)},
	}, nil
}

// updateStaff saves roles, expiry and state. Someone else's change in the meantime is
// reported rather than overwritten.
func (s *Server) updateStaff(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	if !u.IsStaff() {
		s.fail(c, apperr.ErrNotFound)
		return
	}
	var f staffForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) == 0 {
		_, err := s.Accounts.UpdateStaff(c.Request.Context(), currentUser(c).ID, u.ID, f.Version, f.input())
		if errors.Is(err, apperr.ErrStale) {
			inv.Add("", "staff.stale")
			err = nil
		}
		if inv, err = merge(inv, err); err != nil {
			s.fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			s.addFlash(c, flashSuccess, "flash.staff_saved")
			c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
			return
		}
	}
	p, err := s.userFormPage(c, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Checked, p.Contract, p.Disabled = checkedRoles(f.Roles), f.Contractor, f.Disabled
	p.Values = map[string]string{"name": f.Name, "expires": formDate(f.Expires)}
	v := s.view(c, "user.title", p)
	inFormOrder(inv, &f)
	v.Problems = inv.Problems
	status := http.StatusBadRequest
	if slices.ContainsFunc(inv.Problems, func(p apperr.Problem) bool { return p.Key == "staff.stale" }) {
		status = http.StatusConflict
	}
	s.render(c, status, "user", v)
}

// unlockUser clears an account's failed sign-ins.
func (s *Server) unlockUser(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	if _, err := s.Accounts.Unlock(c.Request.Context(), u.ID); err != nil {
		s.fail(c, err)
		return
	}
	s.addFlash(c, flashSuccess, "flash.unlocked")
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
}

// issueUnlockCode shows a one-time unlock code for a staff account, once.
func (s *Server) issueUnlockCode(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	nu, code, err := s.Accounts.IssueUnlockCode(c.Request.Context(), u.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "staff_created", s.view(c, "user.unlock_code_title", staffFormPage{User: nu, UnlockCode: code}))
}

// resetStaffPassword issues a new temporary password for a staff account.
func (s *Server) resetStaffPassword(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	nu, temp, err := s.Accounts.IssueTemporaryPassword(c.Request.Context(), u.ID, c.PostForm("confirm") == "yes")
	switch {
	case errors.Is(err, account.ErrConfirmFirst):
		// The holder is signed out and their password stops working: ask first.
		s.confirmed(c, confirmPage{TitleKey: "confirm.reset_password_title", TextKey: "confirm.reset_password_text", TextArgs: []any{u.Email},
			Action: "/admin/users/" + u.ID + "/password", Back: "/admin/users/" + u.ID})
	case err != nil:
		s.fail(c, err)
	default:
		s.render(c, http.StatusOK, "staff_created", s.view(c, "staff.temp_title", staffFormPage{User: nu, TempPassword: temp}))
	}
}

type revokeForm struct {
	Session string `form:"session" validate:"max=64" label:"user.sessions"`
}

// revokeSessions ends one session of an account, or all of them.
func (s *Server) revokeSessions(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	var f revokeForm
	inv, ok := s.bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.fail(c, inv)
		return
	}
	err := s.Accounts.EndSessions(c.Request.Context(), u.ID, f.Session, c.PostForm("confirm") == "yes")
	title, text, flash := "confirm.end_session_title", "confirm.end_session_text", "flash.session_revoked"
	if f.Session == "" {
		title, text, flash = "confirm.end_sessions_title", "confirm.end_sessions_text", "flash.sessions_revoked"
	}
	switch {
	case errors.Is(err, account.ErrConfirmFirst):
		s.confirmed(c, confirmPage{TitleKey: title, TextKey: text, TextArgs: []any{u.Email},
			Action: "/admin/users/" + u.ID + "/sessions", Back: "/admin/users/" + u.ID})
	case err != nil:
		s.fail(c, err)
	default:
		s.addFlash(c, flashSuccess, flash)
		c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
	}
}

// sessionRef is how pages name a session: a prefix of its stored hash, never the
// cookie's token.
func sessionRef(se *account.Session) string { return se.Ref() }

// SessionRef is sessionRef for templates.
func (v *View) SessionRef(se *account.Session) string { return sessionRef(se) }

// DateTime formats a moment in Taiwan time.
func (v *View) DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return v.Date(t) + " " + t.In(taipei).Format("15:04")
}
