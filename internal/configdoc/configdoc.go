// Package configdoc generates the config reference of docs/configuration.md from the Go package that defines
// the stack config (pkg/config), so that the reference cannot drift from the code: key paths,
// types, defaults, allowed values and descriptions all come from the package's source. It reads
// the source with go/parser and go/types only (no imports are loaded), so it runs in well under a
// second.
//
// What it reads:
//
//   - The blocks: the fields of the struct type Stack with a `config:"key"` tag, in order. A key
//     without a namespace is a key of the project namespace, the value of the package's Project
//     constant; `config:"key,required"` marks a block every stack must set. The field's doc
//     comment describes the block.
//   - The fields of a block: a struct block documents each exported field with a `json` tag (the
//     key as written in YAML), recursively through nested structs and lists of structs. A field
//     is required when its json tag has no omitempty.
//   - Every such field needs a doc comment; a missing one is an error. The comment is the
//     description, except for lines starting with "Default:" (the default) and "Allowed:" (the
//     allowed values), each running to the next such line or the end of its paragraph.
//   - Doc links: [Name] naming a constant of the package renders as its value, and naming a
//     variable initialized with a list or map of constants as those values. This is how defaults
//     and allowed values come from the code rather than being written twice.
//   - Enums: a named type of the package with constants and one table, a package-level variable
//     of type []T (the list validation checks against). A field of such a type lists the table's
//     values as allowed; a constant missing from the table, or a second table, is an error.
package configdoc

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// The markers around the generated reference in docs/configuration.md.
const (
	Begin = "<!-- BEGIN CONFIG REFERENCE -->"
	End   = "<!-- END CONFIG REFERENCE -->"
)

// Reference is the documented config of a package.
type Reference struct {
	Blocks []Block
}

// Block is one key of a stack file holding a block of config.
type Block struct {
	Key      string // e.g. global-sovereign:network or pulumi:disable-default-providers
	Required bool   // every stack sets it
	Doc      string // Markdown
	Fields   []Field
}

// Field is one documented key path.
type Field struct {
	Key      string   // e.g. global-sovereign:network.flowLogs.retentionDays; lists add []
	GoPath   []string // Go field names from Stack, "[]" for a list element: Network, FlowLogs, RetentionDays
	Type     string   // e.g. string, integer, list of strings, map
	Required bool
	Default  string // Markdown; "" when there is none
	Allowed  string // Markdown; "" when anything of Type that the description allows goes
	Doc      string // Markdown
	// DefaultFromCode is true when Default is exactly the value of one constant or variable of
	// the package (a "Default: [Name]." line), so tests can compare it with what the code sets.
	DefaultFromCode bool
}

// Load reads the Go package in dir (its non-test files) and documents its config.
func Load(dir string) (*Reference, error) {
	p, err := parsePackage(dir)
	if err != nil {
		return nil, err
	}
	return p.reference()
}

// pkg is a parsed and type-checked package.
type pkg struct {
	fset  *token.FileSet
	files []*ast.File
	types *types.Package
	info  *types.Info

	fields map[*types.Var]*ast.Field // struct fields to their declaration
	inits  map[*types.Var]ast.Expr   // package-level variables to their initializer
	enums  map[*types.TypeName]*enum
	errs   []string
}

// enum is a named type with constants and a table of its allowed values.
type enum struct {
	name   string
	table  string   // the variable holding the allowed values
	values []string // in table order
}

func parsePackage(dir string) (*pkg, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &pkg{fset: token.NewFileSet(), fields: map[*types.Var]*ast.Field{}, inits: map[*types.Var]ast.Expr{}}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(p.fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
	}
	if len(p.files) == 0 {
		return nil, fmt.Errorf("%s: no Go files", dir)
	}
	p.info = &types.Info{Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}, Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{
		// Imports are not loaded: the config's types and constants are the package's own, and
		// anything that uses an import is only checked as far as it can be without it.
		Importer: stubImporter{},
		Error:    func(error) {},
	}
	p.types, _ = conf.Check(p.files[0].Name.Name, p.fset, p.files, p.info)
	for _, f := range p.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.StructType:
				for _, fd := range n.Fields.List {
					for _, id := range fd.Names {
						if v, ok := p.info.Defs[id].(*types.Var); ok {
							p.fields[v] = fd
						}
					}
				}
			case *ast.FuncDecl:
				return false // local types and variables are not config
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if v, ok := p.info.Defs[id].(*types.Var); ok && i < len(n.Values) {
						p.inits[v] = n.Values[i]
					}
				}
			}
			return true
		})
	}
	p.findEnums()
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(p.errs, "\n"))
	}
	return p, nil
}

