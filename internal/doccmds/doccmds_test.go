package doccmds

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
)

const root = "../.."

func TestParse(t *testing.T) {
	doc := "# T\n\n```sh\n# a comment line\nbin/sovereign plan   # the order\nbin/sovereign validate \\\n  --stack iad\nbin/sovereign new region --region iad --aws-region us-east-1   # exit 2: taken\n```\n\n" +
		"```text\n```sh\nnot a block\n```\n\n" +
		"```sh\n# online: needs AWS\nbin/sovereign up --all   # deploys\n```\n" +
		"```sh\n# slow: minutes\nmake test\n```\n"
	blocks, err := Parse("x.md", doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 3 {
		t.Fatalf("got %d blocks, want 3: %+v", len(blocks), blocks)
	}
	b := blocks[0]
	want := []Command{{5, "bin/sovereign plan", 0}, {6, "bin/sovereign validate  --stack iad", 0}, {8, "bin/sovereign new region --region iad --aws-region us-east-1", 2}}
	if b.Mark != Offline || len(b.Commands) != len(want) {
		t.Fatalf("block 1: %+v", b)
	}
	for i, c := range want {
		if b.Commands[i] != c {
			t.Errorf("command %d: got %+v, want %+v", i, b.Commands[i], c)
		}
	}
	if blocks[1].Mark != Online || blocks[1].Reason != "needs AWS" || blocks[1].Commands[0].Text != "bin/sovereign up --all" {
		t.Errorf("block 2: %+v", blocks[1])
	}
	if blocks[2].Mark != Slow || blocks[2].Commands[0].Text != "make test" {
		t.Errorf("block 3: %+v", blocks[2])
	}
}

func TestParseRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"unclosed":            "```sh\nbin/sovereign plan\n",
		"mark without reason": "```sh\n# online\nbin/sovereign up\n```\n",
		"dangling backslash":  "```sh\nbin/sovereign plan \\\n```\n",
	} {
		if _, err := Parse("x.md", doc); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSplitComment(t *testing.T) {
	for _, tt := range []struct{ in, cmd, comment string }{
		{"a b # c", "a b", "c"},
		{"pulumi login 's3://x?y#z' # as printed", "pulumi login 's3://x?y#z'", "as printed"},
		{`echo "a # b"`, `echo "a # b"`, ""},
		{"a#b", "a#b", ""},
	} {
		if cmd, comment := splitComment(tt.in); cmd != tt.cmd || comment != tt.comment {
			t.Errorf("%q: got %q, %q", tt.in, cmd, comment)
		}
	}
}

func TestRunnable(t *testing.T) {
	for cmd, ok := range map[string]bool{
		"bin/sovereign validate --all":                  true,
		"bin/sovereign preflight --all":                 true,
		"bin/sovereign preflight --all --online":        false,
		"bin/sovereign up --all":                        false,
		"bin/sovereign cost --all --refresh-prices":     false,
		"bin/sovereign new client --stack iad --name x": true,
		"cat Pulumi.fra.yaml":                           true,
		"make test":                                     false,
		"pulumi preview -s iad":                         false,
		"aws sts get-caller-identity":                   false,
	} {
		if got := Runnable(cmd) == ""; got != ok {
			t.Errorf("%q: runnable %v, want %v (%s)", cmd, got, ok, Runnable(cmd))
		}
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// sovereign builds cmd/sovereign once for the whole test binary.
func sovereign(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "doccmds-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sovereign")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/sovereign")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("go build ./cmd/sovereign: %v", buildErr)
	}
	return binPath
}

// workdir is a copy of the committed fleet with bin/sovereign and the example inputs the docs use.
func workdir(t *testing.T, bin string) string {
	t.Helper()
	dir := fleettest.Copy(t, root)
	for _, f := range []string{"bootstrap.yaml", "testdata/drift/summary.json"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(dir, "bin", "sovereign")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shell(dir, command string) (int, string) {
	cmd := exec.Command("bash", "-o", "pipefail", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String()
	default:
		return -1, err.Error()
	}
}

// TestDocCommands runs every offline block of README.md and docs/ in a fresh copy of the
// committed fleet, command by command, and checks the rest: every `bin/sovereign` command of an
// online or slow block must name a subcommand and flags the binary has (its --help must succeed),
// and every make target must exist.
func TestDocCommands(t *testing.T) {
	blocks, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal("no ```sh blocks found")
	}
	// Refuse first what cannot run, before spending time on what can.
	for _, b := range blocks {
		if b.Mark != Offline {
			continue
		}
		for _, c := range b.Commands {
			if why := Runnable(c.Text); why != "" {
				t.Errorf("%s:%d: %s: %s; mark the block \"# online: <why>\" or \"# slow: <why>\" on its first line", b.File, c.Line, c.Text, why)
			}
		}
	}
	if t.Failed() {
		return
	}
	bin := sovereign(t)
	help := workdir(t, bin)
	for _, b := range blocks {
		if b.Mark != Offline {
			for _, c := range b.Commands {
				checkNamed(t, b, c, help)
			}
			continue
		}
		dir := workdir(t, bin)
		for _, c := range b.Commands {
			code, out := shell(dir, c.Text)
			if code != c.WantExit {
				t.Errorf("%s:%d: %s: exit %d, want %d\n%s", b.File, c.Line, c.Text, code, c.WantExit, out)
				break // the block's later commands depend on this one
			}
		}
	}
}

// checkNamed checks a command the test does not run: a sovereign command's subcommand and flags
// (cobra refuses an unknown flag before it prints help; `go run ./cmd/sovereign` counts as the
// binary), a make target's existence, and that a `go test -run` names tests that exist.
func checkNamed(t *testing.T, b Block, c Command, dir string) {
	t.Helper()
	words := strings.Fields(c.Text)
	cut := len(words)
	for i, w := range words {
		if w == "|" || w == "&&" || w == ";" || strings.HasPrefix(w, ">") || strings.HasPrefix(w, "<") {
			cut = i
			break
		}
	}
	words = words[:cut]
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		words = words[1:] // VAR=value before the command
	}
	if len(words) > 2 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/sovereign" {
		words = append([]string{"bin/sovereign"}, words[3:]...)
	}
	switch {
	case len(words) > 1 && words[0] == "go" && words[1] == "test":
		for _, problem := range GoTestProblems(root, words) {
			t.Errorf("%s:%d: %s: %s", b.File, c.Line, c.Text, problem)
		}
	case len(words) > 0 && words[0] == "bin/sovereign":
		if code, out := shell(dir, strings.Join(words, " ")+" --help"); code != 0 {
			t.Errorf("%s:%d: %s: the binary does not take it: exit %d\n%s", b.File, c.Line, c.Text, code, out)
		}
	case len(words) > 1 && words[0] == "make":
		for _, target := range words[1:] {
			if strings.Contains(target, "=") {
				continue
			}
			if code, out := shell(root, "make -n "+target); code != 0 {
				t.Errorf("%s:%d: %s: no make target %s\n%s", b.File, c.Line, c.Text, target, out)
			}
		}
	}
}
