package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/disclosure"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/inventory"
)

type apiDisclosureJSON struct {
	ID               string    `json:"id"`
	First            string    `json:"date"`
	Last             string    `json:"lastDate,omitempty"`
	Frequency        string    `json:"frequency,omitempty"`
	RecipientName    string    `json:"recipientName"`
	RecipientAddress string    `json:"recipientAddress"`
	RecipientKind    string    `json:"recipientKind"`
	Categories       []string  `json:"categories"`
	Description      string    `json:"description"`
	Ground           string    `json:"ground"`
	Reference        string    `json:"reference"`
	Subjects         []string  `json:"subjects,omitempty"`
	Count            int       `json:"count,omitempty"`
	WithheldUntil    string    `json:"withheldUntil,omitempty"`
	Version          int       `json:"version"`
	Changed          time.Time `json:"changed"`
	ChangedBy        string    `json:"changedBy"`
}

func disclosureJSON(r *disclosure.Record) apiDisclosureJSON {
	return apiDisclosureJSON{ID: r.ID, First: r.First.String(), Last: web.DateOrBlank(r.Last), Frequency: r.Frequency, RecipientName: r.RecipientName,
		RecipientAddress: r.RecipientAddress, RecipientKind: r.RecipientKind, Categories: r.Categories, Description: r.Description,
		Ground: r.Ground, Reference: r.Reference, Subjects: r.Subjects, Count: r.Count, WithheldUntil: web.DateOrBlank(r.WithheldUntil),
		Version: r.Version, Changed: r.Changed, ChangedBy: r.ChangedBy}
}

// Disclosures lists the register, filtered like the officers' page.
func (h *Handlers) Disclosures(c *gin.Context) error {
	rs, _, _, inv, err := h.ListDisclosures(c)
	if inv != nil {
		err = inv
	}
	if err != nil {
		return err
	}
	out := make([]apiDisclosureJSON, len(rs))
	for i, r := range rs {
		out[i] = disclosureJSON(r)
	}
	web.WriteJSON(c.Writer, http.StatusOK, gin.H{"disclosures": out})
	return nil
}

// Disclosure is one record with every version, oldest first.
func (h *Handlers) Disclosure(c *gin.Context) error {
	ctx := c.Request.Context()
	r, err := h.disclosures.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	vs, err := h.disclosures.Versions(ctx, r.ID)
	if err != nil {
		return err
	}
	versions := make([]apiDisclosureJSON, len(vs))
	for i, v := range vs {
		versions[i] = disclosureJSON(v)
	}
	web.WriteJSON(c.Writer, http.StatusOK, gin.H{"disclosure": disclosureJSON(r), "versions": versions})
	return nil
}

type apiFileJSON struct {
	ID          string    `json:"id"`
	NameZH      string    `json:"nameZh"`
	NameEN      string    `json:"nameEn"`
	Unit        string    `json:"unit"`
	Contact     string    `json:"contact"`
	LegalBasis  string    `json:"legalBasis"`
	Purposes    []string  `json:"purposes"`
	Categories  []string  `json:"categories"`
	RetentionZH string    `json:"retentionZh"`
	RetentionEN string    `json:"retentionEn"`
	Systems     []string  `json:"systems,omitempty"`
	Created     time.Time `json:"created"`
	Changed     time.Time `json:"changed"`
	Version     int       `json:"version"`
}

func fileJSON(f *inventory.File) apiFileJSON {
	return apiFileJSON{ID: f.ID, NameZH: f.NameZH, NameEN: f.NameEN, Unit: f.Unit, Contact: f.Contact, LegalBasis: f.LegalBasis,
		Purposes: f.Purposes, Categories: f.Categories, RetentionZH: f.RetentionZH, RetentionEN: f.RetentionEN, Systems: f.Systems,
		Created: f.Created, Changed: f.Changed, Version: f.Version}
}

func (h *Handlers) Files(c *gin.Context) error {
	fs, err := h.inventory.List(c.Request.Context())
	if err != nil {
		return err
	}
	out := make([]apiFileJSON, len(fs))
	for i, f := range fs {
		out[i] = fileJSON(f)
	}
	web.WriteJSON(c.Writer, http.StatusOK, gin.H{"files": out})
	return nil
}

func (h *Handlers) File(c *gin.Context) error {
	f, err := h.inventory.Get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(c.Writer, http.StatusOK, fileJSON(f))
	return nil
}
