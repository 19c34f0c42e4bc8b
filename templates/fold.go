package templates

import (
	"errors"
	"html/template"
	"io"
	"strconv"
	"strings"
	"text/template/parse"
	"unicode/utf8"
)

// resolver gives the text of a call with one constant argument (`.T "key"`), or false
// when the call is not one that can be resolved at parse time.
type resolver func(method, arg string) (string, bool)

// fold resolves a page's constant calls in two steps. Before html/template escapes the
// page, each `X.T "key"` or `X.Asset "name"` at the head of a pipeline becomes the
// string constant it returns, so the escaper still picks the escaping its context needs.
// After escaping, an action printing a constant through escapers whose effect is known
// becomes plain text: nothing is left to evaluate through reflection.
func fold(t *template.Template, resolve resolver, dict bool) error {
	inlineCalls(t, dict)
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			foldCalls(tt.Tree.Root, resolve)
		}
	}
	// Escaping happens at the first Execute. Run without data: the page fails at its
	// first field, which is expected; an escaping error is a defect of the page.
	var escErr *template.Error
	if err := t.Execute(io.Discard, nil); errors.As(err, &escErr) {
		return err
	}
	// Fragments are not reached from the page: escape each on its own, as
	// ExecuteFragment runs it, before its constants become text.
	run := []string{t.Name()}
	for _, tt := range t.Templates() {
		if strings.HasPrefix(tt.Name(), FragmentPrefix) {
			if err := t.ExecuteTemplate(io.Discard, tt.Name(), nil); errors.As(err, &escErr) {
				return err
			}
			run = append(run, tt.Name())
		}
	}
	// Only what runs has been escaped: a partial whose every call was inlined never is,
	// and its constants must not become text unescaped.
	runs := reached(t, run)
	for name := range runs {
		if tt := t.Lookup(name); tt != nil && tt.Tree != nil {
			foldText(tt.Tree.Root)
		}
	}
	// What never runs keeps no nodes: a partial whose every call was inlined stays
	// defined in each page's set (a set cannot forget a name) but empty. Those trees
	// were about a third of the parsed pages' memory, which every collection marks.
	for _, tt := range t.Templates() {
		if !runs[tt.Name()] && tt.Tree != nil && tt.Tree.Root != nil {
			tt.Tree.Root = &parse.ListNode{NodeType: parse.NodeList, Pos: tt.Tree.Root.Pos}
		}
	}
	return nil
}

// reached names the templates run from the given ones, through the calls left in them.
func reached(t *template.Template, from []string) map[string]bool {
	seen := map[string]bool{}
	var visit func(n parse.Node)
	add := func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		if tt := t.Lookup(name); tt != nil && tt.Tree != nil {
			visit(tt.Tree.Root)
		}
	}
	visit = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					visit(c)
				}
			}
		case *parse.TemplateNode:
			add(n.Name)
		case *parse.IfNode:
			visit(n.List)
			visit(n.ElseList)
		case *parse.RangeNode:
			visit(n.List)
			visit(n.ElseList)
		case *parse.WithNode:
			visit(n.List)
			visit(n.ElseList)
		}
	}
	for _, name := range from {
		add(name)
	}
	return seen
}

func foldCalls(n parse.Node, resolve resolver) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			foldCalls(c, resolve)
		}
	case *parse.ActionNode:
		foldPipe(n.Pipe, resolve)
	case *parse.TemplateNode:
		foldPipe(n.Pipe, resolve)
	case *parse.IfNode:
		foldBranch(&n.BranchNode, resolve)
	case *parse.RangeNode:
		foldBranch(&n.BranchNode, resolve)
	case *parse.WithNode:
		foldBranch(&n.BranchNode, resolve)
	}
}

func foldBranch(b *parse.BranchNode, resolve resolver) {
	foldPipe(b.Pipe, resolve)
	foldCalls(b.List, resolve)
	foldCalls(b.ElseList, resolve)
}

func foldPipe(p *parse.PipeNode, resolve resolver) {
	if p == nil {
		return
	}
	for i, cmd := range p.Cmds {
		for _, a := range cmd.Args {
			if sub, ok := a.(*parse.PipeNode); ok {
				foldPipe(sub, resolve)
			}
		}
		// Only the head of a pipeline: a later command also receives the value before it.
		if i > 0 || len(cmd.Args) != 2 {
			continue
		}
		arg, ok := cmd.Args[1].(*parse.StringNode)
		if !ok {
			continue
		}
		if text, ok := resolve(methodName(cmd.Args[0]), arg.Text); ok {
			cmd.Args = []parse.Node{&parse.StringNode{NodeType: parse.NodeString, Pos: arg.Pos, Quoted: strconv.Quote(text), Text: text}}
		}
	}
}

// methodName is the method a command calls on the page's view (`.T`, `$.T`, `.V.T`, `$v.T`), or "".
func methodName(n parse.Node) string {
	var idents []string
	switch n := n.(type) {
	case *parse.FieldNode:
		idents = n.Ident
	case *parse.VariableNode:
		// Only the page's own view ($, or $v in partials) speaks the page's language; a
		// variable holding another view (a letter's $L, in the requester's language) is
		// left to run.
		// An inlined partial's variables carry the inlining's number (inline.go): $V is
		// the view a partial was given as V.
		if len(n.Ident) < 2 {
			return ""
		}
		if base, _, _ := strings.Cut(n.Ident[0], inlineMark); base != "$" && base != "$v" && base != "$V" {
			return ""
		}
		idents = n.Ident
	case *parse.ChainNode:
		idents = n.Field
	}
	if len(idents) == 0 {
		return ""
	}
	return idents[len(idents)-1]
}