type stubImporter struct{}

func (stubImporter) Import(path string) (*types.Package, error) {
	pkg := types.NewPackage(path, filepath.Base(path))
	pkg.MarkComplete()
	return pkg, nil
}

func (p *pkg) errorf(pos token.Pos, format string, args ...any) {
	p.errs = append(p.errs, fmt.Sprintf("%s: %s", p.position(pos), fmt.Sprintf(format, args...)))
}

func (p *pkg) position(pos token.Pos) string {
	at := p.fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(at.Filename), at.Line)
}

// findEnums collects the package's enum types, their constants and their tables.
func (p *pkg) findEnums() {
	p.enums = map[*types.TypeName]*enum{}
	scope := p.types.Scope()
	consts := map[*types.TypeName][]*types.Const{}
	tables := map[*types.TypeName][]*types.Var{}
	for _, name := range scope.Names() {
		switch o := scope.Lookup(name).(type) {
		case *types.Const:
			if tn := p.ownNamed(o.Type()); tn != nil {
				consts[tn] = append(consts[tn], o)
			}
		case *types.Var:
			if s, ok := o.Type().(*types.Slice); ok {
				if tn := p.ownNamed(s.Elem()); tn != nil {
					if _, basic := tn.Type().Underlying().(*types.Basic); basic {
						tables[tn] = append(tables[tn], o)
					}
				}
			}
		}
	}
	byPos := func(a, b types.Object) int { return int(a.Pos() - b.Pos()) }
	for tn, cs := range consts {
		ts := tables[tn]
		slices.SortFunc(ts, func(a, b *types.Var) int { return byPos(a, b) })
		slices.SortFunc(cs, func(a, b *types.Const) int { return byPos(a, b) })
		switch len(ts) {
		case 0:
			p.errorf(tn.Pos(), "enum type %s has constants but no table (a package-level []%s listing the allowed values)", tn.Name(), tn.Name())
			continue
		case 1:
		default:
			var names []string
			for _, t := range ts {
				names = append(names, t.Name())
			}
			p.errorf(ts[1].Pos(), "enum type %s has %d tables (%s); keep one list of its allowed values", tn.Name(), len(ts), strings.Join(names, ", "))
			continue
		}
		e := &enum{name: tn.Name(), table: ts[0].Name()}
		values, ok := p.listValues(ts[0])
		if !ok {
			p.errorf(ts[0].Pos(), "table %s of enum %s: want a []%s{...} of constants", ts[0].Name(), tn.Name(), tn.Name())
			continue
		}
		for _, v := range values {
			e.values = append(e.values, v.text)
		}
		for _, c := range cs {
			if !slices.Contains(e.values, constText(c.Val())) {
				p.errorf(c.Pos(), "constant %s of enum %s is missing from its table %s", c.Name(), tn.Name(), ts[0].Name())
			}
		}
		p.enums[tn] = e
	}
}

// ownNamed returns the type name of t when t is a named type declared in the package.
func (p *pkg) ownNamed(t types.Type) *types.TypeName {
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() != p.types {
		return nil
	}
	return n.Obj()
}

// value is one rendered value of a list: its text and, for a struct element, the rest of its
// fields.
type value struct {
	text string
	more []string
}

// listValues evaluates a package-level variable initialized with a list of constants (or of
// struct literals of constants).
func (p *pkg) listValues(v *types.Var) ([]value, bool) {
	lit, ok := p.inits[v].(*ast.CompositeLit)
	if !ok {
		return nil, false
	}
	var out []value
	for _, e := range lit.Elts {
		if c, ok := p.constOf(e); ok {
			out = append(out, value{text: c})
			continue
		}
		inner, ok := e.(*ast.CompositeLit)
		if !ok || len(inner.Elts) == 0 {
			return nil, false
		}
		var parts []string
		for _, ie := range inner.Elts {
			if kv, ok := ie.(*ast.KeyValueExpr); ok {
				ie = kv.Value
			}
			c, ok := p.constOf(ie)
			if !ok {
				return nil, false
			}
			parts = append(parts, c)
		}
		out = append(out, value{text: parts[0], more: parts[1:]})
	}
	return out, true
}

