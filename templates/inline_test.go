package templates

import (
	"html/template"
	"strings"
	"testing"
	"text/template/parse"
)

// view stands for a page's view in these tests.
type view struct {
	Lang   string
	Errors map[string]string
	Values map[string]any
	Items  []string
	Page   *view
}

// T's words of a key are the key in brackets, as the parse-time resolver below gives.
func (v *view) T(key string, args ...any) string {
	return "<" + key + ">" + strings.Repeat("+", len(args))
}
func (v *view) FieldError(name string) string { return v.Errors[name] }

func dictForTest(kv ...any) (map[string]any, error) {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m, nil
}

// The partials are inlined where their use can be rewritten exactly, and every page
// renders as it does with the calls left as they are, with and without errors and values.
func TestInlinedPartialsRenderAsCalled(t *testing.T) {
	const partials = `
{{define "field"}}{{$err := .V.FieldError .Name}}<div class="field{{if $err}} has-error{{end}}">
<label for="f-{{.Name}}">{{.V.T .Label}}</label>{{if .Hint}}<p id="h-{{.Name}}">{{.V.T .Hint}}</p>{{end}}
<input name="{{.Name}}" value="{{.Value}}"{{if not .Optional}} required{{end}}{{if or $err .Hint}} aria-describedby="{{if .Hint}}h-{{.Name}}{{end}}{{if and $err .Hint}} {{end}}{{if $err}}e-{{.Name}}{{end}}"{{end}}>
{{with .V.Items}}<ul>{{range .}}<li>{{$.V.T "item"}} {{.}} {{$.Name}}</li>{{end}}</ul>{{else}}{{.V.T "none"}}{{end}}</div>{{end}}
{{define "wrap"}}<section>{{template "field" (dict "V" .V "Name" .Name "Label" "wrapped" "Value" "w" "Hint" "")}}{{$.Name}}</section>{{end}}
{{define "whole"}}{{printf "%d" (len .)}}{{end}}
{{define "missing"}}{{.Absent}}{{printf "%v" .Absent}}{{end}}
{{define "bydot"}}{{$x := "p"}}{{range .Items}}{{$.T $x}}{{.}}{{end}}{{.T "dot"}}{{end}}
`
	const page = `{{$err := "caller's"}}{{$name := "n3"}}
{{template "field" (dict "V" . "Name" "n1" "Label" "l1" "Value" (index .Values "n1") "Hint" "")}}
{{template "field" (dict "V" . "Name" "n2" "Label" "l2" "Value" (index .Values "n2") "Hint" "h2" "Optional" true)}}
{{template "field" (dict "V" $ "Name" $name "Label" "l3" "Value" 7 "Hint" .Lang)}}
{{range .Items}}{{template "field" (dict "V" $ "Name" . "Label" "l4" "Value" $err)}}{{end}}
{{template "wrap" (dict "V" .Page "Name" "n5")}}
{{template "whole" (dict "a" 1)}}{{template "missing" (dict "a" 1)}}
{{template "bydot" .}}{{$err}}`
	build := func(folded bool) *template.Template {
		tt := template.Must(template.New("page").Funcs(template.FuncMap{"dict": dictForTest}).Parse(page + partials))
		if folded {
			if err := fold(tt, func(method, arg string) (string, bool) { return "<" + arg + ">", method == "T" }, true); err != nil {
				t.Fatal(err)
			}
		}
		return tt
	}
	plain, inlined := build(false), build(true)
	calls := map[string]bool{}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.TemplateNode:
			calls[n.Name] = true
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(inlined.Tree.Root)
	if calls["field"] || calls["wrap"] || calls["bydot"] || calls["missing"] || !calls["whole"] {
		t.Errorf("calls left in the page: %v (want only whole)", calls)
	}
	for _, v := range []*view{
		{Lang: "en"},
		{Lang: "zh", Errors: map[string]string{"n1": "<bad>", "n2": "bad", "n3": "x", "a": "y"}, Values: map[string]any{"n1": "<v>", "n2": template.HTML("<b>")},
			Items: []string{"a", "b"}, Page: &view{Lang: "p", Errors: map[string]string{"n5": "e5"}}},
	} {
		if v.Page == nil {
			v.Page = &view{Lang: "q"}
		}
		var want, got strings.Builder
		if err := plain.Execute(&want, v); err != nil {
			t.Fatal(err)
		}
		if err := inlined.Execute(&got, v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("inlined page differs:\n%s\nas called:\n%s", got.String(), want.String())
		}
		// A partial no longer called keeps its name but none of its nodes (the Set runs
		// only pages and fragments, so nothing runs it).
		arg := map[string]any{"V": v, "Name": "<n>", "Label": "<l>", "Value": "<v>", "Hint": "<h>"}
		got.Reset()
		if err := inlined.ExecuteTemplate(&got, "field", arg); err != nil {
			t.Fatal(err)
		}
		if got.String() != "" {
			t.Errorf("a partial no longer called still renders:\n%s", got.String())
		}
	}
}
