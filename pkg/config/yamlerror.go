package config

import (
	"regexp"
	"strconv"
	"strings"
)

var yamlLine = regexp.MustCompile(`(?m)^\s*line (\d+): (.*)$`)

// parserContextProblems are the problems gopkg.in/yaml.v3's parser reports with the line of
// the construct it was parsing (parserc.go, yaml_parser_set_parser_error_context). decode.go's
// fail() adds one to the zero-based line of scanner errors only, so these come one line early.
var parserContextProblems = []string{
	"did not find expected ',' or ']'", "did not find expected ',' or '}'", "did not find expected '-' indicator",
	"did not find expected key", "did not find expected node content", "found undefined tag handle",
}

// yamlProblem turns a YAML decoding error into a problem at its line (file:line: form), the
// line the construct starts on.
func yamlProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return Problem{File: file, Msg: "not valid YAML: " + msg}
	}
	line, _ := strconv.Atoi(m[1])
	for _, p := range parserContextProblems {
		if strings.HasPrefix(m[2], p) {
			line++
			break
		}
	}
	rest := strings.TrimSpace(m[2])
	if strings.HasPrefix(msg, "unmarshal errors:") {
		rest = "unmarshal errors: " + rest
	}
	return Problem{File: file, Line: line, Msg: "not valid YAML: " + rest}
}
