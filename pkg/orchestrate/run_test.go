package orchestrate

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

var update = flag.Bool("update", false, "rewrite testdata/orchestrate golden files")

// The project's shape: ams, then five regions reading it, then global reading all six.
func projectGraph(t *testing.T) *stackgraph.Graph {
	t.Helper()
	regions := []string{"iad", "jnb", "sfo", "sin", "syd"}
	deps := map[string][]string{"ams": {}, "global": append([]string{"ams"}, regions...)}
	for _, r := range regions {
		deps[r] = []string{"ams"}
	}
	g, err := stackgraph.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func uniform(g *stackgraph.Graph, d time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, s := range g.Stacks() {
		out[s] = d
	}
	return out
}

func status(s *Summary) map[string]Status {
	out := map[string]Status{}
	for _, r := range s.Stacks {
		out[r.Stack] = r.Status
	}
	return out
}

func TestDependencyOrderAndParallelism(t *testing.T) {
	g := projectGraph(t)
	for _, parallel := range []int{1, 2, 10} {
		t.Run(fmt.Sprintf("parallel %d", parallel), func(t *testing.T) {
			eng := newFake(uniform(g, 20*time.Millisecond))
			sum := Run(context.Background(), g, Up, eng, Options{Parallel: parallel})
			if !sum.OK() {
				t.Fatalf("not ok: %+v", sum.Stacks)
			}
			for _, s := range g.Stacks() {
				for _, d := range g.Deps(s) {
					if eng.starts[s].Before(eng.ends[d]) {
						t.Errorf("%s started before %s finished", s, d)
					}
				}
			}
			want := min(parallel, 5)
			if eng.peak != want {
				t.Errorf("peak concurrency %d, want %d", eng.peak, want)
			}
			if sum.Stacks[0].Stack != "ams" || sum.Stacks[len(sum.Stacks)-1].Stack != "global" {
				t.Errorf("report order %v", sum.Stacks)
			}
		})
	}
}

func TestDestroyRunsInReverse(t *testing.T) {
	g := projectGraph(t)
	eng := newFake(uniform(g, 10*time.Millisecond))
	sum := Run(context.Background(), g, Destroy, eng, Options{Parallel: 10})
	if !sum.OK() {
		t.Fatal(sum.Stacks)
	}
	for _, r := range []string{"iad", "jnb", "sfo", "sin", "syd"} {
		if eng.starts[r].Before(eng.ends["global"]) || eng.starts["ams"].Before(eng.ends[r]) {
			t.Errorf("%s destroyed out of order", r)
		}
	}
}

// A failed stack skips only what depends on it; independent stacks finish.
func TestFailureSkipsOnlyDependents(t *testing.T) {
	deps := map[string][]string{"ams": {}, "iad": {"ams"}, "syd": {"ams"}, "solo": {}, "after-solo": {"solo"}, "global": {"iad", "syd", "solo"}}
	g, err := stackgraph.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	eng := newFake(uniform(g, 10*time.Millisecond))
	eng.fail["iad"] = "creating VPC: UnauthorizedOperation"
	sum := Run(context.Background(), g, Up, eng, Options{Parallel: 4})
	want := map[string]Status{"ams": Succeeded, "iad": Failed, "syd": Succeeded, "solo": Succeeded, "after-solo": Succeeded, "global": Skipped}
	if got := status(sum); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	for _, r := range sum.Stacks {
		switch r.Stack {
		case "iad":
			if r.Error != "creating VPC: UnauthorizedOperation" {
				t.Errorf("iad error %q", r.Error)
			}
		case "global":
			if r.Error != "skipped: depends on iad, which failed" {
				t.Errorf("global error %q", r.Error)
			}
		}
	}
	if _, ran := eng.starts["global"]; ran {
		t.Error("global ran although iad failed")
	}
	if sum.OK() {
		t.Error("summary says OK")
	}
}

// A failure stops only what depends on it: a stack that becomes ready only after the failure
// (its own upstream was still running) starts all the same, and every stack is reported once,
// with its final status (no "skipped" for a stack that later runs).
func TestFailureDoesNotStopLaterIndependentStacks(t *testing.T) {
	deps := map[string][]string{"broken": {}, "after-broken": {"broken"}, "slow": {}, "after-slow": {"slow"}, "last": {"after-slow"}}
	g, err := stackgraph.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	eng := newFake(uniform(g, 5*time.Millisecond))
	eng.durations["slow"] = 150 * time.Millisecond
	eng.fail["broken"] = "AccessDenied"
	events := &finishCounter{n: map[string][]Status{}}
	sum := Run(context.Background(), g, Up, eng, Options{Parallel: 4, Observer: events})
	want := map[string]Status{"broken": Failed, "after-broken": Skipped, "slow": Succeeded, "after-slow": Succeeded, "last": Succeeded}
	if got := status(sum); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if eng.ends["broken"].After(eng.starts["after-slow"]) {
		t.Error("after-slow started before broken failed: the test does not test what it says")
	}
	for stack, got := range events.n {
		if len(got) != 1 {
			t.Errorf("%s reported %d times: %v", stack, len(got), got)
		}
	}
	if len(events.n) != len(deps) {
		t.Errorf("reported %d stacks, want %d", len(events.n), len(deps))
	}
}

type finishCounter struct {
	mu sync.Mutex
	n  map[string][]Status
}

func (f *finishCounter) StackStarted(string)            {}
func (f *finishCounter) StackProgress(string, Progress) {}
func (f *finishCounter) StackFinished(r StackReport) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n[r.Stack] = append(f.n[r.Stack], r.Status)
}

