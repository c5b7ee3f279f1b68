// Command configdoc writes the config reference of README.md from the doc comments of the config
// package (see package internal/configdoc). pkg/config runs it through `go generate`:
//
//	configdoc [-dir pkg/config] -readme README.md [-o out.md]
//
// It replaces what lies between the reference markers of the readme and writes the result back,
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
	readme := flag.String("readme", "README.md", "Markdown file holding the reference markers")
	out := flag.String("o", "", "write the result here instead of back to -readme")
	flag.Parse()
	if err := run(*dir, *readme, *out); err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}

func run(dir, readme, out string) error {
	ref, err := configdoc.Load(dir)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	doc, err := configdoc.Splice(old, ref.Markdown())
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	if out == "" {
		if bytes.Equal(doc, old) {
			return nil
		}
		out = readme
	}
	return os.WriteFile(out, doc, 0o644)
}
