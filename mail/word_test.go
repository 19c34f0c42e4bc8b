package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/example/pdpa-portal/consent"
	"github.com/example/pdpa-portal/i18n"
	"github.com/example/pdpa-portal/mail"
)

// One coded mail, worded in each language: the catalogue's sentences in that language,
// purposes by their names, dates as letters write them, what people wrote as written and
// marked as such; a mail stored worded stays as it was, in its own language.
func TestWordUsesTheReadersLanguage(t *testing.T) {
	n := &mail.Mailer{Cat: i18n.MustLoad(), Purposes: func(context.Context) (map[string]consent.Text, error) {
		return map[string]consent.Text{"newsletter": {"zh-TW": "電子報", "en": "Newsletter"}}, nil
	}}
	m := &mail.Message{Coded: true, Kind: "request_decided", Lang: i18n.ZH, Link: "https://portal.example/requests/2026-000001/letters/decision",
		Args: []mail.Arg{mail.Text("2026-000001"), mail.Date("2026-12-08"), mail.Seq(
			mail.Key("outcome.refused"), mail.Text("\n- "), mail.Item("purpose:newsletter"), mail.Text(": "),
			mail.Key("decide.refuse"), mail.Text("\n  "), mail.Entered("已銷毀"), mail.Text("\n"),
			mail.Key("letter.fee_pay_by", mail.LongDate("2026-12-23"), mail.Text("2026-000001")))}}
	want := map[string][]string{
		i18n.EN: {"Decision on your request (reference 2026-000001)", "Newsletter", "23 December 2026", "/letters/decision"},
		i18n.ZH: {"2026-000001", "電子報", "中華民國115年12月23日"},
	}
	for lang, words := range want {
		subject, body, in, err := n.Word(context.Background(), m, lang)
		if err != nil || in != lang {
			t.Fatalf("%s: worded in %q (%v)", lang, in, err)
		}
		all := subject.String() + "\n" + body.String()
		for _, w := range words {
			if !strings.Contains(all, w) {
				t.Errorf("%s: %q missing from\n%s", lang, w, all)
			}
		}
		var entered []string
		for _, r := range body {
			if r.Entered {
				entered = append(entered, r.S)
			}
		}
		if strings.Join(entered, "|") != "已銷毀" || strings.Contains(all, "%!") || strings.Contains(all, "newsletter") {
			t.Errorf("%s: entered %q in\n%s", lang, entered, all)
		}
	}
	old := &mail.Message{Kind: "request_decided", Lang: i18n.ZH, Subject: "決定通知", Body: "舊內容"}
	if s, b, in, err := n.Word(context.Background(), old, i18n.EN); err != nil || s.String() != "決定通知" || b.String() != "舊內容" || in != i18n.ZH {
		t.Errorf("the mail stored worded: %q %q in %q (%v)", s, b, in, err)
	}
}
