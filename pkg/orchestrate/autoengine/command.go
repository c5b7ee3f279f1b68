package autoengine

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// command is the engine's own auto.PulumiCommand. The SDK's runs each CLI in the caller's
// process group and kills it 10 s after an interrupt. Both are wrong for an orchestrator:
//   - a Ctrl-C at the terminal goes to the whole foreground process group, so the first Ctrl-C,
//     meant only to stop scheduling, would also interrupt every running CLI;
//   - a CLI killed mid-update keeps its stack locked and leaves pending operations, while one
//     given time after SIGINT cancels cleanly and releases its lock.
//
// Here every CLI runs in its own process group; cancelling the context sends it one SIGINT and
// waits; the kill signal the orchestrator put in the context (orchestrate.KillOf) kills its
// whole group, and only then is the run marked killed (see killedFlag).
type command struct {
	path    string
	version semver.Version
}

var _ auto.PulumiCommand = command{}

// newCommand finds the CLI (root/bin/pulumi, or pulumi on PATH) and its version, checked
// against the Automation API's minimum unless PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK is set.
func newCommand(root string) (command, error) {
	// The SDK's constructor finds the binary and validates the version; we keep its answer.
	sdkCmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return command{}, err
	}
	path := "pulumi"
	if root != "" {
		path = filepath.Join(root, "bin", "pulumi")
	}
	return command{path: path, version: sdkCmd.Version()}, nil
}

func (c command) Version() semver.Version { return c.version }

type killedKey struct{}

// killedPid is set, by the command that ran in ctx, to the pid of the CLI it had to kill: the
// pid the CLI wrote into its lock (pulumi pkg/backend/diy/lock.go: pid, username, hostname).
func withKilledFlag(ctx context.Context) (context.Context, *atomic.Int64) {
	pid := &atomic.Int64{}
	return context.WithValue(ctx, killedKey{}, pid), pid
}

func (c command) Run(ctx context.Context, workdir string, stdin io.Reader, additionalOutput []io.Writer,
	additionalErrorOutput []io.Writer, additionalEnv []string, args ...string,
) (string, string, int, error) {
	if !hasArg(args, "--non-interactive") {
		args = append([]string{"--non-interactive"}, args...)
	}
	cmd := exec.Command(c.path, args...)
	cmd.Dir = workdir
	env := append(os.Environ(), additionalEnv...)
	env = append(env, "PULUMI_AUTOMATION_API=true")
	if filepath.IsAbs(c.path) {
		// Plugins the CLI starts find their sibling binaries first.
		env = append(env, "PATH="+filepath.Dir(c.path)+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(additionalOutput, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(additionalErrorOutput, &stderr)...)
	cmd.Stdin = stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", "", -2, err
	}
	exited := make(chan struct{})
	go func() {
		interrupt := ctx.Done()
		kill := orchestrate.KillOf(ctx)
		for {
			select {
			case <-exited:
				return
			case <-interrupt:
				interrupt = nil // once: a second SIGINT makes the CLI abandon its clean-up
				_ = cmd.Process.Signal(os.Interrupt)
			case <-kill:
				if pid, ok := ctx.Value(killedKey{}).(*atomic.Int64); ok {
					pid.Store(int64(cmd.Process.Pid))
				}
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the CLI and its plugins
				return
			}
		}
	}()
	err := cmd.Wait()
	close(exited)
	code := -2
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err == nil {
		code = 0
	}
	return stdout.String(), stderr.String(), code, err
}

func hasArg(args []string, want string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == want {
			return true
		}
	}
	return false
}