// First interrupt: stop scheduling, let running stacks finish. Nothing is interrupted or
// unlocked.
func TestStopSchedulingKeepsRunningStacks(t *testing.T) {
	g := projectGraph(t)
	eng := newFake(uniform(g, 150*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel) // while ams runs
	sum := Run(ctx, g, Up, eng, Options{Parallel: 10})
	got := status(sum)
	if got["ams"] != Succeeded || got["iad"] != Cancelled || got["global"] != Cancelled || !sum.Interrupted {
		t.Errorf("statuses %v interrupted=%v", got, sum.Interrupted)
	}
	if len(eng.unlocked) != 0 {
		t.Errorf("unlocked %v", eng.unlocked)
	}
}

// Second interrupt: the running operations are interrupted through the engine; each CLI stops
// on its own and releases its own lock, so nothing is unlocked (pulumi cancel would remove every
// lock of the stack, a colleague's included); the rest is cancelled.
func TestInterruptStopsRunningStacksWithoutUnlocking(t *testing.T) {
	g := projectGraph(t)
	eng := newFake(uniform(g, 10*time.Second))
	eng.durations["ams"] = 10 * time.Millisecond
	soft, stopScheduling := context.WithCancel(context.Background())
	hard, interrupt := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, func() { stopScheduling(); interrupt() })
	start := time.Now()
	sum := Run(soft, g, Up, eng, Options{Parallel: 10, Interrupt: hard})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("interrupt took %s", took)
	}
	got := status(sum)
	for _, r := range []string{"iad", "jnb", "sfo", "sin", "syd"} {
		if got[r] != Interrupted {
			t.Errorf("%s: %s, want interrupted", r, got[r])
		}
	}
	if got["ams"] != Succeeded || got["global"] != Cancelled {
		t.Errorf("statuses %v", got)
	}
	if len(eng.unlocked) != 0 {
		t.Errorf("unlocked %v after a graceful interrupt; the CLIs released their own locks", eng.unlocked)
	}
}

