package orchestrate

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var lockTime = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestJudgeLocks(t *testing.T) {
	m := Machine{Hostname: "laptop", Username: "ana",
		Alive: func(pid int) bool { return pid == 100 || pid == 300 },
		Started: func(pid int) time.Time {
			if pid == 300 {
				return lockTime.Add(time.Hour) // pid 300 was reused after the lock was taken
			}
			return lockTime.Add(-time.Minute)
		},
	}
	now := lockTime.Add(90 * time.Minute)
	locks := []Lock{
		{Pid: 100, Username: "ana", Hostname: "laptop", Timestamp: lockTime},
		{Pid: 200, Username: "ana", Hostname: "laptop", Timestamp: lockTime},
		{Pid: 100, Username: "runner", Hostname: "fv-az42", Timestamp: lockTime},
		// The same host name, another user: a colleague's container named like ours.
		{Pid: 200, Username: "bo", Hostname: "laptop", Timestamp: lockTime},
		{Pid: 300, Username: "ana", Hostname: "laptop", Timestamp: lockTime},
	}
	got := JudgeLocks(locks, m, now, false)
	for i, want := range []struct {
		stale bool
		why   string
	}{
		{false, "its Pulumi CLI (pid 100) is still running on this machine"},
		{true, "its Pulumi CLI (pid 200) on this machine has exited, 1h30m0s after taking the lock"},
		{false, "taken 1h30m0s ago by runner on fv-az42, whose processes sovereign cannot see"},
		{false, "taken 1h30m0s ago by bo on laptop, whose processes sovereign cannot see"},
		{true, "pid 300 now belongs to a process started"},
	} {
		if got[i].Stale != want.stale || !strings.Contains(got[i].Why, want.why) {
			t.Errorf("lock %d: stale %v (%s), want %v (%s)", i, got[i].Stale, got[i].Why, want.stale, want.why)
		}
	}
	// --force clears another machine's lock, never one whose process runs here.
	forced := JudgeLocks(locks, m, now, true)
	if forced[0].Stale || !forced[2].Stale || !strings.Contains(forced[2].Why, "--force") {
		t.Errorf("forced: %+v", forced)
	}
}

// Only the lock with the killed CLI's pid, host and user is its own.
func TestOwnerWrote(t *testing.T) {
	o := Owner{Pid: 4242, Hostname: "runner-1", Username: "runner"}
	for _, c := range []struct {
		l    Lock
		want bool
	}{
		{Lock{Pid: 4242, Hostname: "runner-1", Username: "runner"}, true},
		{Lock{Pid: 4243, Hostname: "runner-1", Username: "runner"}, false},
		{Lock{Pid: 4242, Hostname: "runner-2", Username: "runner"}, false},
		{Lock{Pid: 4242, Hostname: "runner-1", Username: "ana"}, false},
	} {
		if got := o.Wrote(c.l); got != c.want {
			t.Errorf("%+v wrote %+v: %v, want %v", o, c.l, got, c.want)
		}
	}
	me, err := ThisOwner(os.Getpid())
	if err != nil || me.Hostname == "" || me.Username == "" || me.Pid != os.Getpid() {
		t.Errorf("ThisOwner: %+v %v", me, err)
	}
	// This process started before now and after the machine booted; a process started later
	// (a child) started after it.
	if _, err := os.Stat("/proc/self/stat"); err == nil {
		self := ProcessStarted(os.Getpid())
		if self.IsZero() || self.After(time.Now()) || self.Before(bootTime()) {
			t.Errorf("this process started at %v (boot %v)", self, bootTime())
		}
		time.Sleep(20 * time.Millisecond)
		child := exec.Command("sleep", "5")
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		defer child.Process.Kill()
		if started := ProcessStarted(child.Process.Pid); !started.After(self) || time.Since(started) > 5*time.Second {
			t.Errorf("child started at %v, this process at %v", started, self)
		}
	}
	if !ProcessStarted(-1).IsZero() {
		t.Error("a pid that cannot exist has a start time")
	}
}

// RemoveLock deletes exactly the one lock object: the file, or the S3 object with the backend
// URL's region and endpoint; the other locks of the stack stay.
func TestRemoveLock(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, ".pulumi", "locks", "organization", "p", "s")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"ours.json", "ours.json.attrs", "theirs.json", "theirs.json.attrs"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(lockJSON), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveLock(context.Background(), "file://"+root, Lock{Key: filepath.Join(dir, "ours.json")}, nil); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 2 || left[0].Name() != "theirs.json" || left[1].Name() != "theirs.json.attrs" {
		t.Errorf("left: %v", left)
	}
	var calls []string
	run := func(_ context.Context, name string, args ...string) ([]byte, error) {
		calls = append(calls, name+" "+strings.Join(args, " "))
		return nil, nil
	}
	err := RemoveLock(context.Background(), "s3://bucket/prefix?region=eu-west-1&endpoint=http://localhost:9000",
		Lock{Key: "s3://bucket/prefix/.pulumi/locks/organization/p/s/ours.json"}, run)
	want := "aws s3api delete-object --bucket bucket --key prefix/.pulumi/locks/organization/p/s/ours.json --region eu-west-1 --endpoint-url http://localhost:9000"
	if err != nil || len(calls) != 1 || calls[0] != want {
		t.Errorf("calls %v (%v), want [%s]", calls, err, want)
	}
	if err := RemoveLock(context.Background(), "s3://bucket", Lock{Key: "s3://other/x.json"}, run); err == nil {
		t.Error("a lock of another bucket was removed")
	}
}