func foldText(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		out := make([]parse.Node, 0, len(n.Nodes))
		for _, c := range n.Nodes {
			switch c := c.(type) {
			case *parse.ActionNode:
				if text, ok := constantOutput(c.Pipe); ok {
					out = append(out, &parse.TextNode{NodeType: parse.NodeText, Pos: c.Pos, Text: []byte(text)})
					continue
				}
			case *parse.IfNode:
				if branch, ok := constantBranch(c); ok {
					foldText(branch)
					out = append(out, branch.Nodes...)
					continue
				}
			}
			foldText(c)
			out = append(out, c)
		}
		n.Nodes = mergeText(out)
	case *parse.IfNode:
		foldText(n.List)
		foldText(n.ElseList)
	case *parse.RangeNode:
		foldText(n.List)
		foldText(n.ElseList)
	case *parse.WithNode:
		foldText(n.List)
		foldText(n.ElseList)
	}
}

// constantBranch is the branch an if always takes, when its condition is constant (an
// inlined partial's argument) and the branch can stand without the if: it declares no
// variable of its own, whose scope the if would end. A condition partly constant is
// shortened.
func constantBranch(n *parse.IfNode) (*parse.ListNode, bool) {
	truth, known := constantTruth(n.Pipe)
	if !known {
		return nil, false
	}
	branch := n.ElseList
	if truth {
		branch = n.List
	}
	if branch == nil {
		return &parse.ListNode{NodeType: parse.NodeList, Pos: n.Pos}, true
	}
	for _, c := range branch.Nodes {
		if a, ok := c.(*parse.ActionNode); ok && len(a.Pipe.Decl) > 0 {
			n.Pipe = &parse.PipeNode{NodeType: parse.NodePipe, Pos: n.Pos, Cmds: []*parse.CommandNode{{
				NodeType: parse.NodeCommand, Pos: n.Pos, Args: []parse.Node{&parse.BoolNode{NodeType: parse.NodeBool, Pos: n.Pos, True: truth}}}}}
			return nil, false
		}
	}
	return branch, true
}

// constantTruth is a condition's truth when constants decide it; otherwise it drops
// the constants that do not matter from an and or an or.
func constantTruth(p *parse.PipeNode) (truth, known bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 {
		return false, false
	}
	args := p.Cmds[0].Args
	if len(args) == 1 {
		return argTruth(args[0])
	}
	id, ok := args[0].(*parse.IdentifierNode)
	if !ok {
		return false, false
	}
	switch id.Ident {
	case "not":
		if len(args) == 2 {
			t, ok := argTruth(args[1])
			return !t, ok
		}
	case "and", "or":
		// One false argument makes an and false, one true argument an or true; the
		// other constants do not change its truth and are dropped.
		decides := id.Ident == "or"
		kept := args[:1:1]
		for _, a := range args[1:] {
			t, ok := argTruth(a)
			switch {
			case !ok:
				kept = append(kept, a)
			case t == decides:
				return decides, true
			}
		}
		switch len(kept) {
		case 1:
			return !decides, true
		case 2:
			p.Cmds[0].Args = kept[1:]
		default:
			p.Cmds[0].Args = kept
		}
	}
	return false, false
}

// argTruth is the truth of a constant argument or of a constant parenthesized condition.
func argTruth(n parse.Node) (truth, known bool) {
	switch n := n.(type) {
	case *parse.StringNode:
		return n.Text != "", true
	case *parse.BoolNode:
		return n.True, true
	case *parse.PipeNode:
		return constantTruth(n)
	}
	return false, false
}

// constantOutput is what an action prints when it is a string constant passed through
// escapers this file can apply exactly; false for anything else.
func constantOutput(p *parse.PipeNode) (string, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) == 0 || len(p.Cmds[0].Args) != 1 {
		return "", false
	}
	s, ok := p.Cmds[0].Args[0].(*parse.StringNode)
	if !ok {
		return "", false
	}
	out := s.Text
	for _, cmd := range p.Cmds[1:] {
		if len(cmd.Args) != 1 {
			return "", false
		}
		id, ok := cmd.Args[0].(*parse.IdentifierNode)
		if !ok {
			return "", false
		}
		switch id.Ident {
		case "_html_template_htmlescaper", "_html_template_attrescaper", "_html_template_rcdataescaper":
			out = escapeHTML(out)
		case "_html_template_urlfilter", "_html_template_urlnormalizer", "_html_template_urlescaper":
			// Identity on a plain relative path; anything else is left to the escaper.
			if !plainPath(out) {
				return "", false
			}
		default:
			return "", false
		}
	}
	return out, true
}

// escapeHTML is html/template's escaping of a plain string in text, attribute values and
// RCDATA: the same replacements, invalid UTF-8 passed through.
func escapeHTML(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		var repl string
		switch r {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		}
		if repl != "" {
			b.WriteString(s[written:i])
			b.WriteString(repl)
			written = i + w
		}
		i += w
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// plainPath: letters, digits and / . _ ~ - only, which no URL filter or normaliser changes.
func plainPath(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/._~-", c) >= 0) {
			return false
		}
	}
	return true
}

// mergeText joins neighbouring text so a page is written in fewer, larger pieces.
func mergeText(nodes []parse.Node) []parse.Node {
	out := nodes[:0]
	for _, n := range nodes {
		if t, ok := n.(*parse.TextNode); ok && len(out) > 0 {
			if prev, ok := out[len(out)-1].(*parse.TextNode); ok {
				merged := make([]byte, 0, len(prev.Text)+len(t.Text))
				out[len(out)-1] = &parse.TextNode{NodeType: parse.NodeText, Pos: prev.Pos, Text: append(append(merged, prev.Text...), t.Text...)}
				continue
			}
		}
		out = append(out, n)
	}
	return out
}