// Third stage: a CLI that does not stop on the interrupt is killed, and its stack is unlocked
// only when this run's operation held the lock: up, destroy and refresh do, preview and
// refresh --preview-only never do, and a stack whose operation failed or stopped by itself is
// never unlocked.
func TestKillUnlocksOnlyOperationsThatTookTheLock(t *testing.T) {
	cases := []struct {
		op         Op
		stubborn   bool // ignores the interrupt, so it is killed
		fails      bool // fails on its own (e.g. "the stack is currently locked by" someone else)
		wantStatus Status
		wantUnlock bool
	}{
		{Up, true, false, Interrupted, true},
		{Destroy, true, false, Interrupted, true},
		{Refresh, true, false, Interrupted, true},
		{RefreshPreview, true, false, Interrupted, false}, // a preview-only refresh takes no lock
		{Preview, true, false, Interrupted, false},
		{Up, false, false, Interrupted, false},
		{Preview, false, false, Interrupted, false},
		{Up, false, true, Failed, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/stubborn=%v/fails=%v", c.op, c.stubborn, c.fails), func(t *testing.T) {
			g, _ := stackgraph.New(map[string][]string{"held": {}})
			eng := newFake(map[string]time.Duration{"held": 10 * time.Second})
			eng.stubborn["held"] = c.stubborn
			if c.fails {
				eng.durations["held"] = time.Millisecond
				eng.fail["held"] = "the stack is currently locked by 1 lock(s)"
			}
			soft, stop := context.WithCancel(context.Background())
			hard, interrupt := context.WithCancel(context.Background())
			kill, killNow := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, func() { stop(); interrupt() })
			time.AfterFunc(150*time.Millisecond, killNow)
			sum := Run(soft, g, c.op, eng, Options{Parallel: 1, Interrupt: hard, Kill: kill})
			r := sum.Stacks[0]
			if r.Status != c.wantStatus {
				t.Errorf("status %s (%s), want %s", r.Status, r.Error, c.wantStatus)
			}
			if unlocked := len(eng.unlocked) > 0; unlocked != c.wantUnlock {
				t.Errorf("unlocked=%v, want %v (%s)", unlocked, c.wantUnlock, r.Error)
			}
			if c.stubborn && !strings.HasPrefix(r.Error, "killed") {
				t.Errorf("error %q does not say the CLI was killed", r.Error)
			}
		})
	}
}

// Previewing a fleet that is not (fully) deployed: only up creates stacks; a stack the backend
// lacks is reported new, the stacks that read it waiting, and the run is OK (the first PR of a
// new fleet is green). Destroy and refresh skip a missing stack and go on.
func TestStacksNotDeployedYet(t *testing.T) {
	cases := []struct {
		op     Op
		absent []string
		want   map[string]Status
		ran    int
	}{
		{Preview, []string{"ams", "iad", "jnb", "sfo", "sin", "syd", "global"},
			map[string]Status{"ams": New, "iad": New, "sfo": New, "global": New}, 0},
		{Preview, []string{"ams"},
			map[string]Status{"ams": New, "iad": Waiting, "syd": Waiting, "global": Waiting}, 0},
		{Preview, []string{"sfo"},
			map[string]Status{"ams": Succeeded, "iad": Succeeded, "sfo": New, "global": Waiting}, 5},
		{Destroy, []string{"global"},
			map[string]Status{"global": New, "iad": Succeeded, "ams": Succeeded}, 6},
		{RefreshPreview, []string{"ams"},
			map[string]Status{"ams": New, "iad": Succeeded, "global": Succeeded}, 6},
		{Up, []string{"ams", "iad"},
			map[string]Status{"ams": Succeeded, "iad": Succeeded, "global": Succeeded}, 7},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%v", c.op, c.absent), func(t *testing.T) {
			g := projectGraph(t)
			eng := newFake(uniform(g, time.Millisecond))
			for _, s := range c.absent {
				eng.absent[s] = true
			}
			sum := Run(context.Background(), g, c.op, eng, Options{Parallel: 3})
			got := status(sum)
			for stack, want := range c.want {
				if got[stack] != want {
					t.Errorf("%s: %s, want %s", stack, got[stack], want)
				}
			}
			if !sum.OK() {
				t.Errorf("run not OK: %v", got)
			}
			why := map[Op]string{Preview: "not previewed", Destroy: "nothing to destroy", RefreshPreview: "nothing to refresh"}[c.op]
			for _, r := range sum.Stacks {
				if r.Status == New && !strings.HasSuffix(r.Error, why) {
					t.Errorf("%s: %q, want it to end %q", r.Stack, r.Error, why)
				}
			}
			if len(eng.ran) != c.ran {
				t.Errorf("ran %v, want %d stacks", eng.ran, c.ran)
			}
			if eng.created != (c.op == Up) {
				t.Errorf("Prepare create=%v for %s", eng.created, c.op)
			}
		})
	}
}

