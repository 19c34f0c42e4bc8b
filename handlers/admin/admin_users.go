package admin

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/account"
	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/twtime"
)

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

// StaffList is the administrator's list of staff accounts with the review status.
func (h *Handlers) StaffList(c *gin.Context) error {
	st, err := h.Accounts.ReviewStatus(c.Request.Context())
	if err != nil {
		return err
	}
	p := staffListPage{Rows: st.Staff, Reviews: st.Reviews, NoReviews: len(st.Reviews) == 0, NextDue: st.NextDue, Overdue: st.Overdue, DueSoon: st.DueSoon}
	h.Render(c, http.StatusOK, "staff_list", h.View(c, "staff.list_title", p))
	return nil
}

type reviewForm struct {
	Note string `form:"note" validate:"max=500" label:"review.note"`
}

// RecordReview records that the signed-in administrator reviewed every staff account.
func (h *Handlers) RecordReview(c *gin.Context) error {
	var f reviewForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	if _, err := h.Accounts.RecordReview(c.Request.Context(), web.CurrentUser(c), f.Note); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.review_recorded")
	c.Redirect(http.StatusSeeOther, "/admin/staff")
	return nil
}

// StaffCSV exports the staff accounts for the review file. Cells that a spreadsheet
// would run as a formula are prefixed with an apostrophe.
func (h *Handlers) StaffCSV(c *gin.Context) error {
	rows, err := h.Accounts.StaffList(c.Request.Context())
	if err != nil {
		return err
	}
	v := h.TextView(c)
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
	h.SendCSV(c, "staff-accounts-"+twtime.Day(h.Now())+".csv", out)
	return nil
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
		exp = time.Date(exp.Year(), exp.Month(), exp.Day(), 0, 0, 0, 0, twtime.Zone).AddDate(0, 0, 1)
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

func (h *Handlers) NewStaffPage(c *gin.Context) error {
	p := staffFormPage{Prefix: "staff", Roles: account.Roles, Checked: map[account.Role]bool{}}
	h.Render(c, http.StatusOK, "staff_new", h.View(c, "staff.new_title", p))
	return nil
}

func checkedRoles(roles []string) map[account.Role]bool {
	m := map[account.Role]bool{}
	for _, r := range roles {
		m[account.Role(r)] = true
	}
	return m
}

// Values is the form's text fields as typed, to show again (roles and states are its
// checkboxes).
func (f *staffForm) Values() map[string]string {
	return map[string]string{"email": f.Email, "name": f.Name, "expires": web.FormDate(f.Expires)}
}

// staffFormOf is the edit form filled from the account. The expiry stored is the end of
// access; the form shows the last day it works (input adds the day back).
func staffFormOf(u *account.User) *staffForm {
	f := &staffForm{Email: u.Email, Name: u.Name, Contractor: u.Contractor, Disabled: u.Disabled, Version: u.Version}
	for _, r := range u.Roles {
		f.Roles = append(f.Roles, string(r))
	}
	if !u.Expires.IsZero() {
		f.Expires = u.Expires.In(twtime.Zone).AddDate(0, 0, -1)
	}
	return f
}

// CreateStaff opens a staff account and shows its temporary password once.
func (h *Handlers) CreateStaff(c *gin.Context) error {
	var f staffForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if f.Email == "" {
		inv.Add("email", "field.required")
	}
	if len(inv.Problems) == 0 {
		u, temp, err := h.Accounts.CreateStaff(c.Request.Context(), f.input())
		if inv, err = web.Merge(inv, err); err != nil {
			return err
		}
		if len(inv.Problems) == 0 {
			p := staffFormPage{User: u, TempPassword: temp}
			h.Render(c, http.StatusCreated, "staff_created", h.View(c, "staff.created_title", p))
			return nil
		}
	}
	p := staffFormPage{Prefix: "staff", Roles: account.Roles, Checked: checkedRoles(f.Roles), Contract: f.Contractor,
		Values: f.Values()}
	v := h.View(c, "staff.new_title", p)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	h.Render(c, http.StatusBadRequest, "staff_new", v)
	return nil
}

// userFindPage is the search form for an account: what was typed, and the prefix of
// its field labels.
type userFindPage struct {
	Prefix string
	Values map[string]string
}

// FindUser looks an account up by e-mail address (an _id lookup) for an administrator.
func (h *Handlers) FindUser(c *gin.Context) error {
	email := strings.TrimSpace(c.Query("email"))
	if email == "" || len(email) > 254 {
		h.Render(c, http.StatusOK, "user_find", h.View(c, "user_find.title", userFindPage{Prefix: "user_find"}))
		return nil
	}
	u, err := h.Users.ByEmail(c.Request.Context(), email)
	if errors.Is(err, apperr.ErrNotFound) {
		v := h.View(c, "user_find.title", userFindPage{Prefix: "user_find", Values: map[string]string{"email": email}})
		v.Problems = []apperr.Problem{{Field: "email", Key: "user_find.none"}}
		h.Render(c, http.StatusNotFound, "user_find", v)
		return nil
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
	return nil
}

// userByParam loads the account named in the path. Ids are opaque: a malformed one is
// simply not found.
func (h *Handlers) userByParam(c *gin.Context) (*account.User, error) {
	id := c.Param("id")
	if len(id) > 40 || !strings.HasPrefix(id, "u_") {
		return nil, apperr.ErrNotFound
	}
	u, err := h.Users.ByID(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserPage shows one account to an administrator: its state, sessions and, for staff,
// the edit form.
func (h *Handlers) UserPage(c *gin.Context) error {
	u, err := h.userByParam(c)
	if err != nil {
		return err
	}
	p, err := h.userFormPage(c, u)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "user", h.View(c, "user.title", p))
	return nil
}

func (h *Handlers) userFormPage(c *gin.Context, u *account.User) (staffFormPage, error) {
	ctx := c.Request.Context()
	locked, err := h.Accounts.Locked(ctx, u.Email)
	if err != nil {
		return staffFormPage{}, err
	}
	sessions, err := h.Sessions.ForUser(ctx, u.ID)
	if err != nil {
		return staffFormPage{}, err
	}
	f := staffFormOf(u)
	return staffFormPage{
		Prefix: "staff", Roles: account.Roles, Checked: checkedRoles(f.Roles), Contract: f.Contractor, Disabled: f.Disabled,
		Version: f.Version, User: u, Own: u.ID == web.CurrentUser(c).ID, Locked: locked, Sessions: sessions,
		Values: f.Values(),
	}, nil
}

// UpdateStaff saves roles, expiry and state. Someone else's change in the meantime is
// reported rather than overwritten.
func (h *Handlers) UpdateStaff(c *gin.Context) error {
	u, err := h.userByParam(c)
	if err != nil {
		return err
	}
	if !u.IsStaff() {
		return apperr.ErrNotFound
	}
	var f staffForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) == 0 {
		_, err := h.Accounts.UpdateStaff(c.Request.Context(), web.CurrentUser(c).ID, u.ID, f.Version, f.input())
		if errors.Is(err, apperr.ErrStale) {
			inv.Add("", "staff.stale")
			err = nil
		}
		if inv, err = web.Merge(inv, err); err != nil {
			return err
		}
		if len(inv.Problems) == 0 {
			h.AddFlash(c, web.FlashSuccess, "flash.staff_saved")
			c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
			return nil
		}
	}
	p, err := h.userFormPage(c, u)
	if err != nil {
		return err
	}
	p.Checked, p.Contract, p.Disabled = checkedRoles(f.Roles), f.Contractor, f.Disabled
	p.Values = f.Values()
	v := h.View(c, "user.title", p)
	web.InFormOrder(inv, &f)
	v.Problems = inv.Problems
	status := http.StatusBadRequest
	if slices.ContainsFunc(inv.Problems, func(p apperr.Problem) bool { return p.Key == "staff.stale" }) {
		status = http.StatusConflict
	}
	h.Render(c, status, "user", v)
	return nil
}

// UnlockUser clears an account's failed sign-ins.
func (h *Handlers) UnlockUser(c *gin.Context) error {
	u, err := h.userByParam(c)
	if err != nil {
		return err
	}
	if _, err := h.Accounts.Unlock(c.Request.Context(), u.ID); err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.unlocked")
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
	return nil
}

// IssueUnlockCode shows a one-time unlock code for a staff account, once.
func (h *Handlers) IssueUnlockCode(c *gin.Context) error {
	u, err := h.userByParam(c)
	if err != nil {
		return err
	}
	nu, code, err := h.Accounts.IssueUnlockCode(c.Request.Context(), u.ID)
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "staff_created", h.View(c, "user.unlock_code_title", staffFormPage{User: nu, UnlockCode: code}))
	return nil
}

// ResetStaffPassword issues a new temporary password for a staff account.
func (h *Handlers) ResetStaffPassword(c *gin.Context) error {
	u, err := h.userByParam(c)
	if err != nil {
		return err
	}
	nu, temp, err := h.Accounts.IssueTemporaryPassword(c.Request.Context(), u.ID, c.PostForm("confirm") == "yes")
	switch {
	case errors.Is(err, account.ErrConfirmFirst):
		// The holder is signed out and their password stops working: ask first.
		h.AskConfirm(c, web.ConfirmPage{TitleKey: "confirm.reset_password_title", TextKey: "confirm.reset_password_text", TextArgs: []any{u.Email},
			Action: "/admin/users/" + u.ID + "/password", Back: "/admin/users/" + u.ID})
		return nil
	case err != nil:
		return err
	}
	h.Render(c, http.StatusOK, "staff_created", h.View(c, "staff.temp_title", staffFormPage{User: nu, TempPassword: temp}))
	return nil
}

type revokeForm struct {
	Session string `form:"session" validate:"max=64" label:"user.sessions"`
}

// RevokeSessions ends one session of an account, or all of them.
func (h *Handlers) RevokeSessions(c *gin.Context) error {
	u, err := h.userByParam(c)
	if err != nil {
		return err
	}
	var f revokeForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		return inv
	}
	err = h.Accounts.EndSessions(c.Request.Context(), u.ID, f.Session, c.PostForm("confirm") == "yes")
	title, text, flash := "confirm.end_session_title", "confirm.end_session_text", "flash.session_revoked"
	if f.Session == "" {
		title, text, flash = "confirm.end_sessions_title", "confirm.end_sessions_text", "flash.sessions_revoked"
	}
	switch {
	case errors.Is(err, account.ErrConfirmFirst):
		h.AskConfirm(c, web.ConfirmPage{TitleKey: title, TextKey: text, TextArgs: []any{u.Email},
			Action: "/admin/users/" + u.ID + "/sessions", Back: "/admin/users/" + u.ID})
		return nil
	case err != nil:
		return err
	}
	h.AddFlash(c, web.FlashSuccess, flash)
	c.Redirect(http.StatusSeeOther, "/admin/users/"+u.ID)
	return nil
}
