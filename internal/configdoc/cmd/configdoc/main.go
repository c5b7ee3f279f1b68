// Command configdoc writes the config reference of docs/configuration.md from the doc comments of
// the config package (see package internal/configdoc). pkg/config runs it through `go generate`:
//
//	configdoc [-dir pkg/config] -doc docs/configuration.md [-o out.md]
//
// It replaces what lies between the reference markers of the page and writes the result back,
// or to -o (make lint writes to a temporary file and compares).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/global-sovereign/global-sovereign/internal/configdoc"
)

func main() {
	dir := flag.String("dir", ".", "directory of the config package")
	doc := flag.String("doc", "docs/configuration.md", "Markdown file holding the reference markers")
	out := flag.String("o", "", "write the result here instead of back to -doc")
	flag.Parse()
	if err := run(*dir, *doc, *out); err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}

func run(dir, page, out string) error {
	ref, err := configdoc.Load(dir)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(page)
	if err != nil {
		return err
	}
	text, err := configdoc.Splice(old, ref.Markdown())
	if err != nil {
		return fmt.Errorf("%s: %w", page, err)
	}
	if out == "" {
		if bytes.Equal(text, old) {
			return nil
		}
		out = page
	}
	return os.WriteFile(out, text, 0o644)
}