// Refresh ignores the graph: every stack refreshes at once and a failure hides no one's drift.
func TestRefreshRunsEveryStackIndependently(t *testing.T) {
	for _, op := range []Op{Refresh, RefreshPreview} {
		g := projectGraph(t)
		eng := newFake(uniform(g, 100*time.Millisecond))
		eng.fail["ams"] = "AccessDenied"
		sum := Run(context.Background(), g, op, eng, Options{Parallel: 10})
		got := status(sum)
		if got["ams"] != Failed || sum.Count(Succeeded) != 6 || eng.peak != 7 {
			t.Errorf("%s: statuses %v, peak %d; want ams failed, six succeeded, all seven at once", op, got, eng.peak)
		}
		if sum.Stacks[0].Stack != "ams" || sum.Stacks[6].Stack != "global" {
			t.Errorf("%s: report order %v, want the deploy waves' order", op, sum.Stacks)
		}
	}
}

func TestInterruptDuringPrepareCancelsEveryStack(t *testing.T) {
	g := projectGraph(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum := Run(ctx, g, Up, newFake(uniform(g, time.Millisecond)), Options{Parallel: 2})
	if sum.Count(Cancelled) != 7 || !sum.Interrupted {
		t.Errorf("statuses %v", status(sum))
	}
}

func TestPrepareFailureFailsEveryStack(t *testing.T) {
	g := projectGraph(t)
	eng := newFake(uniform(g, time.Millisecond))
	eng.prepareErr = fmt.Errorf("no backend: PULUMI_BACKEND_URL is not set")
	sum := Run(context.Background(), g, Preview, eng, Options{Parallel: 2})
	if sum.Count(Failed) != 7 || len(eng.starts) != 0 {
		t.Errorf("statuses %v, started %v", status(sum), eng.starts)
	}
}

// A fleet of fake stacks with fixed durations finishes within 5% of its critical path: the
// scheduler adds no waiting of its own. The ratio to running them one by one is printed.
func TestMakespanNearCriticalPath(t *testing.T) {
	ms := time.Millisecond
	deps := map[string][]string{
		"ams": {}, "iad": {"ams"}, "syd": {"ams"}, "sin": {"ams"}, "sfo": {"ams"}, "jnb": {"ams"},
		"iad-staging": {"iad"}, "syd-client": {"syd"}, "edge": {}, "global": {"ams", "iad", "syd", "sin", "sfo", "jnb"},
	}
	durations := map[string]time.Duration{
		"ams": 300 * ms, "iad": 250 * ms, "syd": 400 * ms, "sin": 200 * ms, "sfo": 150 * ms, "jnb": 350 * ms,
		"iad-staging": 500 * ms, "syd-client": 100 * ms, "edge": 600 * ms, "global": 200 * ms,
	}
	g, err := stackgraph.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	critical := time.Duration(g.CriticalPath(func(s string) float64 { return float64(durations[s]) }))
	var sequential time.Duration
	for _, d := range durations {
		sequential += d
	}
	sum := Run(context.Background(), g, Up, newFake(durations), Options{Parallel: len(durations)})
	if !sum.OK() {
		t.Fatal(sum.Stacks)
	}
	ratio := float64(sum.Duration) / float64(critical)
	t.Logf("makespan %s, critical path %s (ratio %.3f); one by one %s (parallel/sequential %.2f)",
		sum.Duration.Round(ms), critical, ratio, sequential, float64(sum.Duration)/float64(sequential))
	if ratio > 1.05 {
		t.Errorf("makespan %s is %.3fx the critical path %s", sum.Duration, ratio, critical)
	}
}

func fakeRun(t *testing.T) *Summary {
	t.Helper()
	g := projectGraph(t)
	eng := newFake(uniform(g, time.Millisecond))
	eng.changes["ams"] = Changes{Create: 3, Update: 1, Same: 110}
	eng.changes["iad"] = Changes{Same: 111}
	eng.changes["jnb"] = Changes{Replace: 1, Same: 110}
	eng.fail["sfo"] = "preview failed: AccessDenied: not authorized to perform rds:DescribeGlobalClusters"
	sum := Run(context.Background(), g, Preview, eng, Options{Parallel: 1})
	// Timing is the only thing that varies between runs: fix it for the golden file.
	for i := range sum.Stacks {
		if sum.Stacks[i].Status == Skipped {
			continue
		}
		sum.Stacks[i].Duration = time.Duration(i+1) * 1500 * time.Millisecond
		sum.Stacks[i].Seconds = sum.Stacks[i].Duration.Seconds()
	}
	sum.Duration, sum.Seconds = 42*time.Second, 42
	return sum
}

func TestPRCommentGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, fakeRun(t)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "testdata", "orchestrate", "pr-comment.md")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with go test ./pkg/orchestrate -run Golden -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("PR comment differs from %s:\n%s", path, buf.String())
	}
}

