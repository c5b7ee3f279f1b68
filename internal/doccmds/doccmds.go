// Package doccmds finds the shell commands the documentation shows, so that a test can run them
// against the committed fleet: every fenced ```sh block of README.md and docs/**/*.md.
//
// The rule: a block runs offline unless its first line says otherwise. A first line
// "# online: <why>" marks a block that needs an AWS account, a state backend or a cluster; a first
// line "# slow: <why>" marks one that runs offline but takes minutes (make test, go test). Both
// still have their `bin/sovereign` commands checked (subcommand and flags) and their make targets
// checked to exist; nothing else of them runs. An unmarked block must consist only of commands
// the test knows how to run offline (Runnable); anything else is an error, so a block nobody
// can run never passes as checked.
package doccmds

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Mark says how a block is treated.
type Mark string

const (
	Offline Mark = ""       // run, command by command, in a copy of the fleet
	Online  Mark = "online" // needs AWS or a backend: only flags and targets checked
	Slow    Mark = "slow"   // offline but minutes long: only flags and targets checked
)

// Command is one logical command line of a block (continuation lines joined).
type Command struct {
	Line     int    // line in the file where it starts
	Text     string // the command without its trailing comment
	WantExit int    // from a trailing comment "# exit N ..."; 0 otherwise
}

// Block is one fenced ```sh block.
type Block struct {
	File     string // relative to the repository root
	Line     int    // line of the opening fence
	Mark     Mark
	Reason   string // what follows "# online:" or "# slow:"
	Commands []Command
}

var (
	markLine = regexp.MustCompile(`^#\s*(online|slow)\s*:\s*(\S.*)$`)
	exitNote = regexp.MustCompile(`^exit (\d+)\b`)
)

// Files lists README.md and every Markdown file under docs/, relative to root, sorted.
func Files(root string) ([]string, error) {
	files := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files[1:])
	return files, err
}

// Parse returns the ```sh blocks of one Markdown text. file names it in errors.
func Parse(file, text string) ([]Block, error) {
	var blocks []Block
	var cur *Block
	var pending []string
	pendingLine := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	first := false
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if cur == nil {
			if strings.HasPrefix(trimmed, "```") {
				lang := strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
				if lang == "sh" {
					cur = &Block{File: file, Line: n}
					first = true
				} else {
					// Another fenced block (text, json, yaml): skip to its closing fence.
					if err := skipFence(sc, &n); err != nil {
						return nil, fmt.Errorf("%s:%d: %w", file, n, err)
					}
				}
			}
			continue
		}
		if trimmed == "```" {
			if len(pending) > 0 {
				return nil, fmt.Errorf("%s:%d: a command ends in a line continuation", file, pendingLine)
			}
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		if first {
			first = false
			if m := markLine.FindStringSubmatch(trimmed); m != nil {
				cur.Mark, cur.Reason = Mark(m[1]), m[2]
				continue
			}
			if strings.HasPrefix(trimmed, "# online") || strings.HasPrefix(trimmed, "# slow") {
				return nil, fmt.Errorf("%s:%d: a block's mark is \"# online: <why>\" or \"# slow: <why>\"", file, n)
			}
		}
		if trimmed == "" || (len(pending) == 0 && strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if len(pending) == 0 {
			pendingLine = n
		}
		if strings.HasSuffix(trimmed, `\`) {
			pending = append(pending, strings.TrimSuffix(trimmed, `\`))
			continue
		}
		pending = append(pending, trimmed)
		cmd, comment := splitComment(strings.Join(pending, " "))
		pending = nil
		c := Command{Line: pendingLine, Text: cmd}
		if m := exitNote.FindStringSubmatch(comment); m != nil {
			c.WantExit, _ = strconv.Atoi(m[1])
		}
		cur.Commands = append(cur.Commands, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: a ```sh block is never closed", file, cur.Line)
	}
	return blocks, nil
}

func skipFence(sc *bufio.Scanner, n *int) error {
	for sc.Scan() {
		*n++
		if t := strings.TrimSpace(sc.Text()); strings.Trim(t, "`") == "" && len(t) >= 3 {
			return nil
		}
	}
	return fmt.Errorf("a fenced block is never closed")
}

// splitComment cuts a shell line at its first '#' that starts a comment (after a blank, outside
// quotes), returning the command and the comment's text.
func splitComment(s string) (cmd, comment string) {
	var quote rune
	prev := ' '
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (prev == ' ' || prev == '\t'):
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		}
		prev = r
	}
	return strings.TrimSpace(s), ""
}

// offlineSubcommands are the sovereign commands that need neither AWS nor a state backend.
var offlineSubcommands = map[string]bool{
	"validate": true, "synth": true, "plan": true, "cost": true, "new": true, "version": true,
	"drift-report": true, "help": true,
}

// offlineTools are the other commands an offline block may use, on files of the copy.
var offlineTools = map[string]bool{"cat": true, "ls": true, "diff": true, "grep": true, "rm": true}

// Runnable says why a command of an unmarked block cannot run offline, or "" when it can. A
// sovereign command that would ask AWS (preflight --online, cost --refresh-prices) is not runnable.
func Runnable(cmd string) string {
	words := strings.Fields(cmd)
	if len(words) == 0 {
		return "empty command"
	}
	switch {
	case words[0] == "bin/sovereign":
		if len(words) < 2 {
			return ""
		}
		sub := words[1]
		if sub == "preflight" {
			for _, w := range words {
				if w == "--online" || w == "--github" {
					return "preflight " + w + " asks AWS or GitHub"
				}
			}
			return ""
		}
		if !offlineSubcommands[sub] {
			return "sovereign " + sub + " needs AWS or a state backend"
		}
		for _, w := range words {
			if w == "--refresh-prices" {
				return "cost --refresh-prices asks the AWS Price List API"
			}
		}
		return ""
	case offlineTools[words[0]]:
		return ""
	default:
		return fmt.Sprintf("%q is not a command the doc test runs offline", words[0])
	}
}

// Load parses every documentation file under root.
func Load(root string) ([]Block, error) {
	files, err := Files(root)
	if err != nil {
		return nil, err
	}
	var all []Block
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, err
		}
		bs, err := Parse(f, string(data))
		if err != nil {
			return nil, err
		}
		all = append(all, bs...)
	}
	return all, nil
}
