package configdoc

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fixture.md")

// fixture copies testdata/fixture into a temporary directory with old replaced by new in the one
// file that holds old.
func fixture(t *testing.T, old, new string) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob("testdata/fixture/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixture files: %v", err)
	}
	replaced := old == ""
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if old != "" && bytes.Contains(src, []byte(old)) {
			src = bytes.Replace(src, []byte(old), []byte(new), 1)
			replaced = true
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !replaced {
		t.Fatalf("stale test: %q is not in the fixture", old)
	}
	return dir
}

func TestFixtureReference(t *testing.T) {
	ref, err := Load("testdata/fixture")
	if err != nil {
		t.Fatal(err)
	}
	got := ref.Markdown()
	golden := filepath.Join("testdata", "fixture.md")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("reference differs from %s (go test ./internal/configdoc -update rewrites it):\n%s", golden, got)
	}
}

// Each case breaks the fixture one way; Load must fail with a message naming what to fix.
func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"field without doc comment", "\t// CIDR is the range, e.g. <cidr>.\n", "",
			"config.go:25: field Net.CIDR (demo:net.cidr) has no doc comment"},
		{"nested field without doc comment", "\t// Ports are its ports; see [fmt.Sprint] and [Net].\n", "",
			"config.go:50: field Net.Peers[].Ports (demo:net.peers[].ports) has no doc comment"},
		{"line comment only counts", "`json:\"name\"` // Name names the peer.", "`json:\"name\"`",
			"field Net.Peers[].Name (demo:net.peers[].name) has no doc comment"},
		{"block without doc comment", "\t// Labels are added to every resource.\n", "",
			"block demo:labels (Stack.Labels) has no doc comment"},
		{"enum constant missing from its table", "[]Mode{ModeFast, ModeSafe}", "[]Mode{ModeFast}",
			"constant ModeSafe of enum Mode is missing from its table modes"},
		{"enum with two tables", "\tdays     = []int{", "\tmore     = []Mode{ModeSafe}\n\tdays     = []int{",
			"enum type Mode has 2 tables (modes, more)"},
		{"enum without table", "\tmodes    = []Mode{ModeFast, ModeSafe}\n", "",
			"enum type Mode has constants but no table"},
		{"doc link to nothing", "Default: [DefaultDays].", "Default: [DefaultDay].",
			"doc link [DefaultDay] names nothing in the package"},
		{"doc link to a computed variable", "days     = []int{1, 7, DefaultDays}", "days     = append([]int{1}, 7)",
			"doc link [days]: want a variable initialized with a list of constants"},
		{"unsupported type", "Versions string `json:\"version,omitempty\"`", "Versions chan int `json:\"version,omitempty\"`",
			"field Net.Versions: unsupported type chan int"},
		{"no Project constant", "const Project = \"demo\"", "const Namespace = \"demo\"", "no string constant Project"},
		{"no Stack type", "type Stack struct {", "type Stacks struct {", "no type Stack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(fixture(t, tt.old, tt.new))
			if err == nil {
				t.Fatalf("Load succeeded; want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
		})
	}
}

func TestSplice(t *testing.T) {
	doc := "# Title\n\nintro\n\n" + Begin + "\nold\nreference\n" + End + "\n\nafter\n"
	got, err := Splice([]byte(doc), []byte("new\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nintro\n\n" + Begin + "\nnew\n\n" + End + "\n\nafter\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	again, err := Splice(got, []byte("new\n"))
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("splicing the same section twice changed the document: %v\n%s", err, again)
	}
	for name, bad := range map[string]string{
		"no markers":    "# Title\n",
		"no end":        Begin + "\n",
		"no begin":      End + "\n",
		"reversed":      End + "\n" + Begin + "\n",
		"two beginings": Begin + "\n" + Begin + "\n" + End + "\n",
	} {
		if _, err := Splice([]byte(bad), []byte("x\n")); err == nil {
			t.Errorf("%s: Splice accepted %q", name, bad)
		}
	}
}
