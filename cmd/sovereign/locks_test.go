package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
)

// locks lists who holds each locked stack and the exact unlock command (with --force only for
// another machine's lock); it removes nothing.
func TestLocksListsAndNamesTheUnlockCommand(t *testing.T) {
	at := time.Now().Add(-time.Hour)
	held := map[string][]orchestrate.Lock{
		"ams": {{Key: "k1", Pid: 11, Username: "runner", Hostname: "runner-7", Timestamp: at}},
		"iad": {{Key: "k2", Pid: 12, Username: "ana", Hostname: "laptop", Timestamp: at}},
	}
	eng := &fakeUnlock{backend: "s3://gs-state?region=eu-west-1", missing: []string{"jnb"}}
	defer swap(&newUnlockEngine, func(autoengine.Options) (unlockEngine, error) { return eng, nil })()
	defer swap(&readLocks, func(_ context.Context, _, _, stack string, _ orchestrate.Runner) ([]orchestrate.Lock, error) {
		if stack == "jnb" {
			t.Error("read the locks of a stack the backend lacks")
		}
		return held[stack], nil
	})()
	defer swap(&removeLock, func(context.Context, string, orchestrate.Lock, orchestrate.Runner) error {
		t.Error("locks removed a lock")
		return nil
	})()
	defer swap(&thisMachine, func() (orchestrate.Machine, error) {
		return orchestrate.Machine{Hostname: "runner-7", Username: "runner", Alive: func(int) bool { return false }}, nil
	})()
	code, out, errs := runCLI(t, "locks", "--all", "--dir", repo)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"ams: locked by runner@runner-7 (pid 11)", "stale (its process has exited)",
		"sovereign unlock --stack ams\n",
		"iad: locked by ana@laptop (pid 12)", "may be running", "sovereign unlock --stack iad --force\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "jnb") || strings.Contains(out, "sin:") {
		t.Errorf("unlocked stacks listed:\n%s", out)
	}
}

// state-failover rewrites an exported stack's secrets provider to the replica region of
// bootstrap.yaml, and refuses a deployment of another key.
func TestStateFailover(t *testing.T) {
	dir := projectWith(t, bootstrapFile)
	file := filepath.Join(t.TempDir(), "iad.json")
	dep := `{"version":3,"deployment":{"secrets_providers":{"type":"cloud","state":{"url":"awskms://alias/gs-pulumi-secrets?region=eu-west-1","encryptedkey":"AQI="}}}}`
	if err := os.WriteFile(file, []byte(dep), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "state-failover", "--dir", dir, "--deployment", file)
	got, _ := os.ReadFile(file)
	if code != 0 || !strings.Contains(string(got), `"url": "awskms://alias/gs-pulumi-secrets?region=eu-central-1"`) ||
		!strings.Contains(string(got), `"encryptedkey": "AQI="`) || !strings.Contains(out, "pulumi stack import --file") {
		t.Fatalf("exit %d\n%s%s\n%s", code, out, errs, got)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(dep, "gs-pulumi-secrets", "someone-elses", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "state-failover", "--dir", dir, "--deployment", file); code != exitFailed || !strings.Contains(errs, "not the bootstrap's key") {
		t.Errorf("another key: exit %d %s", code, errs)
	}
}
