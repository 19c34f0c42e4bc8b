package templates

import (
	"html/template"
	"reflect"
	"strconv"
	"text/template/parse"
)

// Inlining a partial. `{{template "field" (dict "V" . "Name" "name" …)}}` made a map,
// started a template and looked each of its keys up through reflection on every render,
// about a third of a form page's time. Before escaping, such a call becomes the partial's
// own nodes with the keys put in: a constant where the caller passed one (so `.V.T .Label`
// becomes a word folded at parse time and `{{if .Hint}}` a branch folded after escaping),
// the caller's dot or variable where it passed that, and otherwise a variable bound
// once where the call was, as dict evaluated each value once. `{{template "x" .}}` is
// inlined the same way. A call whose partial uses its argument in a way this does not
// rewrite exactly (the whole map, a missing key printed) stays a call.

// inlineMark separates a variable's name from the number of the inlining that made it:
// a character no template can use in a name, so no variable of a page is shadowed.
const inlineMark = "·"

// maxInlineDepth bounds inlining into inlined partials (a partial calling itself).
const maxInlineDepth = 8

type inliner struct {
	set *template.Template
	n   int
}

// inlineCalls inlines the partial calls of every template of t; dict is whether the
// set's `dict` function builds a map of its pairs (otherwise dict calls stay calls).
func inlineCalls(t *template.Template, dict bool) {
	in := &inliner{set: t}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			in.list(tt.Tree.Root, 0, dict)
		}
	}
}

func (in *inliner) list(l *parse.ListNode, depth int, dict bool) {
	if l == nil {
		return
	}
	out := make([]parse.Node, 0, len(l.Nodes))
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TemplateNode:
			if depth < maxInlineDepth {
				if body, ok := in.expand(n, dict); ok {
					in.list(body, depth+1, dict)
					out = append(out, body.Nodes...)
					continue
				}
			}
		case *parse.IfNode:
			in.list(n.List, depth, dict)
			in.list(n.ElseList, depth, dict)
		case *parse.RangeNode:
			in.list(n.List, depth, dict)
			in.list(n.ElseList, depth, dict)
		case *parse.WithNode:
			in.list(n.List, depth, dict)
			in.list(n.ElseList, depth, dict)
		}
		out = append(out, n)
	}
	l.Nodes = out
}

// expansion is one call being inlined.
type expansion struct {
	suffix string
	dict   map[string]parse.Node // nil: the call passes its dot
	keys   []string              // dict's keys in the call's order
	bound  map[string]bool       // keys (or "" for the caller's dot) bound to a variable
	failed bool
}

// expand returns the nodes replacing call, or false to leave the call.
func (in *inliner) expand(call *parse.TemplateNode, dict bool) (*parse.ListNode, bool) {
	callee := in.set.Lookup(call.Name)
	if callee == nil || callee.Tree == nil || callee.Tree.Root == nil || call.Pipe == nil ||
		len(call.Pipe.Decl) > 0 || len(call.Pipe.Cmds) != 1 {
		return nil, false
	}
	in.n++
	e := &expansion{suffix: inlineMark + strconv.Itoa(in.n), bound: map[string]bool{}}
	args := call.Pipe.Cmds[0].Args
	if p, ok := args[0].(*parse.PipeNode); ok && len(args) == 1 && len(p.Decl) == 0 && len(p.Cmds) == 1 {
		args = p.Cmds[0].Args // (dict …)
	}
	switch {
	case len(args) == 1 && args[0].Type() == parse.NodeDot:
	case dict && len(args) >= 1 && len(args)%2 == 1 && isIdent(args[0], "dict"):
		e.dict = map[string]parse.Node{}
		for i := 1; i < len(args); i += 2 {
			k, ok := args[i].(*parse.StringNode)
			if !ok || args[i+1].Type() == parse.NodeNil {
				return nil, false // (a nil can be passed, not bound)
			}
			if _, seen := e.dict[k.Text]; !seen {
				e.keys = append(e.keys, k.Text)
			}
			e.dict[k.Text] = args[i+1]
		}
	default:
		return nil, false
	}
	body := callee.Tree.Root.CopyList()
	e.list(body, true)
	if e.failed {
		return nil, false
	}
	// The values bound once, in the call's order, before the partial's own nodes.
	var head []parse.Node
	if e.bound[""] {
		head = append(head, bind("$"+e.suffix, &parse.DotNode{NodeType: parse.NodeDot, Pos: call.Pos}, call.Pos))
	}
	for _, k := range e.keys {
		if e.bound[k] {
			head = append(head, bind("$"+k+e.suffix, e.dict[k].Copy(), call.Pos))
		}
	}
	body.Nodes = append(head, body.Nodes...)
	return body, true
}

func bind(name string, value parse.Node, pos parse.Pos) *parse.ActionNode {
	v := &parse.VariableNode{NodeType: parse.NodeVariable, Pos: pos, Ident: []string{name}}
	cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{value}}
	pipe := &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, IsAssign: false, Decl: []*parse.VariableNode{v}, Cmds: []*parse.CommandNode{cmd}}
	return &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Pipe: pipe}
}

func isIdent(n parse.Node, name string) bool {
	id, ok := n.(*parse.IdentifierNode)
	return ok && id.Ident == name
}

