package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/handlers/web"
	"github.com/example/pdpa-portal/internal/twtime"
	"github.com/example/pdpa-portal/letters"
)

type letterSettingsForm struct {
	PrefixZH    string `form:"prefix_zh" validate:"max=100" label:"letters.prefix_zh"`
	PrefixEN    string `form:"prefix_en" validate:"max=100" label:"letters.prefix_en"`
	AgencyZH    string `form:"agency_zh" validate:"max=400" label:"letters.agency_zh"`
	AgencyEN    string `form:"agency_en" validate:"max=400" label:"letters.agency_en"`
	AddressZH   string `form:"address_zh" validate:"max=400" label:"letters.address_zh"`
	AddressEN   string `form:"address_en" validate:"max=400" label:"letters.address_en"`
	HeadTitleZH string `form:"head_title_zh" validate:"max=400" label:"letters.head_title_zh"`
	HeadTitleEN string `form:"head_title_en" validate:"max=400" label:"letters.head_title_en"`
	HeadNameZH  string `form:"head_name_zh" validate:"max=400" label:"letters.head_name_zh"`
	HeadNameEN  string `form:"head_name_en" validate:"max=400" label:"letters.head_name_en"`
	AppealZH    string `form:"appeal_zh" validate:"max=400" label:"letters.appeal_zh"`
	AppealEN    string `form:"appeal_en" validate:"max=400" label:"letters.appeal_en"`
}

func (f *letterSettingsForm) settings() letters.Settings {
	return letters.Settings{
		Prefix: letters.Text{ZH: f.PrefixZH, EN: f.PrefixEN}, Agency: letters.Text{ZH: f.AgencyZH, EN: f.AgencyEN},
		Address: letters.Text{ZH: f.AddressZH, EN: f.AddressEN}, HeadTitle: letters.Text{ZH: f.HeadTitleZH, EN: f.HeadTitleEN},
		HeadName: letters.Text{ZH: f.HeadNameZH, EN: f.HeadNameEN}, Appeal: letters.Text{ZH: f.AppealZH, EN: f.AppealEN},
	}
}

// letterSettingsPage shows the settings in both languages with a sample number.
type letterSettingsPage struct {
	Set    letters.Settings
	Sample letters.Number
}

// LetterSettings shows what every letter carries: the document number's prefix, the
// letterhead, who signs and the authority that hears appeals.
func (h *Handlers) LetterSettings(c *gin.Context) error {
	set, err := h.letters.Settings(c.Request.Context())
	if err != nil {
		return err
	}
	h.renderLetterSettings(c, http.StatusOK, set, nil)
	return nil
}

func (h *Handlers) renderLetterSettings(c *gin.Context, status int, set letters.Settings, inv *apperr.Invalid) {
	h.RenderForm(c, status, "letter_settings", "letters.title", letterSettingsPage{Set: set, Sample: letters.Number{Year: h.Now().In(twtime.Zone).Year(), Serial: 123}}, inv)
}

// SaveLetterSettings replaces the settings. Letters keep the numbers they were given;
// the other settings show as they now are whenever a letter is printed again.
func (h *Handlers) SaveLetterSettings(c *gin.Context) error {
	var f letterSettingsForm
	inv, err := h.Decode(c, &f)
	if err != nil {
		return err
	}
	set := f.settings()
	if len(inv.Problems) > 0 {
		h.renderLetterSettings(c, http.StatusBadRequest, set, inv)
		return nil
	}
	err = h.letters.Save(c.Request.Context(), set)
	if errors.As(err, &inv) {
		h.renderLetterSettings(c, http.StatusBadRequest, set, inv)
		return nil
	} else if err != nil {
		return err
	}
	h.AddFlash(c, web.FlashSuccess, "letters.saved")
	c.Redirect(http.StatusSeeOther, "/admin/letters")
	return nil
}
