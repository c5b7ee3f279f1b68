package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Problem is one thing wrong with a stack's configuration: where it is and what is allowed.
type Problem struct {
	File string // e.g. Pulumi.ams.yaml
	Line int    // 0 when the value did not come from a file
	Path string // key path, e.g. global-sovereign:network.vpcCidr
	Msg  string // the bad value and what is allowed
	// Stack is the stack whose config has the problem; File is where the value is written,
	// Pulumi.yaml for a value the stack inherited. Not part of the message.
	Stack string

	also string // another key path the problem involves: located there when Path was inherited
}

func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Path == "" {
		return fmt.Sprintf("%s: %s", loc, p.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", loc, p.Path, p.Msg)
}

// Problems is every problem found in one or more stack files. It is an error when non-empty.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Err returns ps as an error, or nil when there are none. A problem found more than once (a bad
// value in Pulumi.yaml that several stacks inherit) is reported once.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps.unique()
}

// unique sorts ps and drops repeats of a problem (same place, same message) that several
// stacks found.
func (ps Problems) unique() Problems {
	ps.sort()
	return slices.CompactFunc(ps, func(a, b Problem) bool {
		return a.File == b.File && a.Line == b.Line && a.Path == b.Path && a.Msg == b.Msg
	})
}

func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Msg < ps[j].Msg
	})
}

// issues collects problems with key paths relative to one stack; the stack fills in file and
// line when it reports them.
type issues []Problem

func (is *issues) add(path, format string, args ...any) {
	*is = append(*is, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// addPair is add for a problem between two keys (max below min): when path's value came from
// Pulumi.yaml and also's from the stack file, the problem is located at also, the value the stack
// changed, so the fix lands in the stack and not in what every stack shares.
func (is *issues) addPair(path, also, format string, args ...any) {
	*is = append(*is, Problem{Path: path, also: also, Msg: fmt.Sprintf(format, args...)})
}
