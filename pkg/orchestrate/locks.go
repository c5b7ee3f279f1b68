package orchestrate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Lock is one lock file of a stack on a self-managed backend: the Pulumi CLI writes one when an
// operation that changes the state starts (up, destroy, refresh, import) and deletes it when
// that operation ends. A CLI that was killed leaves it behind, and every later operation fails
// with "the stack is currently locked".
type Lock struct {
	Key       string    `json:"-"` // where it is: a path or an object key
	Pid       int       `json:"pid"`
	Username  string    `json:"username"`
	Hostname  string    `json:"hostname"`
	Timestamp time.Time `json:"timestamp"`
}

func (l Lock) String() string {
	return fmt.Sprintf("%s@%s (pid %d) since %s", l.Username, l.Hostname, l.Pid, l.Timestamp.UTC().Format(time.RFC3339))
}

// LockVerdict says whether the operation that took a lock can still be running.
type LockVerdict struct {
	Lock  Lock
	Stale bool   // its operation is over: removing the lock is safe
	Why   string // what was checked
}

// JudgeLocks decides, for each lock, whether its operation can still be running. A lock taken
// on this machine (host) is stale once its process is gone; a lock of another machine cannot be
// checked from here, so it counts as running unless force.
func JudgeLocks(locks []Lock, host string, alive func(pid int) bool, now time.Time, force bool) []LockVerdict {
	out := make([]LockVerdict, len(locks))
	for i, l := range locks {
		age := now.Sub(l.Timestamp).Round(time.Second)
		v := LockVerdict{Lock: l}
		switch {
		case l.Hostname == host && alive(l.Pid):
			v.Why = fmt.Sprintf("its Pulumi CLI (pid %d) is still running on this machine: let it finish, or stop it (Ctrl-C) so it releases its lock", l.Pid)
		case l.Hostname == host:
			v.Stale, v.Why = true, fmt.Sprintf("its Pulumi CLI (pid %d) on this machine has exited, %s after taking the lock, without releasing it", l.Pid, age)
		case force:
			v.Stale, v.Why = true, fmt.Sprintf("taken %s ago on %s, which this machine cannot check; removed because of --force", age, l.Hostname)
		default:
			v.Why = fmt.Sprintf("taken %s ago on another machine (%s), whose processes sovereign cannot see: make sure that operation is over "+
				"(ask %s; for CI, that no deploy or drift run is in progress), then run again with --force", age, l.Hostname, l.Username)
		}
		out[i] = v
	}
	return out
}

// ProcessAlive reports whether a process of this machine with the pid exists.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Runner runs a command and returns its standard output (exec in real runs, a fake in tests).
type Runner func(ctx context.Context, name string, args ...string) ([]byte, error)

// ExecRunner runs the command with os/exec.
func ExecRunner(ctx context.Context, name string, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// lockDirs are where the DIY backend keeps a stack's locks, relative to the backend's root:
// .pulumi/locks/<org>/<project>/<stack> for project-scoped state (organization is the only
// org of a self-managed backend), .pulumi/locks/<stack> for the legacy layout.
func lockDirs(project, stack string) []string {
	return []string{path.Join(".pulumi/locks/organization", project, stack), path.Join(".pulumi/locks", stack)}
}

// ReadLocks lists the locks of a stack on a self-managed backend: a file:// directory read
// directly, an s3:// bucket through the AWS CLI (`aws s3api list-objects-v2`, `aws s3 cp`), with
// the region, profile and endpoint of the backend URL. Other backends are not supported.
func ReadLocks(ctx context.Context, backendURL, project, stack string, run Runner) ([]Lock, error) {
	u, err := url.Parse(backendURL)
	if err != nil {
		return nil, fmt.Errorf("backend URL %q: %w", backendURL, err)
	}
	var locks []Lock
	switch u.Scheme {
	case "file":
		root := strings.TrimPrefix(backendURL, "file://")
		root = strings.SplitN(root, "?", 2)[0]
		if strings.HasPrefix(root, "~") {
			home, err := os.UserHomeDir()
			if err != nil {
				return nil, err
			}
			root = filepath.Join(home, strings.TrimPrefix(root, "~"))
		}
		for _, dir := range lockDirs(project, stack) {
			entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
					continue
				}
				key := filepath.Join(root, filepath.FromSlash(dir), e.Name())
				data, err := os.ReadFile(key)
				if err != nil {
					return nil, err
				}
				l, err := parseLock(key, data)
				if err != nil {
					return nil, err
				}
				locks = append(locks, l)
			}
		}
	case "s3":
		bucket, prefix := u.Host, strings.Trim(u.Path, "/")
		var extra []string
		q := u.Query()
		for _, p := range []struct{ param, flag string }{{"region", "--region"}, {"profile", "--profile"}, {"endpoint", "--endpoint-url"}} {
			if v := q.Get(p.param); v != "" {
				extra = append(extra, p.flag, v)
			}
		}
		for _, dir := range lockDirs(project, stack) {
			full := path.Join(prefix, dir) + "/"
			args := append([]string{"s3api", "list-objects-v2", "--bucket", bucket, "--prefix", full, "--output", "json"}, extra...)
			out, err := run(ctx, "aws", args...)
			if err != nil {
				return nil, fmt.Errorf("listing the locks in s3://%s/%s (needs the AWS CLI): %w", bucket, full, err)
			}
			var list struct {
				Contents []struct{ Key string }
			}
			if len(bytes.TrimSpace(out)) > 0 {
				if err := json.Unmarshal(out, &list); err != nil {
					return nil, fmt.Errorf("listing the locks in s3://%s/%s: %w", bucket, full, err)
				}
			}
			for _, obj := range list.Contents {
				rest := strings.TrimPrefix(obj.Key, full)
				if strings.Contains(rest, "/") || !strings.HasSuffix(rest, ".json") {
					continue
				}
				data, err := run(ctx, "aws", append([]string{"s3", "cp", "s3://" + bucket + "/" + obj.Key, "-"}, extra...)...)
				if err != nil {
					return nil, fmt.Errorf("reading the lock s3://%s/%s: %w", bucket, obj.Key, err)
				}
				l, err := parseLock("s3://"+bucket+"/"+obj.Key, data)
				if err != nil {
					return nil, err
				}
				locks = append(locks, l)
			}
		}
	default:
		return nil, fmt.Errorf("reading the locks of a %s:// backend is not supported: look at them with that backend's own tools, then use --force", u.Scheme)
	}
	sort.Slice(locks, func(i, j int) bool { return locks[i].Key < locks[j].Key })
	return locks, nil
}

func parseLock(key string, data []byte) (Lock, error) {
	var l Lock
	if err := json.Unmarshal(data, &l); err != nil {
		return l, fmt.Errorf("lock %s: %w", key, err)
	}
	l.Key = key
	return l, nil
}
