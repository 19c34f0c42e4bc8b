package consent_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/pdpa-portal/apperr"
	"github.com/example/pdpa-portal/consent"
)

// Publishing waits for its confirmation and then is one step: the version is published
// and the draft is gone, so it cannot be published twice.
func TestPublishingTakesTheDraft(t *testing.T) {
	p := paperWorld(t)
	ctx := context.Background()
	ed := &consent.Editions{Notices: p.Notices, Drafts: p.Notices, Now: func() time.Time { return now }}
	cur, err := p.Notices.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	draft := *cur
	draft.Summary = consent.Text{"zh-TW": "更新聯絡方式。", "en": "New contact details."}
	if err := p.Notices.SaveDraft(ctx, &draft); err != nil {
		t.Fatal(err)
	}
	var ask *consent.PublishConfirmFirst
	if _, err := ed.Publish(ctx, false); !errors.As(err, &ask) || ask.Next.Version != cur.Version+1 {
		t.Fatalf("an unconfirmed publication: %v", err)
	}
	if still, err := p.Notices.Current(ctx); err != nil || still.Version != cur.Version {
		t.Fatalf("an unconfirmed publication changed the notice (%v)", err)
	}
	n, err := ed.Publish(ctx, true)
	if err != nil || n.Version != cur.Version+1 {
		t.Fatalf("the confirmed publication: %v", err)
	}
	if latest, err := p.Notices.Current(ctx); err != nil || latest.Version != n.Version {
		t.Fatalf("the published version is not current (%v)", err)
	}
	if _, err := p.Notices.Draft(ctx); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("the draft outlived its publication: %v", err)
	}
	if _, err := ed.Publish(ctx, true); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("publishing again: %v", err)
	}
}

// A catalogue entry is read as the form gave it: texts trimmed and bounded, categories
// in capitals, no decline effect for a required purpose, and an id used once.
func TestCatalogueEntryRules(t *testing.T) {
	p := paperWorld(t)
	ctx := context.Background()
	svc := &consent.CatalogueService{Catalogue: p.Purposes}
	both := func(s string) consent.Text { return consent.Text{"zh-TW": s + "（中文）", "en": " " + s + " "} }
	cmd := consent.PurposeCommand{New: true, ID: "events", Code: "040", Name: both("Events"), Description: both("Invitations"),
		LegalBasis: both("Consent"), Retention: both("Two years"), DeclineEffect: both("No invitations"), Categories: "c001、 c003", Required: true}
	got, err := svc.SavePurpose(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name["en"] != "Events" || strings.Join(got.Categories, ",") != "C001,C003" || got.DeclineEffect != nil {
		t.Fatalf("saved entry: %+v", got)
	}
	if _, err := svc.SavePurpose(ctx, cmd); !hasKey(err, "id", "purpose.id_taken") {
		t.Fatalf("the same id twice: %v", err)
	}
	cmd.ID, cmd.Description = "events2", both(strings.Repeat("長", 1001))
	cmd.Problems = (&apperr.Invalid{}).Add("code", "validation.invalid_text")
	if _, err := svc.SavePurpose(ctx, cmd); !hasKey(err, "description-en", "field.too_long") || !hasKey(err, "code", "validation.invalid_text") {
		t.Fatalf("a text too long beside the form's own problem: %v", err)
	}
	if cat, err := p.Purposes.Purposes(ctx); err != nil || catalogueHas(cat, "events2") {
		t.Fatalf("a refused entry was saved (%v)", err)
	}
}

func hasKey(err error, field, key string) bool {
	var inv *apperr.Invalid
	if !errors.As(err, &inv) {
		return false
	}
	for _, p := range inv.Problems {
		if p.Field == field && p.Key == key {
			return true
		}
	}
	return false
}

func catalogueHas(cat []consent.Purpose, id string) bool {
	for _, p := range cat {
		if p.ID == id {
			return true
		}
	}
	return false
}

// The editor's texts are saved as the draft only when every one is acceptable; the
// problems come back together, keyed by the editor's fields.
func TestDraftSavedFromTheEditor(t *testing.T) {
	p := paperWorld(t)
	ctx := context.Background()
	ed := &consent.Editions{Notices: p.Notices, Drafts: p.Notices, Catalogue: p.Purposes, Now: func() time.Time { return now }}
	cur, err := p.Notices.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Notices.SaveDraft(ctx, cur); err != nil {
		t.Fatal(err)
	}
	for i := range cur.Purposes {
		if err := p.Purposes.SavePurpose(ctx, &cur.Purposes[i]); err != nil {
			t.Fatal(err)
		}
	}
	texts := map[string]string{}
	for _, l := range consent.Langs {
		texts["title-"+l], texts["summary-"+l], texts["intro-"+l] = cur.Title[l], "  "+l+" summary  ", cur.Intro[l]
		for _, sec := range cur.Sections {
			texts["heading-"+sec.Key+"-"+l], texts["section-"+sec.Key+"-"+l] = sec.Heading[l], consent.SectionText(sec, l)
		}
	}
	var ids []string
	for _, x := range cur.Purposes {
		ids = append(ids, x.ID)
	}
	bad := map[string]string{}
	for k, v := range texts {
		bad[k] = v
	}
	key := cur.Sections[0].Key
	bad["title-en"], bad["heading-"+key+"-zh-TW"] = strings.Repeat("T", 201), ""
	if _, err := ed.SaveDraft(ctx, consent.DraftCommand{Texts: bad, Purposes: append(ids, "no_such_purpose")}); !hasKey(err, "title-en", "field.too_long") ||
		!hasKey(err, "heading-"+key+"-zh-TW", "field.required") || !hasKey(err, "purposes", "consent.unknown_purpose") {
		t.Fatalf("an editor with problems: %v", err)
	}
	if d, err := p.Notices.Draft(ctx); err != nil || d.Summary["en"] != cur.Summary["en"] {
		t.Fatalf("a refused edit changed the draft (%v)", err)
	}
	d, err := ed.SaveDraft(ctx, consent.DraftCommand{Texts: texts, Purposes: ids[:1]})
	if err != nil || d.Summary["en"] != "en summary" || len(d.Purposes) != 1 {
		t.Fatalf("saving the editor: %v", err)
	}
	if saved, err := p.Notices.Draft(ctx); err != nil || saved.Summary["en"] != "en summary" || len(saved.Sections) != len(cur.Sections) {
		t.Fatalf("the saved draft (%v)", err)
	}
}
