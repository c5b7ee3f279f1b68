//go:build e2e

package autoengine

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/drift"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// plantLock writes a lock into dir the way pulumi's DIY backend does (pkg/backend/diy/lock.go:
// <random id>.json holding pid, username, hostname and timestamp) and returns its path.
func plantLock(t *testing.T, dir, name string, owner orchestrate.Owner) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"pid": owner.Pid, "username": owner.Username, "hostname": owner.Hostname,
		"timestamp": time.Now().Add(-time.Minute).Format(time.RFC3339Nano)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockObjects are the lock objects among a file backend's lock files (without fileblob's
// <name>.attrs sidecars).
func lockObjects(files []string) []string {
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, ".json") {
			out = append(out, f)
		}
	}
	return out
}

// deadPid is the pid of a process of this machine that has exited.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// A colleague's lock survives both ways sovereign removes a lock. (1) Our up of "slow" is killed
// mid-update while a colleague's lock sits beside ours (on a file backend the engine only checks
// for other locks when it takes its own, so this is what a colleague's lock taken meanwhile looks
// like): the orchestrator removes the lock our killed CLI wrote, by its pid, host and user, and
// nothing else. (2) A stale lock of ours (this host and user, a pid that has exited) beside the
// colleague's, judged and removed as `sovereign unlock` does: ours goes, theirs stays. Then, once
// the colleague's lock is gone, the next up works.
func TestE2EColleaguesLockSurvivesBothUnlockPaths(t *testing.T) {
	e := newEnv(t)
	slow := map[string][]string{"slow": {}}
	ctx := context.Background()

	kill, killNow := context.WithCancel(context.Background())
	done := make(chan *orchestrate.Summary, 1)
	go func() {
		done <- e.runWith(ctx, orchestrate.Up, slow, orchestrate.Options{Parallel: 1, Kill: kill})
	}()
	e.waitForLock("slow", 60*time.Second)
	ours := lockObjects(e.locks("slow"))
	if len(ours) != 1 {
		t.Fatalf("locks while our up runs: %v", ours)
	}
	dir := filepath.Dir(ours[0])
	colleague := orchestrate.Owner{Pid: 4242, Username: "colleague", Hostname: "colleague-laptop"}
	theirs := plantLock(t, dir, "0b5e7c1a-colleague", colleague)
	killNow()
	var sum *orchestrate.Summary
	select {
	case sum = <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("the killed up did not end")
	}
	if r := sum.Stacks[0]; r.Status != orchestrate.Interrupted || !strings.Contains(r.Error, "its lock was removed (only the killed CLI's own)") {
		t.Errorf("killed up: %s (%s)", r.Status, r.Error)
	}
	if left := e.locks("slow"); len(left) != 1 || left[0] != theirs {
		t.Fatalf("after the kill, lock files %v; want only the colleague's %s", left, theirs)
	}

	// (2) A stale lock of ours beside theirs, judged and removed as `sovereign unlock` does.
	me, err := orchestrate.ThisOwner(deadPid(t))
	if err != nil {
		t.Fatal(err)
	}
	stale := plantLock(t, dir, "7f3d2b9e-ours", me)
	backend := "file://" + e.state
	locks, err := orchestrate.ReadLocks(ctx, backend, e2eProject, "slow", orchestrate.ExecRunner)
	if err != nil || len(locks) != 2 {
		t.Fatalf("read locks: %v %v", locks, err)
	}
	m := orchestrate.Machine{Hostname: me.Hostname, Username: me.Username, Alive: orchestrate.ProcessAlive, Started: orchestrate.ProcessStarted}
	for _, v := range orchestrate.JudgeLocks(locks, m, time.Now(), false) {
		switch {
		case v.Lock.Key == stale && !v.Stale:
			t.Errorf("our stale lock judged running: %s", v.Why)
		case v.Lock.Key == theirs && v.Stale:
			t.Errorf("the colleague's lock judged stale: %s", v.Why)
		case v.Stale:
			if err := orchestrate.RemoveLock(ctx, backend, v.Lock, orchestrate.ExecRunner); err != nil {
				t.Fatal(err)
			}
		}
	}
	if left := e.locks("slow"); len(left) != 1 || left[0] != theirs {
		t.Fatalf("after unlock, lock files %v; want only the colleague's %s", left, theirs)
	}

	// While the colleague's lock is there, our up fails on it; once their operation is over
	// (their lock gone), it works.
	e.setConfig("slow", "sovereign-e2e:sleep: 120s", "sovereign-e2e:sleep: 0s")
	if sum := e.run(orchestrate.Up, slow, 1); sum.OK() || !strings.Contains(sum.Stacks[0].Error, "locked") {
		t.Errorf("up beside the colleague's lock: %v (%s)", statuses(sum), sum.Stacks[0].Error)
	}
	if err := os.Remove(theirs); err != nil {
		t.Fatal(err)
	}
	if sum := e.run(orchestrate.Up, slow, 1); !sum.OK() {
		t.Errorf("up after the colleague's lock went: %v (%s)", statuses(sum), sum.Stacks[0].Error)
	}
}

// A drift check of stacks nothing changed since their up reports clean: no drifted resource,
// no change, every stack succeeded, and the issue renderer says clean. (The refresh of every
// resource type the fleet declares needs the drift role in AWS; here the engine's refresh path,
// its events and the report are the real ones.)
func TestE2EDriftIsCleanWhenNothingChanged(t *testing.T) {
	e := newEnv(t)
	graph := map[string][]string{"base": {}, "reader": {"base"}, "solo": {}}
	if sum := e.run(orchestrate.Up, graph, 3); !sum.OK() {
		t.Fatalf("up: %v", statuses(sum))
	}
	sum := e.run(orchestrate.RefreshPreview, graph, 3)
	for _, r := range sum.Stacks {
		if r.Status != orchestrate.Succeeded || len(r.Drift) > 0 || r.Changes.Changed() > 0 {
			t.Errorf("%s: %s, drift %v, changes %+v", r.Stack, r.Status, r.Drift, r.Changes)
		}
	}
	if got := drift.Assess(sum); got != drift.Clean {
		t.Errorf("drift report: %s, want %s", got, drift.Clean)
	}
	if l := e.locks(); len(l) != 0 {
		t.Errorf("a preview-only refresh left locks: %v", l)
	}
}