// constOf is the value of a constant expression, as text.
func (p *pkg) constOf(e ast.Expr) (string, bool) {
	tv, ok := p.info.Types[e]
	if !ok || tv.Value == nil {
		return "", false
	}
	return constText(tv.Value), true
}

func constText(v constant.Value) string {
	if v.Kind() == constant.String {
		return constant.StringVal(v)
	}
	return v.ExactString()
}

func (p *pkg) reference() (*Reference, error) {
	scope := p.types.Scope()
	project, ok := scope.Lookup("Project").(*types.Const)
	if !ok || project.Val().Kind() != constant.String {
		return nil, fmt.Errorf("no string constant Project (the project namespace of the config keys)")
	}
	stackName, ok := scope.Lookup("Stack").(*types.TypeName)
	if !ok {
		return nil, fmt.Errorf("no type Stack (the struct whose `config` tags list the blocks)")
	}
	stack, ok := stackName.Type().Underlying().(*types.Struct)
	if !ok {
		return nil, fmt.Errorf("%s: Stack is not a struct", p.position(stackName.Pos()))
	}
	ref := &Reference{}
	for i := range stack.NumFields() {
		f := stack.Field(i)
		tag, has := reflect.StructTag(stack.Tag(i)).Lookup("config")
		if !has {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		key := name
		if !strings.Contains(key, ":") {
			key = constant.StringVal(project.Val()) + ":" + name
		}
		doc, ok := p.docOf(f)
		if !ok {
			p.errorf(f.Pos(), "block %s (Stack.%s) has no doc comment", key, f.Name())
			continue
		}
		b := Block{Key: key, Required: opts == "required"}
		if st, ok := deref(f.Type()).Underlying().(*types.Struct); ok && p.ownNamed(deref(f.Type())) != nil {
			b.Doc = p.describe(f, doc, "`"+key+"`").doc
			p.structFields(&b, st, key, []string{f.Name()})
		} else {
			row := p.field(f, doc, key, []string{f.Name()}, "`"+key+"`")
			row.Required = b.Required
			b.Fields = append(b.Fields, row)
		}
		ref.Blocks = append(ref.Blocks, b)
	}
	if len(p.errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(p.errs, "\n"))
	}
	if len(ref.Blocks) == 0 {
		return nil, fmt.Errorf("%s: no field of Stack has a `config` tag", p.position(stackName.Pos()))
	}
	return ref, nil
}

// structFields adds a row for each documented field of st, and the rows of nested structs.
func (p *pkg) structFields(b *Block, st *types.Struct, prefix string, goPath []string) {
	for i := range st.NumFields() {
		f := st.Field(i)
		tag, has := reflect.StructTag(st.Tag(i)).Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !f.Exported() || !has || name == "-" || name == "" {
			continue
		}
		key := prefix + "." + name
		path := append(slices.Clone(goPath), f.Name())
		doc, ok := p.docOf(f)
		if !ok {
			p.errorf(f.Pos(), "field %s (%s) has no doc comment", goName(path), key)
			continue
		}
		row := p.field(f, doc, key, path, "`"+name+"`")
		row.Required = !slices.Contains(strings.Split(opts, ","), "omitempty")
		b.Fields = append(b.Fields, row)
		t := deref(f.Type())
		if s, ok := t.Underlying().(*types.Slice); ok {
			t, key, path = deref(s.Elem()), key+"[]", append(path, "[]")
		}
		if nested, ok := t.Underlying().(*types.Struct); ok && p.ownNamed(t) != nil {
			p.structFields(b, nested, key, path)
		}
	}
}

// field documents one field; name replaces the field's Go name where the doc starts with it.
func (p *pkg) field(f *types.Var, doc, key string, goPath []string, name string) Field {
	row := Field{Key: key, GoPath: goPath}
	typ, e, ok := p.typeName(f.Type())
	if !ok {
		p.errorf(f.Pos(), "field %s: unsupported type %s", goName(goPath), f.Type())
	}
	row.Type = typ
	d := p.describe(f, doc, name)
	row.Doc, row.Default, row.DefaultFromCode = d.doc, d.def, d.defFromCode
	var allowed []string
	if e != nil {
		allowed = append(allowed, codeList(e.values))
	}
	if d.allowed != "" {
		allowed = append(allowed, d.allowed)
	}
	row.Allowed = strings.Join(allowed, "; ")
	return row
}

