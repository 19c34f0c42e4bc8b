package handlers

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/ids"
	"github.com/example/pdpa-portal/internal/twtime"
)

// staffRow is one staff account as the list and the review show it.
type staffRow struct {
	*account.User
	Locked  bool
	Expired bool
}

type staffListPage struct {
	Rows      []staffRow
	Reviews   []*account.Review
	NextDue   time.Time
	Overdue   bool
	DueSoon   bool
	NoReviews bool
}

func (s *Server) loadStaff(c *gin.Context) ([]staffRow, error) {
	ctx := c.Request.Context()
	users, err := s.Users.Staff(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Created.Before(users[j].Created) })
	now := s.Now()
	rows := make([]staffRow, len(users))
	for i, u := range users {
		locked, err := s.Accounts.Locked(ctx, u.Email)
		if err != nil {
			return nil, err
		}
		rows[i] = staffRow{User: u, Locked: locked, Expired: u.Expired(now)}
	}
	return rows, nil
}

// staffList is the administrator's list of staff accounts with the review status.
func (s *Server) staffList(c *gin.Context) {
	rows, err := s.loadStaff(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	reviews, err := s.Reviews.List(c.Request.Context(), 10)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := staffListPage{Rows: rows, Reviews: reviews, NoReviews: len(reviews) == 0}
	var last *account.Review
	if len(reviews) > 0 {
		last = reviews[0]
	}
	users := make([]*account.User, len(rows))
	for i := range rows {
		users[i] = rows[i].User
	}
	p.NextDue = account.NextReviewDue(last, users)
	now := s.Now()
	p.Overdue = !p.NextDue.IsZero() && now.After(p.NextDue)
	p.DueSoon = !p.Overdue && !p.NextDue.IsZero() && p.NextDue.Sub(now) < 30*24*time.Hour
	s.Render(c, http.StatusOK, "staff_list", s.View(c, "staff.list_title", p))
}

type reviewForm struct {
	Note string `form:"note" validate:"max=500" label:"review.note"`
}

// recordReview records that the signed-in administrator reviewed every staff account.
func (s *Server) recordReview(c *gin.Context) {
	var f reviewForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.Fail(c, inv)
		return
	}
	rows, err := s.loadStaff(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	u := web.CurrentUser(c)
	rv := &account.Review{ID: ids.New("rv"), ReviewerID: u.ID, ReviewerName: u.Name, At: s.Now(), Accounts: len(rows), Note: f.Note}
	if err := s.Reviews.Record(c.Request.Context(), rv); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.review_recorded")
	c.Redirect(http.StatusSeeOther, "/admin/staff")
}

// staffCSV exports the staff accounts for the review file. Cells that a spreadsheet
// would run as a formula are prefixed with an apostrophe.
func (s *Server) staffCSV(c *gin.Context) {
	rows, err := s.loadStaff(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	v := s.TextView(c)
	out := web.NewCSV()
	w := out.W
	_ = w.Write([]string{v.T("staff.col.name"), v.T("staff.col.email"), v.T("staff.col.roles"), v.T("staff.col.created"),
		v.T("staff.col.last_sign_in"), v.T("staff.col.expires"), v.T("staff.col.state")})
	for _, r := range rows {
		roles := make([]string, len(r.Roles))
		for i, ro := range r.Roles {
			roles[i] = v.T("role." + string(ro))
		}
		_ = w.Write([]string{web.CSVCell(r.Name), web.CSVCell(r.Email), strings.Join(roles, v.T("list.sep")), isoDate(r.Created),
			isoDate(r.LastSignIn), isoDate(r.Expires), v.T(stateKey(r))})
	}
	s.SendCSV(c, "staff-accounts-"+twtime.Day(s.Now())+".csv", out)
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
		exp = time.Date(exp.Year(), exp.Month(), exp.Day(), 0, 0, 0, 0, web.Taipei).AddDate(0, 0, 1)
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
	s.Render(c, http.StatusOK, "staff_new", s.View(c, "staff.new_title", p))
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
	return t.In(web.Taipei).AddDate(0, 0, -1).Format("2006-01-02")
}

// createStaff opens a staff account and shows its temporary password once.
func (s *Server) createStaff(c *gin.Context) {
	var f staffForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if f.Email == "" {
		inv.Add("email", "field.required")
	}
	if len(inv.Problems) == 0 {
		u, temp, err := s.Accounts.CreateStaff(c.Request.Context(), f.input())
		if inv, err = web.Merge(inv, err); err != nil {
			s.Fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			p := staffFormPage{User: u, TempPassword: temp}
			s.Render(c, http.StatusCreated, "staff_created", s.View(c, "staff.created_title", p))
			return
		}
	}
	p := staffFormPage{Prefix: "staff", Roles: account.Roles, Checked: checkedRoles(f.Roles), Contract: f.Contractor,
		Values: map[string]string{"email": f.Email, "name": f.Name, "expires": web.FormDate(f.Expires)}}
	v := s.View(c, "staff.new_title", p)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	s.Render(c, http.StatusBadRequest, "staff_new", v)
}

// userFindPage is the search form for an account: what was typed, and the prefix of
// its field labels.
type userFindPage struct {
	Prefix string
	Values map[string]string
}

// findUser looks an account up by e-mail address (an _id lookup) for an administrator.
func (s *Server) findUser(c *gin.Context) {
	email := strings.TrimSpace(c.Query("email"))
	if email == "" || len(email) > 254 {
		s.Render(c, http.StatusOK, "user_find", s.View(c, "user_find.title", userFindPage{Prefix: "user_find"}))
		return
	}
	u, err := s.Users.ByEmail(c.Request.Context(), email)
	if errors.Is(err, apperr.ErrNotFound) {
		v := s.View(c, "user_find.title", userFindPage{Prefix: "user_find", Values: map[string]string{"email": email}})
		v.Problems = []apperr.Problem{{Field: "email", Key: "user_find.none"}}
		s.Render(c, http.StatusNotFound, "user_find", v)
		return
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
}

// userByParam loads the account named in the path. Ids are opaque: a malformed one is
// simply not found.
func (s *Server) userByParam(c *gin.Context) (*account.User, bool) {
	id := c.Param("id")
	if len(id) > 40 || !strings.HasPrefix(id, "u_") {
		s.Fail(c, apperr.ErrNotFound)
		return nil, false
	}
	u, err := s.Users.ByID(c.Request.Context(), id)
	if err != nil {
		s.Fail(c, err)
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
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "user", s.View(c, "user.title", p))
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
		Version: u.Version, User: u, Own: u.ID == web.CurrentUser(c).ID, Locked: locked, Sessions: sessions,
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
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	var f staffForm
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) == 0 {
		_, err := s.Accounts.UpdateStaff(c.Request.Context(), web.CurrentUser(c).ID, u.ID, f.Version, f.input())
		if errors.Is(err, apperr.ErrStale) {
			inv.Add("", "staff.stale")
			err = nil
		}
		if inv, err = web.Merge(inv, err); err != nil {
			s.Fail(c, err)
			return
		}
		if len(inv.Problems) == 0 {
			s.AddFlash(c, web.FlashSuccess, "flash.staff_saved")
			c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
			return
		}
	}
	p, err := s.userFormPage(c, u)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p.Checked, p.Contract, p.Disabled = checkedRoles(f.Roles), f.Contractor, f.Disabled
	p.Values = map[string]string{"name": f.Name, "expires": web.FormDate(f.Expires)}
	v := s.View(c, "user.title", p)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	status := http.StatusBadRequest
	if slices.ContainsFunc(inv.Problems, func(p apperr.Problem) bool { return p.Key == "staff.stale" }) {
		status = http.StatusConflict
	}
	s.Render(c, status, "user", v)
}

// unlockUser clears an account's failed sign-ins.
func (s *Server) unlockUser(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	if _, err := s.Accounts.Unlock(c.Request.Context(), u.ID); err != nil {
		s.Fail(c, err)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.unlocked")
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
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "staff_created", s.View(c, "user.unlock_code_title", staffFormPage{User: nu, UnlockCode: code}))
}

// resetStaffPassword issues a new temporary password for a staff account.
func (s *Server) resetStaffPassword(c *gin.Context) {
	u, ok := s.userByParam(c)
	if !ok {
		return
	}
	if !u.IsStaff() {
		s.Fail(c, apperr.ErrNotFound)
		return
	}
	// The holder is signed out and their password stops working: ask first.
	if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.reset_password_title", TextKey: "confirm.reset_password_text", TextArgs: []any{u.Email},
		Action: "/admin/users/" + u.ID + "/password", Back: "/admin/users/" + u.ID}) {
		return
	}
	nu, temp, err := s.Accounts.ResetStaffPassword(c.Request.Context(), u.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "staff_created", s.View(c, "staff.temp_title", staffFormPage{User: nu, TempPassword: temp}))
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
	inv, ok := s.Bind(c, &f)
	if !ok {
		return
	}
	if len(inv.Problems) > 0 {
		s.Fail(c, inv)
		return
	}
	ctx := c.Request.Context()
	if f.Session == "" {
		if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.end_sessions_title", TextKey: "confirm.end_sessions_text", TextArgs: []any{u.Email},
			Action: "/admin/users/" + u.ID + "/sessions", Back: "/admin/users/" + u.ID}) {
			return
		}
		if err := s.Sessions.DeleteForUser(ctx, u.ID, ""); err != nil {
			s.Fail(c, err)
			return
		}
	} else {
		// Only a session of this account: the id comes from the form.
		sessions, err := s.Sessions.ForUser(ctx, u.ID)
		if err != nil {
			s.Fail(c, err)
			return
		}
		if !slices.ContainsFunc(sessions, func(se *account.Session) bool { return web.SessionRef(se) == f.Session }) {
			s.Fail(c, apperr.ErrNotFound)
			return
		}
		if !s.Confirmed(c, web.ConfirmPage{TitleKey: "confirm.end_session_title", TextKey: "confirm.end_session_text", TextArgs: []any{u.Email},
			Action: "/admin/users/" + u.ID + "/sessions", Back: "/admin/users/" + u.ID}) {
			return
		}
		for _, se := range sessions {
			if web.SessionRef(se) == f.Session {
				if err := s.Sessions.Delete(ctx, se.ID); err != nil {
					s.Fail(c, err)
					return
				}
			}
		}
		s.AddFlash(c, web.FlashSuccess, "flash.session_revoked")
		c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
		return
	}
	s.AddFlash(c, web.FlashSuccess, "flash.sessions_revoked")
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
}
