package doccmds

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// A `go test ./pkg -run X` line in the docs is marked slow (it compiles a test binary, minutes on
// a busy machine) and so never runs here; what can rot without running it is checked statically:
// each package exists, every alternative of -run names at least one test of those packages, and a
// package given -update defines that flag. Renaming a test then breaks the doc that cites it.

var (
	testFunc   = regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Example|Benchmark)\w*)\(`)
	updateFlag = regexp.MustCompile(`flag\.Bool\("update"`)
)

// GoTestProblems returns what is wrong with one `go test` command line (its words, the first two
// "go" and "test"), checked against the sources under root. Nil means the packages exist and
// every -run alternative matches one of their tests.
func GoTestProblems(root string, words []string) []string {
	var pkgs []string
	var pattern string
	wantUpdate := false
	for i := 2; i < len(words); i++ {
		w := strings.Trim(words[i], `'"`)
		switch {
		case w == "-run" && i+1 < len(words):
			i++
			pattern = strings.Trim(words[i], `'"`)
		case strings.HasPrefix(w, "-run="):
			pattern = strings.TrimPrefix(w, "-run=")
		case w == "-update" || w == "-update=true":
			wantUpdate = true
		case strings.HasPrefix(w, "./"):
			pkgs = append(pkgs, strings.TrimSuffix(w, "/..."))
		}
	}
	if len(pkgs) == 0 {
		return []string{"names no package (./path)"}
	}
	var problems []string
	var names []string
	hasUpdate := false
	for _, pkg := range pkgs {
		files, _ := filepath.Glob(filepath.Join(root, pkg, "*_test.go"))
		if len(files) == 0 {
			problems = append(problems, fmt.Sprintf("package %s has no test files", pkg))
			continue
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			for _, m := range testFunc.FindAllStringSubmatch(string(data), -1) {
				names = append(names, m[1])
			}
			hasUpdate = hasUpdate || updateFlag.Match(data)
		}
	}
	if wantUpdate && !hasUpdate {
		problems = append(problems, fmt.Sprintf("-update: no test of %s defines that flag", strings.Join(pkgs, " ")))
	}
	if pattern == "" {
		return problems
	}
	sort.Strings(names)
	// go test matches -run per level of a subtest path; the top level is before the first '/'.
	top, _, _ := strings.Cut(pattern, "/")
	for _, alt := range topLevelAlternatives(top) {
		re, err := regexp.Compile(alt)
		if err != nil {
			problems = append(problems, fmt.Sprintf("-run %q: %v", alt, err))
			continue
		}
		found := false
		for _, n := range names {
			if re.MatchString(n) {
				found = true
				break
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("-run %q matches no test of %s", alt, strings.Join(pkgs, " ")))
		}
	}
	return problems
}

// topLevelAlternatives splits a regular expression at the '|' outside parentheses and brackets.
func topLevelAlternatives(re string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(re); i++ {
		switch re[i] {
		case '\\':
			i++
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, re[start:i])
				start = i + 1
			}
		}
	}
	return append(out, re[start:])
}
