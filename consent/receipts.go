package consent

import (
	"strconv"
	"strings"

	"github.com/example/pdpa-portal/receipt"
)

// ReceiptSigner signs every consent event as a Kantara consent receipt, so the person
// can prove later what they agreed to and under which wording.
type ReceiptSigner struct {
	Signer     *receipt.Signer
	Controller receipt.Controller
	// PolicyURL is the notice's address (…/privacy); a receipt names the page of the
	// version it was given under (…/privacy/versions/3), which stays readable as published.
	PolicyURL string
}

var _ Signer = (*ReceiptSigner)(nil)

// collectionMethods says how each channel collects consent, in the receipt's words.
var collectionMethods = map[string]string{
	ChannelWeb:     "web form on the privacy rights portal",
	ChannelAPI:     "privacy rights portal API",
	ChannelPaper:   "signed paper form, entered by a privacy officer",
	ChannelRequest: "the person's request to stop or delete (PDPA Art. 3), carried out by a privacy officer",
}

// Build makes the receipt of an event (exported so pages can show what was signed).
func (r *ReceiptSigner) Build(e *Event, n *Notice, p *Purpose) *receipt.Receipt {
	lang := e.Lang
	if lang == "" {
		lang = "zh-TW"
	}
	termination := p.Retention.In(lang)
	if termination == "" {
		termination = "withdrawal of consent"
		if strings.HasPrefix(lang, "zh") {
			termination = "撤回同意時"
		}
	}
	consentType := "EXPLICIT"
	switch {
	case e.Action == Acknowledge:
		// Not a consent: the purpose rests on its legal basis, which the receipt names.
		consentType = "NOT_CONSENT"
		termination = aside(lang, termination, p.LegalBasis.In(lang))
	case e.Method == MethodGPC:
		consentType = "GPC"
	}
	return &receipt.Receipt{
		Version: receipt.Version, Jurisdiction: "TW", ConsentTimestamp: e.At.Unix(),
		CollectionMethod: collectionMethods[e.Channel], ConsentReceiptID: e.ID, Language: lang,
		PIIPrincipalID: e.Subject, PIIControllers: []receipt.Controller{r.Controller}, PolicyURL: r.PolicyURL + "/versions/" + strconv.Itoa(n.Version),
		Services: []receipt.Service{{Service: n.Title.In(lang), Purposes: []receipt.Purpose{{
			Purpose: labelled(lang, p.Name.In(lang), p.Description.In(lang)), PurposeCategory: []string{p.Code},
			ConsentType: consentType, PIICategory: p.Categories, PrimaryPurpose: !p.Outside, Termination: termination,
		}}}},
		Portal: &receipt.Portal{Action: string(e.Action), NoticeVersion: n.Version, WordingHash: e.WordingHash, Channel: e.Channel, Method: e.Method},
	}
}

// labelled and aside join two texts of the receipt with the punctuation of its language:
// Chinese takes the full-width colon and parentheses, without spaces. The receipt is
// signed as a whole, so its text is set here rather than worded later by the catalogue.
func labelled(lang, label, text string) string {
	if strings.HasPrefix(lang, "zh") {
		return label + "：" + text
	}
	return label + ": " + text
}

func aside(lang, text, note string) string {
	if strings.HasPrefix(lang, "zh") {
		return text + "（" + note + "）"
	}
	return text + " (" + note + ")"
}

// SignEvent returns the compact JWS of the event's receipt.
func (r *ReceiptSigner) SignEvent(e *Event, n *Notice, p *Purpose) (string, error) {
	return r.Signer.Sign(r.Build(e, n, p))
}

// DefaultController is the demo agency as its receipts name it.
func DefaultController(baseURL string) receipt.Controller {
	return receipt.Controller{
		PIIController: "範例市政府數位服務處 Example City Government Digital Services Office",
		Contact:       "個人資料保護窗口 Privacy contact", Email: "privacy@agency.example", Phone: "0800-000-123",
		Address:          receipt.Address{StreetAddress: "範例市中正區示範路 1 號", AddressCountry: "TW"},
		PIIControllerURL: strings.TrimRight(baseURL, "/") + "/privacy",
	}
}