// list rewrites the partial's nodes; atArg is whether dot there is still the call's
// argument (not inside the partial's range or with).
func (e *expansion) list(l *parse.ListNode, atArg bool) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			e.pipe(n.Pipe, atArg, false)
		case *parse.IfNode:
			e.pipe(n.Pipe, atArg, true)
			e.list(n.List, atArg)
			e.list(n.ElseList, atArg)
		case *parse.WithNode:
			e.pipe(n.Pipe, atArg, true)
			e.list(n.List, false)
			e.list(n.ElseList, atArg)
		case *parse.RangeNode:
			e.pipe(n.Pipe, atArg, false)
			e.list(n.List, false)
			e.list(n.ElseList, atArg)
		case *parse.TemplateNode:
			e.pipe(n.Pipe, atArg, false)
		}
	}
}

// pipe rewrites a pipeline; truth is whether only its truth matters (an if's or a
// with's condition), so that a key the call did not pass may become false.
func (e *expansion) pipe(p *parse.PipeNode, atArg, truth bool) {
	if p == nil {
		return
	}
	for _, v := range p.Decl {
		e.rename(v)
	}
	truth = truth && len(p.Decl) == 0 && len(p.Cmds) == 1
	for _, cmd := range p.Cmds {
		logic := len(cmd.Args) > 1 && (isIdent(cmd.Args[0], "not") || truth && (isIdent(cmd.Args[0], "and") || isIdent(cmd.Args[0], "or")))
		for i, a := range cmd.Args {
			argTruth := logic && i > 0 || truth && len(cmd.Args) == 1
			cmd.Args[i] = e.node(a, atArg, argTruth)
		}
	}
}

// node rewrites one argument.
func (e *expansion) node(n parse.Node, atArg, truth bool) parse.Node {
	switch n := n.(type) {
	case *parse.FieldNode:
		if atArg {
			return e.key(n.Ident[0], n.Ident[1:], atArg, truth, n.Pos)
		}
	case *parse.VariableNode:
		if n.Ident[0] != "$" {
			e.rename(n)
			return n
		}
		if len(n.Ident) == 1 {
			if e.dict != nil {
				e.failed = true // the whole map
				return n
			}
			return e.callerDot(nil, atArg, n.Pos)
		}
		return e.key(n.Ident[1], n.Ident[2:], false, truth, n.Pos)
	case *parse.DotNode:
		if atArg && e.dict != nil {
			e.failed = true
		}
	case *parse.ChainNode:
		n.Node = e.node(n.Node, atArg, false)
	case *parse.PipeNode:
		e.pipe(n, atArg, truth)
	}
	return n
}

// rename gives a partial's own variable a name of this expansion.
func (e *expansion) rename(v *parse.VariableNode) {
	if v.Ident[0] != "$" {
		v.Ident[0] += e.suffix
	}
}

// callerDot is the call's dot followed by fields, where the partial's dot (atArg) or
// `$` stood.
func (e *expansion) callerDot(fields []string, atArg bool, pos parse.Pos) parse.Node {
	if atArg {
		if len(fields) == 0 {
			return &parse.DotNode{NodeType: parse.NodeDot, Pos: pos}
		}
		return &parse.FieldNode{NodeType: parse.NodeField, Pos: pos, Ident: append([]string(nil), fields...)}
	}
	e.bound[""] = true
	return &parse.VariableNode{NodeType: parse.NodeVariable, Pos: pos, Ident: append([]string{"$" + e.suffix}, fields...)}
}

// key is the argument's key (a dict's key, or a field of the caller's dot) followed by
// fields.
func (e *expansion) key(k string, fields []string, atArg, truth bool, pos parse.Pos) parse.Node {
	if e.dict == nil {
		return e.callerDot(append([]string{k}, fields...), atArg, pos)
	}
	v, ok := e.dict[k]
	if !ok {
		// A missing key is no value: false where only its truth counts, elsewhere the same
		// key of an empty dict (usually in a branch its absence skips).
		if truth && len(fields) == 0 {
			return &parse.BoolNode{NodeType: parse.NodeBool, Pos: pos, True: false}
		}
		empty := &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand, Pos: pos,
			Args: []parse.Node{&parse.IdentifierNode{NodeType: parse.NodeIdentifier, Pos: pos, Ident: "dict"}}}}}
		return &parse.ChainNode{NodeType: parse.NodeChain, Pos: pos, Node: empty, Field: append([]string{k}, fields...)}
	}
	switch v := v.(type) {
	case *parse.StringNode, *parse.BoolNode:
		if len(fields) > 0 {
			e.failed = true
		}
		return v.Copy()
	case *parse.DotNode:
		if atArg {
			return e.callerDot(fields, true, pos)
		}
	case *parse.VariableNode:
		// The caller's variables are in scope all through the inlined nodes, and none of
		// the partial's shadows them.
		return &parse.VariableNode{NodeType: parse.NodeVariable, Pos: pos, Ident: append(append([]string(nil), v.Ident...), fields...)}
	}
	e.bound[k] = true
	return &parse.VariableNode{NodeType: parse.NodeVariable, Pos: pos, Ident: append([]string{"$" + k + e.suffix}, fields...)}
}

// dictMakesMaps reports whether funcs' dict builds a map[string]any of its pairs, which
// inlining takes it to do.
func dictMakesMaps(funcs template.FuncMap) bool {
	f, ok := funcs["dict"]
	if !ok {
		return false
	}
	fv := reflect.ValueOf(f)
	if fv.Kind() != reflect.Func || !fv.Type().IsVariadic() || fv.Type().NumIn() != 1 || fv.Type().NumOut() < 1 {
		return false
	}
	out := fv.Call([]reflect.Value{reflect.ValueOf("a"), reflect.ValueOf(1), reflect.ValueOf("b"), reflect.ValueOf("x")})
	m, ok := out[0].Interface().(map[string]any)
	return ok && len(m) == 2 && m["a"] == 1 && m["b"] == "x"
}
