package orchestrate

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

func TestChangedCountsEveryKindButSame(t *testing.T) {
	if got := (Changes{Create: 1, Update: 2, Replace: 4, Delete: 8, Same: 16}).Changed(); got != 15 {
		t.Errorf("Changed() = %d, want 15", got)
	}
}

func TestRoundDuration(t *testing.T) {
	tests := []struct{ in, want time.Duration }{
		{1234567 * time.Microsecond, 1200 * time.Millisecond},            // 1.2345 s: tenths
		{999_600 * time.Microsecond, 1000 * time.Millisecond},            // under a second: milliseconds
		{time.Second + 49*time.Millisecond, time.Second},                 // exactly from 1 s: tenths
		{time.Minute + 1400*time.Millisecond, time.Minute + time.Second}, // from a minute: seconds
		{59*time.Second + 960*time.Millisecond, 60 * time.Second},        // just under a minute: tenths
		{1500 * time.Microsecond, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := roundDuration(tt.in); got != tt.want {
			t.Errorf("roundDuration(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	long := strings.Repeat("x", 400)
	tests := map[string]string{
		"  one\ntwo": "one",
		"\nlead":     "lead",
		long:         long,         // exactly the limit: kept whole
		long + "y":   long + "...", // one over: cut
		"a\n" + long: "a",
	}
	for in, want := range tests {
		if got := firstLine(in); got != want {
			t.Errorf("firstLine(%.20q...) = %.20q... (%d bytes), want %d bytes", in, got, len(got), len(want))
		}
	}
}

// The table names the log of every stack that did not succeed, and only when there is one.
func TestTableNamesLogsOnlyWhenThereAreSome(t *testing.T) {
	sum := &Summary{Op: Up, Stacks: []StackReport{
		{Stack: "ams", Op: Up, Status: Failed, Error: "boom", LogFile: "/logs/up-ams.log"},
		{Stack: "iad", Op: Up, Status: Skipped, Error: "skipped: depends on ams, which failed"},
	}}
	var b bytes.Buffer
	if err := WriteTable(&b, sum); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "ams: boom\n  log: /logs/up-ams.log\n") {
		t.Errorf("no log line for ams:\n%s", out)
	}
	if strings.Count(out, "log:") != 1 {
		t.Errorf("a log line for a stack without a log:\n%s", out)
	}
}

// A PR comment stays under GitHub's limit however long the diffs are: each stack's output is
// cut to its share of what the table leaves; short outputs are left whole.
func TestPRCommentStaysUnderTheLimit(t *testing.T) {
	huge := strings.Repeat("+ aws:ec2/subnet:Subnet create\n", 10000)
	sum := &Summary{Op: Preview}
	for i := 0; i < 8; i++ {
		sum.Stacks = append(sum.Stacks, StackReport{Stack: fmt.Sprintf("s%d", i), Op: Preview, Status: Succeeded, Output: huge})
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, sum); err != nil {
		t.Fatal(err)
	}
	if b.Len() > maxCommentBytes || b.Len() < maxCommentBytes*9/10 {
		t.Errorf("comment of %d bytes: want at most %d and most of it used", b.Len(), maxCommentBytes)
	}
	if n := strings.Count(b.String(), "(truncated;"); n != 8 {
		t.Errorf("%d outputs truncated, want 8", n)
	}
	sum.Stacks = []StackReport{{Stack: "small", Op: Preview, Status: Succeeded, Output: "+ one"}, {Stack: "quiet", Op: Preview, Status: Succeeded}}
	b.Reset()
	if err := WriteMarkdown(&b, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "```\n+ one\n```") || !strings.Contains(b.String(), "```\n(no output)\n```") || strings.Contains(b.String(), "truncated") {
		t.Errorf("short outputs changed:\n%s", b.String())
	}
}

// A run over no stacks (an empty selection) still writes a comment.
func TestPRCommentOfNoStacks(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, &Summary{Op: Preview}); err != nil || !strings.Contains(b.String(), "0 stack(s)") {
		t.Errorf("empty summary: %v\n%s", err, b.String())
	}
}

// The line observer adds the reason only when there is one.
func TestLinesFinished(t *testing.T) {
	var b bytes.Buffer
	l := NewLines(&b)
	l.StackFinished(StackReport{Stack: "ams", Status: Succeeded, Duration: time.Second})
	l.StackFinished(StackReport{Stack: "iad", Status: Failed, Error: "boom", Duration: time.Second})
	want := "[ams] succeeded in 1s: +0 ~0 ±0 -0\n[iad] failed in 1s: +0 ~0 ±0 -0: boom\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// The live view: one line per stack, redrawn in place (cursor up by the lines drawn before),
// elapsed time counting while running, lines cut to the width, 120 columns by default.
func TestLiveRedrawsInPlace(t *testing.T) {
	var b bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLive(&b, []string{"ams", "iad"}, time.Hour, 0)
	l.now = func() time.Time { return now }
	if l.width != 120 {
		t.Errorf("default width %d, want 120", l.width)
	}
	l.Draw()
	first := b.String()
	if !strings.HasPrefix(first, "\x1b[2K") || strings.Count(first, "\x1b[2K") != 2 {
		t.Errorf("first draw %q: want two cleared lines and no cursor move", first)
	}
	l.StackStarted("ams")
	now = now.Add(90 * time.Second)
	l.StackProgress("ams", Progress{Done: 3, Seen: 5, Last: strings.Repeat("r", 300)})
	l.StackStarted("late") // a stack the view did not know of gets its own line
	b.Reset()
	l.Draw()
	second := b.String()
	if !strings.HasPrefix(second, "\x1b[2A") {
		t.Errorf("second draw does not move back over the 2 lines drawn: %q", second[:10])
	}
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(second, "\x1b[2A"), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3: %q", len(lines), lines)
	}
	ams := strings.TrimPrefix(lines[0], "\x1b[2K")
	if !strings.Contains(ams, "running") || !strings.Contains(ams, "3/5") || !strings.Contains(ams, "1m30s") || len(ams) != 120 {
		t.Errorf("ams line %q (%d columns): want running, 3/5, 1m30s, cut to 120", ams, len(ams))
	}
	l.StackFinished(StackReport{Stack: "ams", Status: Succeeded, Duration: 2 * time.Second})
	now = now.Add(time.Hour)
	b.Reset()
	l.Close()
	if !strings.Contains(b.String(), "succeeded") || !strings.Contains(b.String(), " 2s ") {
		t.Errorf("final draw %q: want the finished duration, not the clock", b.String())
	}
}

// Stacks ready at the same time start longest remaining chain first, then by name.
func TestCriticalPathFirst(t *testing.T) {
	g, err := stackgraph.New(map[string][]string{"a": {}, "b": {}, "c": {}, "c2": {"c"}, "c3": {"c2"}})
	if err != nil {
		t.Fatal(err)
	}
	eng := newFake(uniform(g, time.Millisecond))
	Run(context.Background(), g, Up, eng, Options{Parallel: 1})
	if got := strings.Join(eng.ran, ","); got != "c,c2,a,b,c3" {
		t.Errorf("start order %s, want c,c2,a,b,c3", got)
	}
}

// Parallel below 1 means one at a time, not none.
func TestParallelAtLeastOne(t *testing.T) {
	g := projectGraph(t)
	eng := newFake(uniform(g, time.Millisecond))
	if sum := Run(context.Background(), g, Up, eng, Options{Parallel: 0}); !sum.OK() || eng.peak != 1 || sum.Parallel != 1 {
		t.Errorf("Parallel 0: ok=%v peak=%d parallel=%d", sum.OK(), eng.peak, sum.Parallel)
	}
}

// A stack skipped by one failure is not reported again by a second failure; the stacks that only
// the second failure reaches are still skipped, not left as cancelled.
func TestSecondFailureSkipsTheRest(t *testing.T) {
	g, err := stackgraph.New(map[string][]string{"x": {}, "a": {}, "b": {"x", "a"}, "c": {"a"}})
	if err != nil {
		t.Fatal(err)
	}
	eng := newFake(map[string]time.Duration{"x": time.Millisecond, "a": 50 * time.Millisecond})
	eng.fail["x"], eng.fail["a"] = "x broke", "a broke"
	sum := Run(context.Background(), g, Up, eng, Options{Parallel: 2})
	want := map[string]Status{"x": Failed, "a": Failed, "b": Skipped, "c": Skipped}
	if got := status(sum); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}
