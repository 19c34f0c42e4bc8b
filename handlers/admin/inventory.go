package admin

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/inventory"
)

// Administrators keep the inventory of the agency's personal data files; the public
// page lists them in both languages with the date each was created or last changed.

type inventoryForm struct {
	Version     int    `form:"version"`
	NameZH      string `form:"name_zh" validate:"max=200" label:"inventory.name_zh"`
	NameEN      string `form:"name_en" validate:"max=200" label:"inventory.name_en"`
	Unit        string `form:"unit" validate:"max=200" label:"inventory.unit"`
	Contact     string `form:"contact" validate:"max=200" label:"inventory.contact"`
	LegalBasis  string `form:"legal_basis" validate:"max=1000" label:"inventory.legal_basis"`
	Purposes    string `form:"purposes" validate:"max=400" label:"inventory.purposes"`
	Categories  string `form:"categories" validate:"max=400" label:"inventory.categories"`
	RetentionZH string `form:"retention_zh" validate:"max=200" label:"inventory.retention_zh"`
	RetentionEN string `form:"retention_en" validate:"max=200" label:"inventory.retention_en"`
	Systems     string `form:"systems" validate:"max=3000" label:"inventory.systems"`
}

// Values are the form's fields as the page shows them again.
func (f *inventoryForm) Values() map[string]string {
	return map[string]string{"version": strconv.Itoa(f.Version), "name_zh": f.NameZH, "name_en": f.NameEN, "unit": f.Unit, "contact": f.Contact,
		"legal_basis": f.LegalBasis, "purposes": f.Purposes, "categories": f.Categories, "retention_zh": f.RetentionZH, "retention_en": f.RetentionEN, "systems": f.Systems}
}

type inventoryPage struct {
	Files  []*inventory.File
	File   *inventory.File
	Values map[string]string
	New    bool
}

func splitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == ' ' || r == '\n' || r == '\r' || r == '，' })
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// InventoryAdmin lists the files for administrators, with the form for a new one.
func (h *Handlers) InventoryAdmin(c *gin.Context) error {
	fs, err := h.inventory.List(c.Request.Context())
	if err != nil {
		return err
	}
	h.Render(c, http.StatusOK, "inventory_admin", h.View(c, "inventory.title", inventoryPage{Files: fs}))
	return nil
}

func (h *Handlers) renderInventoryFile(c *gin.Context, status int, p inventoryPage, inv *apperr.Invalid) {
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	h.RenderForm(c, status, "inventory_file", "inventory.file_title", p, inv)
}

func (h *Handlers) NewInventoryFile(c *gin.Context) error {
	h.renderInventoryFile(c, http.StatusOK, inventoryPage{New: true}, nil)
	return nil
}

func (h *Handlers) InventoryFile(c *gin.Context) error {
	f, err := h.inventory.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	h.renderInventoryFile(c, http.StatusOK, inventoryPage{File: f, Values: map[string]string{"version": strconv.Itoa(f.Version),
		"name_zh": f.NameZH, "name_en": f.NameEN, "unit": f.Unit, "contact": f.Contact, "legal_basis": f.LegalBasis,
		"purposes": strings.Join(f.Purposes, ", "), "categories": strings.Join(f.Categories, ", "), "retention_zh": f.RetentionZH,
		"retention_en": f.RetentionEN, "systems": strings.Join(f.Systems, "\n")}}, nil)
	return nil
}

// SaveInventoryFile stores a new file or a new version of one.
func (h *Handlers) SaveInventoryFile(c *gin.Context) error {
	var f inventoryForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	id := c.Param("id")
	vals := f.Values()
	file := &inventory.File{ID: id, Version: f.Version, NameZH: f.NameZH, NameEN: f.NameEN, Unit: f.Unit, Contact: f.Contact, LegalBasis: f.LegalBasis,
		Purposes: splitCodes(f.Purposes), Categories: splitCodes(strings.ToUpper(f.Categories)), RetentionZH: f.RetentionZH, RetentionEN: f.RetentionEN,
		Systems: splitLines(f.Systems), Changed: h.Now(), ChangedBy: web.CurrentUser(c).ID}
	inv, err = web.Merge(inv, inventory.Validate(file).OrNil())
	if err != nil {
		return err
	}
	if len(inv.Problems) > 0 {
		web.InFormOrder(inv, &f)
		h.renderInventoryFile(c, http.StatusBadRequest, inventoryPage{Values: vals, New: id == "", File: &inventory.File{ID: id}}, inv)
		return nil
	}
	err = h.inventory.Save(c.Request.Context(), file)
	h.publicFiles.Forget()
	if errors.Is(err, apperr.ErrStale) {
		err = &web.PageError{Status: http.StatusConflict, Key: "disclosure.changed_meanwhile"}
	}
	if err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "flash.inventory_saved")
	c.Redirect(http.StatusSeeOther, "/admin/files")
	return nil
}