// typeName names a field's type for the reference, with the enum it holds, if any.
func (p *pkg) typeName(t types.Type) (string, *enum, bool) {
	t = deref(t)
	if tn := p.ownNamed(t); tn != nil {
		if e := p.enums[tn]; e != nil {
			name, _, ok := p.typeName(t.Underlying())
			return name, e, ok
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsString != 0:
			return "string", nil, true
		case u.Info()&types.IsInteger != 0:
			return "integer", nil, true
		case u.Info()&types.IsBoolean != 0:
			return "boolean", nil, true
		case u.Info()&types.IsFloat != 0:
			return "number", nil, true
		}
	case *types.Struct:
		if p.ownNamed(t) != nil {
			return "map", nil, true
		}
	case *types.Slice:
		elem, e, ok := p.typeName(u.Elem())
		return "list of " + plural(elem), e, ok
	case *types.Interface:
		if u.Empty() {
			return "value", nil, true
		}
	case *types.Map:
		if k, ok := u.Key().Underlying().(*types.Basic); !ok || k.Info()&types.IsString == 0 {
			return "", nil, false
		}
		elem, e, ok := p.typeName(u.Elem())
		return "map of " + plural(elem), e, ok
	}
	return "", nil, false
}

// goName writes a Go field path for messages: Net.Peers[].Name.
func goName(path []string) string {
	return strings.ReplaceAll(strings.Join(path, "."), ".[]", "[]")
}

func plural(name string) string {
	if rest, ok := strings.CutPrefix(name, "list of "); ok {
		return "lists of " + rest
	}
	if rest, ok := strings.CutPrefix(name, "map of "); ok {
		return "maps of " + rest
	}
	return name + "s"
}

func deref(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// docOf is the doc comment of a struct field (above it, or else beside it).
func (p *pkg) docOf(f *types.Var) (string, bool) {
	fd := p.fields[f]
	if fd == nil {
		return "", false
	}
	for _, cg := range []*ast.CommentGroup{fd.Doc, fd.Comment} {
		if text := strings.TrimSpace(cg.Text()); text != "" {
			return text, true
		}
	}
	return "", false
}

// description is a doc comment split into its parts, rendered as Markdown.
type description struct {
	doc, def, allowed string
	defFromCode       bool
}

var directiveRE = regexp.MustCompile(`^(Default|Allowed):\s*`)

// describe splits a doc comment into description, default and allowed values. A leading Go
// field name is replaced by name, the key as users write it.
func (p *pkg) describe(f *types.Var, doc, name string) description {
	var text, def, allowed []string
	cur := &text
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		switch m := directiveRE.FindStringSubmatch(line); {
		case m != nil && m[1] == "Default":
			cur, line = &def, line[len(m[0]):]
		case m != nil:
			cur, line = &allowed, line[len(m[0]):]
		case line == "":
			cur = &text
		}
		if line != "" {
			*cur = append(*cur, line)
		}
	}
	var d description
	body := strings.Join(text, " ")
	if rest, ok := strings.CutPrefix(body, f.Name()); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, ":")) {
		d.doc = name + p.markdown(f, rest)
	} else {
		d.doc = p.markdown(f, body)
	}
	defText := strings.TrimSuffix(strings.Join(def, " "), ".")
	d.def = p.markdown(f, defText)
	d.defFromCode = linkRE.FindString(defText) == defText && defText != ""
	d.allowed = p.markdown(f, strings.TrimSuffix(strings.Join(allowed, " "), "."))
	return d
}

var linkRE = regexp.MustCompile(`\[([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\]`)

// markdown renders doc text for a table cell: doc links resolved, code spans kept, the rest
// escaped.
func (p *pkg) markdown(f *types.Var, s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 { // inside a code span
			b.WriteString("`" + strings.ReplaceAll(part, "|", `\|`) + "`")
			continue
		}
		last := 0
		for _, m := range linkRE.FindAllStringSubmatchIndex(part, -1) {
			b.WriteString(escape(part[last:m[0]]))
			b.WriteString(p.link(f, part[m[2]:m[3]]))
			last = m[1]
		}
		b.WriteString(escape(part[last:]))
	}
	return b.String()
}