func TestProcessAlive(t *testing.T) {
	if !ProcessAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if ProcessAlive(0) || ProcessAlive(-1) || ProcessAlive(1<<22+12345) {
		t.Error("a pid that cannot exist is alive")
	}
}

const lockJSON = `{"pid":4242,"username":"ana","hostname":"laptop","timestamp":"2026-03-02T10:00:00Z"}`

// A file backend's locks in the project-scoped and the legacy layout; other stacks' locks and
// other files are not the stack's.
func TestReadLocksOfAFileBackend(t *testing.T) {
	root := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".pulumi/locks/organization/global-sovereign/ams/a.json", lockJSON)
	write(".pulumi/locks/ams/b.json", strings.Replace(lockJSON, "4242", "7", 1))
	write(".pulumi/locks/organization/global-sovereign/iad/c.json", lockJSON)
	write(".pulumi/locks/organization/other-project/ams/d.json", lockJSON)
	write(".pulumi/locks/organization/global-sovereign/ams/notes.txt", "x")
	locks, err := ReadLocks(context.Background(), "file://"+root+"?no_tmp_dir=true", "global-sovereign", "ams", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(locks) != 2 || locks[0].Pid != 7 || locks[1].Pid != 4242 || locks[1].Hostname != "laptop" || !locks[1].Timestamp.Equal(lockTime) {
		t.Fatalf("locks %+v", locks)
	}
	if none, err := ReadLocks(context.Background(), "file://"+root, "global-sovereign", "syd", nil); err != nil || len(none) != 0 {
		t.Errorf("syd: %v %v", none, err)
	}
	write(".pulumi/locks/organization/global-sovereign/bad/x.json", "{")
	if _, err := ReadLocks(context.Background(), "file://"+root, "global-sovereign", "bad", nil); err == nil {
		t.Error("a corrupt lock was accepted")
	}
}

// An S3 backend's locks through the AWS CLI, with the URL's path prefix, region and profile.
func TestReadLocksOfAnS3Backend(t *testing.T) {
	var calls []string
	run := func(_ context.Context, name string, args ...string) ([]byte, error) {
		call := name + " " + strings.Join(args, " ")
		calls = append(calls, call)
		switch {
		case strings.Contains(call, "list-objects-v2") && strings.Contains(call, "--prefix state/.pulumi/locks/organization/global-sovereign/ams/"):
			return []byte(`{"Contents":[{"Key":"state/.pulumi/locks/organization/global-sovereign/ams/u1.json"},` +
				`{"Key":"state/.pulumi/locks/organization/global-sovereign/ams/sub/x.json"}]}`), nil
		case strings.Contains(call, "list-objects-v2"):
			return []byte(""), nil // the AWS CLI prints nothing when no key matches
		case strings.HasPrefix(call, "aws s3 cp s3://gs-state/state/.pulumi/locks/organization/global-sovereign/ams/u1.json -"):
			return []byte(lockJSON), nil
		}
		return nil, errors.New("unexpected call " + call)
	}
	locks, err := ReadLocks(context.Background(), "s3://gs-state/state?region=eu-west-1&awssdk=v2&profile=ops", "global-sovereign", "ams", run)
	if err != nil {
		t.Fatal(err)
	}
	if len(locks) != 1 || locks[0].Pid != 4242 || locks[0].Key != "s3://gs-state/state/.pulumi/locks/organization/global-sovereign/ams/u1.json" {
		t.Fatalf("locks %+v (calls %v)", locks, calls)
	}
	for _, c := range calls {
		if !strings.Contains(c, "--region eu-west-1") || !strings.Contains(c, "--profile ops") || strings.Contains(c, "awssdk") {
			t.Errorf("call %q does not carry the backend's region and profile", c)
		}
	}
	failing := func(context.Context, string, ...string) ([]byte, error) {
		return nil, errors.New("exec: aws: not found")
	}
	if _, err := ReadLocks(context.Background(), "s3://gs-state?region=eu-west-1", "p", "s", failing); err == nil || !strings.Contains(err.Error(), "needs the AWS CLI") {
		t.Errorf("got %v", err)
	}
	if _, err := ReadLocks(context.Background(), "gs://bucket", "p", "s", failing); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("got %v", err)
	}
}
