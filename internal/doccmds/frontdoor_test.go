package doccmds

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README is the front door: short, with the four parts a newcomer needs, and a map from
// which every page of docs/ can be reached.
const readmeMaxLines = 250

// pending are pages other branches write while this one is open, which the README or the
// operations index may link already. Remove a name once its page is merged (the link check then
// covers it); empty when every linked page exists.
var pending = map[string]bool{}

func read(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestREADMEIsTheFrontDoor(t *testing.T) {
	readme := read(t, "README.md")
	if n := strings.Count(readme, "\n"); n > readmeMaxLines {
		t.Errorf("README.md has %d lines; at most %d: move the detail into docs/", n, readmeMaxLines)
	}
	for _, h := range []string{"## The two commands", "## What it deploys", "## The path to a first real deployment", "## Map of the docs"} {
		if !strings.Contains(readme, "\n"+h+"\n") {
			t.Errorf("README.md has no section %q", h)
		}
	}
	for _, step := range []string{"bin/sovereign bootstrap", "bin/sovereign preflight", "bin/sovereign preview", "bin/sovereign up", "make synth", "make test"} {
		if !strings.Contains(readme, step) {
			t.Errorf("README.md does not show %q", step)
		}
	}
}

var (
	mdLink  = regexp.MustCompile(`\]\(([^)#\s]*)(#[^)\s]*)?\)`)
	heading = regexp.MustCompile("(?m)^#{1,6} (.+)$")
	notSlug = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

type link struct{ target, anchor string }

// links returns the relative links of a page, their targets resolved against the repository root
// (a link to a heading of the page itself has the page as target).
func links(page, text string) []link {
	var out []link
	for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
		target, anchor := m[1], strings.TrimPrefix(m[2], "#")
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		if target == "" {
			out = append(out, link{page, anchor})
			continue
		}
		out = append(out, link{filepath.ToSlash(filepath.Join(filepath.Dir(page), target)), anchor})
	}
	return out
}

// anchors are the ids GitHub gives a page's headings: lower case, punctuation dropped, blanks to
// hyphens (fenced blocks are not skipped: a "# comment" in one only adds an id nobody links).
func anchors(text string) map[string]bool {
	ids := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(text, -1) {
		id := strings.ReplaceAll(notSlug.ReplaceAllString(strings.ToLower(strings.TrimSpace(m[1])), ""), " ", "-")
		ids[id] = true
	}
	return ids
}

// Every relative link of README.md and docs/ resolves (but to the pages still being written),
// and every page of docs/ is linked from the README's map or the operations index.
func TestDocsMap(t *testing.T) {
	files, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, f := range files {
		for _, l := range links(f, read(t, f)) {
			if f == "README.md" || f == "docs/operations/README.md" {
				linked[l.target] = true
			}
			if pending[l.target] {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, l.target)); err != nil {
				t.Errorf("%s links %s, which does not exist", f, l.target)
				continue
			}
			if l.anchor != "" && strings.HasSuffix(l.target, ".md") && !anchors(read(t, l.target))[l.anchor] {
				t.Errorf("%s links %s#%s: no such heading there", f, l.target, l.anchor)
			}
		}
	}
	for _, f := range files {
		if f == "README.md" || f == "docs/mutation-survivors.md" {
			continue
		}
		if !linked[f] {
			t.Errorf("%s is linked from neither README.md's map nor docs/operations/README.md", f)
		}
		if first, _, _ := strings.Cut(read(t, f), "\n"); !strings.HasPrefix(first, "# ") {
			t.Errorf("%s: the first line is not a `# Title`", f)
		}
	}
}