// link renders the doc link [name]: a constant as its value, a table as its values, anything
// else the package declares as its name.
func (p *pkg) link(f *types.Var, name string) string {
	if strings.Contains(name, ".") {
		return "`" + name + "`"
	}
	switch o := p.types.Scope().Lookup(name).(type) {
	case nil:
		p.errorf(f.Pos(), "doc link [%s] names nothing in the package", name)
		return name
	case *types.Const:
		return codeList([]string{constText(o.Val())})
	case *types.Var:
		if lit, ok := p.inits[o].(*ast.CompositeLit); ok {
			if _, isMap := o.Type().Underlying().(*types.Map); isMap {
				return p.mapValues(f, o, lit)
			}
		}
		values, ok := p.listValues(o)
		if !ok {
			p.errorf(f.Pos(), "doc link [%s]: want a variable initialized with a list of constants", name)
			return name
		}
		out := make([]string, len(values))
		for i, v := range values {
			out[i] = codeList([]string{v.text})
			if len(v.more) > 0 {
				out[i] += " (" + escape(strings.Join(v.more, ", ")) + ")"
			}
		}
		return strings.Join(out, ", ")
	default:
		return "`" + name + "`"
	}
}

// mapValues renders a map of constants to lists of constants: "k: `a`, `b`; k2: `c`".
func (p *pkg) mapValues(f *types.Var, v *types.Var, lit *ast.CompositeLit) string {
	var out []string
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		key, kok := p.constOf(kv.Key)
		inner, lok := kv.Value.(*ast.CompositeLit)
		if !ok || !kok || !lok {
			p.errorf(f.Pos(), "doc link [%s]: want a map of constants to lists of constants", v.Name())
			return v.Name()
		}
		var values []string
		for _, ie := range inner.Elts {
			c, ok := p.constOf(ie)
			if !ok {
				p.errorf(f.Pos(), "doc link [%s]: want a map of constants to lists of constants", v.Name())
				return v.Name()
			}
			values = append(values, c)
		}
		out = append(out, escape(key)+": "+codeList(values))
	}
	return strings.Join(out, "; ")
}

// codeList renders values as code spans separated by commas.
func codeList(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = "`" + strings.ReplaceAll(v, "|", `\|`) + "`"
	}
	return strings.Join(out, ", ")
}

// CodeList renders values the way the reference renders the values of constants and tables:
// code spans separated by commas.
func CodeList(values ...string) string { return codeList(values) }

var escaper = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`)

func escape(s string) string { return escaper.Replace(s) }

// Markdown renders the reference: one section per block, each a table of its key paths.
func (r *Reference) Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("<!-- Generated by `go generate ./pkg/config` (internal/configdoc) from the doc comments of pkg/config. Do not edit: change the comments and run `make docs`. -->\n")
	for _, bl := range r.Blocks {
		fmt.Fprintf(&b, "\n### `%s`\n\n", bl.Key)
		if bl.Doc != "" {
			b.WriteString(bl.Doc)
			if bl.Required {
				b.WriteString(" Required in every stack.")
			}
			b.WriteString("\n\n")
		}
		b.WriteString("| key | type | default | allowed | required | description |\n")
		b.WriteString("|---|---|---|---|---|---|\n")
		for _, f := range bl.Fields {
			required := "no"
			if f.Required {
				required = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", f.Key, f.Type, f.Default, f.Allowed, required, f.Doc)
		}
	}
	return b.Bytes()
}

// Splice replaces what lies between the Begin and End markers of doc with section.
func Splice(doc, section []byte) ([]byte, error) {
	begin, end := []byte(Begin), []byte(End)
	if n := bytes.Count(doc, begin); n != 1 {
		return nil, fmt.Errorf("want exactly one %s line, found %d", Begin, n)
	}
	if n := bytes.Count(doc, end); n != 1 {
		return nil, fmt.Errorf("want exactly one %s line, found %d", End, n)
	}
	i := bytes.Index(doc, begin) + len(begin)
	j := bytes.Index(doc, end)
	if j < i {
		return nil, fmt.Errorf("%s comes before %s", End, Begin)
	}
	var out bytes.Buffer
	out.Write(doc[:i])
	out.WriteString("\n")
	out.Write(section)
	out.WriteString("\n")
	out.Write(doc[j:])
	return out.Bytes(), nil
}
