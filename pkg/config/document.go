package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Document is a YAML file of the project other than a stack file (bootstrap.yaml): it is read
// with the stack files' strict decoder, and its problems name the file, the line and the key
// path, as the stack files' do.
type Document struct {
	File  string
	lines lineIndex
}

// DecodeDocument reads data, the contents of file, into dst (a pointer to a struct whose json
// tags name the keys). An unknown key, a value of the wrong type or a number out of range is a
// problem naming the file, line and key path; the returned Document places later problems
// (validation) on their lines.
func DecodeDocument(file string, data []byte, dst any) (*Document, error) {
	d := &Document{File: file, lines: lineIndex{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return d, Problems{yamlProblem(file, err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return d, Problems{{File: file, Msg: "empty file; want a map of keys"}}
	}
	if root := doc.Content[0]; root.Kind != yaml.MappingNode {
		return d, Problems{{File: file, Line: root.Line, Msg: "want a map of keys at the top of the file"}}
	}
	tree, err := yamlToTree(&doc, "", d.lines)
	if err != nil {
		return d, Problems{{File: file, Msg: err.Error()}}
	}
	var is issues
	decode("", tree, dst, &is)
	if len(is) > 0 {
		out := make(Problems, len(is))
		for i, p := range is {
			out[i] = d.Problem(p.Path, "%s", p.Msg)
		}
		return d, out.Err()
	}
	return d, nil
}

// Problem is a problem with the value at key path (e.g. github.repository), placed on the line
// of that key or of its nearest ancestor in the file.
func (d *Document) Problem(path, format string, args ...any) Problem {
	line := 0
	if d != nil {
		for p := path; p != ""; {
			if l, ok := d.lines[p]; ok {
				line = l
				break
			}
			i := strings.LastIndexAny(p, ".[")
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	file := ""
	if d != nil {
		file = d.File
	}
	return Problem{File: file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}
}
