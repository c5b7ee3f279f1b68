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
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strconv"
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

// Owner is who writes a lock: the Pulumi CLI's pid, host name and user name, as pulumi's DIY
// backend records them (pkg/backend/diy/lock.go, newLockContent: os.Getpid, os.Hostname,
// user.Current().Username).
type Owner struct {
	Pid      int
	Hostname string
	Username string
}

// ThisOwner is the owner a process of this machine and user with pid writes into its locks.
func ThisOwner(pid int) (Owner, error) {
	host, err := os.Hostname()
	if err != nil {
		return Owner{}, err
	}
	u, err := user.Current()
	if err != nil {
		return Owner{}, err
	}
	return Owner{Pid: pid, Hostname: host, Username: u.Username}, nil
}

// Wrote reports whether the lock is this owner's: same pid, host and user.
func (o Owner) Wrote(l Lock) bool {
	return l.Pid == o.Pid && l.Hostname == o.Hostname && l.Username == o.Username
}

// Machine is what JudgeLocks knows of this machine.
type Machine struct {
	Hostname, Username string
	// Alive reports whether a process with the pid runs here.
	Alive func(pid int) bool
	// Started is when the process with the pid started (zero when unknown). A process that
	// started after the lock was taken is another one that reuses the pid.
	Started func(pid int) time.Time
}

// JudgeLocks decides, for each lock, whether its operation can still be running. A lock is
// this machine's only when its host name and its user are ours (host names collide: two
// containers, two laptops called "localhost"); such a lock is stale once its process is gone,
// or when the process with its pid started after the lock was taken (the pid was reused). Any
// other lock cannot be checked from here, so it counts as running unless force.
func JudgeLocks(locks []Lock, m Machine, now time.Time, force bool) []LockVerdict {
	out := make([]LockVerdict, len(locks))
	for i, l := range locks {
		age := now.Sub(l.Timestamp).Round(time.Second)
		v := LockVerdict{Lock: l}
		ours := l.Hostname == m.Hostname && l.Username == m.Username
		var started time.Time
		if ours && m.Started != nil {
			started = m.Started(l.Pid)
		}
		switch {
		case ours && m.Alive(l.Pid) && !started.IsZero() && started.After(l.Timestamp.Add(2*time.Second)):
			v.Stale, v.Why = true, fmt.Sprintf("its Pulumi CLI (pid %d) on this machine has exited: pid %d now belongs to a process started %s, after the lock was taken",
				l.Pid, l.Pid, started.UTC().Format(time.RFC3339))
		case ours && m.Alive(l.Pid):
			v.Why = fmt.Sprintf("its Pulumi CLI (pid %d) is still running on this machine: let it finish, or stop it (Ctrl-C) so it releases its lock", l.Pid)
		case ours:
			v.Stale, v.Why = true, fmt.Sprintf("its Pulumi CLI (pid %d) on this machine has exited, %s after taking the lock, without releasing it", l.Pid, age)
		case force:
			v.Stale, v.Why = true, fmt.Sprintf("taken %s ago by %s on %s, which this machine cannot check; removed because of --force", age, l.Username, l.Hostname)
		default:
			v.Why = fmt.Sprintf("taken %s ago by %s on %s, whose processes sovereign cannot see: make sure that operation is over "+
				"(ask %s; for CI, that no deploy or drift run is in progress), then run again with --force", age, l.Username, l.Hostname, l.Username)
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

// ProcessStarted is when the process with the pid started on this machine, or zero when that
// cannot be told. Linux: field 22 of /proc/<pid>/stat (clock ticks after boot, USER_HZ 100 on
// every Linux ABI Go supports) plus btime of /proc/stat (proc(5)); the /proc/<pid> directory's
// own times are when procfs first looked it up, not the start.
func ProcessStarted(pid int) time.Time {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return time.Time{}
	}
	// The command name (field 2) may hold spaces and parentheses: fields count after its last ')'.
	rest := string(stat)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	fields := strings.Fields(rest)
	const startField = 22 - 3 // fields 3.. follow the command name
	if len(fields) <= startField {
		return time.Time{}
	}
	ticks, err := strconv.ParseInt(fields[startField], 10, 64)
	if err != nil {
		return time.Time{}
	}
	boot := bootTime()
	if boot.IsZero() {
		return time.Time{}
	}
	const userHZ = 100
	return boot.Add(time.Duration(ticks) * time.Second / userHZ)
}

// bootTime is btime of /proc/stat, or zero.
func bootTime() time.Time {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(secs, 0)
			}
		}
	}
	return time.Time{}
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

// RemoveLock deletes one lock object, and nothing else: a file of a file:// backend, an object
// of an s3:// backend (`aws s3api delete-object` with the backend URL's region, profile and
// endpoint). It is what `pulumi cancel` is not: that one deletes every lock of the stack.
func RemoveLock(ctx context.Context, backendURL string, l Lock, run Runner) error {
	u, err := url.Parse(backendURL)
	if err != nil {
		return fmt.Errorf("backend URL %q: %w", backendURL, err)
	}
	switch u.Scheme {
	case "file":
		// gocloud's fileblob (the file:// backend) keeps each object's attributes beside it in
		// <name>.attrs: the object is both files, as its Delete removes both.
		for _, f := range []string{l.Key, l.Key + ".attrs"} {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("removing the lock %s: %w", f, err)
			}
		}
		return nil
	case "s3":
		rest, ok := strings.CutPrefix(l.Key, "s3://"+u.Host+"/")
		if !ok {
			return fmt.Errorf("lock %s is not in the bucket %s", l.Key, u.Host)
		}
		args := []string{"s3api", "delete-object", "--bucket", u.Host, "--key", rest}
		q := u.Query()
		for _, p := range []struct{ param, flag string }{{"region", "--region"}, {"profile", "--profile"}, {"endpoint", "--endpoint-url"}} {
			if v := q.Get(p.param); v != "" {
				args = append(args, p.flag, v)
			}
		}
		if _, err := run(ctx, "aws", args...); err != nil {
			return fmt.Errorf("removing the lock %s: %w", l.Key, err)
		}
		return nil
	}
	return fmt.Errorf("removing a lock of a %s:// backend is not supported", u.Scheme)
}