func TestTableAndJSON(t *testing.T) {
	sum := fakeRun(t)
	var table bytes.Buffer
	if err := WriteTable(&table, sum); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"STACK   OPERATION  RESULT     CREATE  UPDATE  REPLACE  DELETE  SAME  DURATION",
		"ams     preview    succeeded  3       1       0        0       110   1.5s",
		"sfo: preview failed: AccessDenied",
		"global: skipped: depends on sfo, which failed",
		"preview of 7 stack(s) in 42s: 5 succeeded, 1 failed, 1 skipped",
	} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, sum); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Operation string `json:"operation"`
		Stacks    []struct {
			Stack   string         `json:"stack"`
			Status  string         `json:"status"`
			Changes map[string]int `json:"changes"`
			Seconds float64        `json:"durationSeconds"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Operation != "preview" || len(back.Stacks) != 7 || back.Stacks[0].Changes["create"] != 3 || back.Stacks[0].Seconds != 1.5 {
		t.Errorf("json %s", js.String())
	}
}

func TestObservers(t *testing.T) {
	g := projectGraph(t)
	var lines, live bytes.Buffer
	l := NewLines(&lines)
	lv := NewLive(&live, g.Stacks(), time.Hour, 80)
	both := multi{l, lv}
	Run(context.Background(), g, Up, newFake(uniform(g, time.Millisecond)), Options{Parallel: 3, Observer: both})
	lv.Close()
	if !strings.Contains(lines.String(), "[ams] started\n") || !strings.Contains(lines.String(), "[global] succeeded in") {
		t.Errorf("lines:\n%s", lines.String())
	}
	if !strings.Contains(live.String(), "\x1b[2Kams      succeeded") || strings.Count(live.String(), "\n") != 7 {
		t.Errorf("live:\n%q", live.String())
	}
}

type multi []Observer

func (m multi) StackStarted(s string) {
	for _, o := range m {
		o.StackStarted(s)
	}
}
func (m multi) StackProgress(s string, p Progress) {
	for _, o := range m {
		o.StackProgress(s, p)
	}
}
func (m multi) StackFinished(r StackReport) {
	for _, o := range m {
		o.StackFinished(r)
	}
}
