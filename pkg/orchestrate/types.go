// Package orchestrate runs a Pulumi operation over many stacks in dependency order: a stack
// starts as soon as every stack it reads has succeeded, up to a bound of stacks at a time; a
// failure skips only the stacks downstream of it. Stopping a run has three stages: the first
// interrupt stops scheduling, the second interrupts the running operations (each CLI cancels
// gracefully and releases its own lock), the third kills them; only then, and only for an
// operation of this run that takes the stack's lock, is the lock removed (pulumi cancel), so a
// colleague's lock is never touched.
//
// The engine is an interface: the Automation API implements it for real runs (autoengine), and
// tests use a fake. This package imports no Pulumi SDK.
package orchestrate

import (
	"context"
	"errors"
	"time"
)

// Op is an operation on a stack.
type Op string

// Operations.
const (
	Preview        Op = "preview"
	Up             Op = "up"
	Destroy        Op = "destroy"
	Refresh        Op = "refresh"
	RefreshPreview Op = "refresh-preview" // refresh --preview-only: report drift, change nothing
	PreviewDestroy Op = "preview-destroy" // what destroy would delete, deleting nothing
)

// TakesLock reports whether op locks the stack in the backend while it runs. The self-managed
// backends lock for up, destroy and refresh, never for preview nor for refresh --preview-only
// (pulumi v3.250.0 pkg/backend/diy/backend.go: Preview, and Refresh with PreviewOnly, go
// straight to apply without Lock). A killed preview-only refresh therefore holds no lock of
// its own, and unlocking after it would remove someone else's.
func (o Op) TakesLock() bool { return o == Up || o == Destroy || o == Refresh }

// CreatesStacks reports whether op creates the stacks that do not exist yet. Only up does: a
// preview, refresh or destroy of a stack that was never deployed has nothing to look at, and
// creating it would be a write a read-only role may not make.
func (o Op) CreatesStacks() bool { return o == Up }

// FollowsGraph reports whether op waits for the stacks each stack reads. Refresh does not: it
// reads each stack's resources from the cloud, not from other stacks, so one failed refresh must
// not hide the drift of the stacks that read it.
func (o Op) FollowsGraph() bool { return o == Preview || o == Up || o == Destroy }

// ErrKilled is wrapped by an engine's error when the operation's CLI was killed rather than
// exiting on its own: a killed CLI cannot release its stack's lock.
var ErrKilled = errors.New("the Pulumi CLI was killed")

type killKey struct{}

// WithKill returns ctx carrying kill: when kill is done, the engine kills the operation's CLI
// instead of waiting for it to stop after an interrupt (the cancellation of ctx).
func WithKill(ctx, kill context.Context) context.Context {
	return context.WithValue(ctx, killKey{}, kill)
}

// KillOf is the kill signal WithKill put into ctx; nil if there is none.
func KillOf(ctx context.Context) <-chan struct{} {
	if k, ok := ctx.Value(killKey{}).(context.Context); ok {
		return k.Done()
	}
	return nil
}

// Changes counts what an operation did (or, for previews, would do) to a stack's resources.
type Changes struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Replace int `json:"replace"`
	Delete  int `json:"delete"`
	Same    int `json:"same"`
}

// Changed is the number of resources the operation changes.
func (c Changes) Changed() int { return c.Create + c.Update + c.Replace + c.Delete }

// Progress is how far a running operation has got.
type Progress struct {
	Done int    // resource steps finished
	Seen int    // resource steps started
	Last string // the latest resource, e.g. "aws:ec2/vpc:Vpc gs-ams-vpc"
}

// Result is what an engine reports for a finished operation.
type Result struct {
	Changes Changes
	Output  string  // the engine's human-readable output: the diff of a preview
	LogFile string  // where the full engine log of this stack went
	Drift   []Drift // refresh: the resources whose cloud state differs from the stack's state
	// Steps are the resources the operation changes (a preview: would change), in the order the
	// engine reported them.
	Steps []Step
}

// Drift is one resource a refresh found changed outside Pulumi.
type Drift struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Op is what the refresh does to the state: update (the resource differs) or delete (it is
	// gone from the cloud).
	Op string `json:"operation"`
	// Keys are the properties that differ, when the provider says.
	Keys []string `json:"keys,omitempty"`
}

// Engine performs operations on single stacks.
type Engine interface {
	// Prepare readies a run before any stack starts (installs provider plugins once) and, when
	// it may not create stacks (create false: every operation but up), returns the stacks the
	// backend does not have. Stacks are selected, or created, by Run as they start.
	Prepare(ctx context.Context, stacks []string, create bool) (missing []string, err error)
	// Run performs op on stack. Cancelling ctx interrupts the operation gracefully; the kill
	// signal in ctx (KillOf) kills it, and the error then wraps ErrKilled.
	Run(ctx context.Context, op Op, stack string, progress func(Progress)) (Result, error)
	// Unlock removes the lock object the killed CLI of this run wrote on the stack (its pid,
	// host and user), never another's. Called only for an operation of this run that takes the
	// lock and was killed.
	Unlock(ctx context.Context, stack string) error
}

// Checker is an Engine that can tell, before any stack runs, what would make them all fail
// (no CLI, no backend, no credentials): one line per problem, with its fix.
type Checker interface {
	Check(ctx context.Context) []string
}

// Status is where a stack's operation ended.
type Status string

// Statuses.
const (
	Succeeded   Status = "succeeded"
	Failed      Status = "failed"
	Skipped     Status = "skipped"     // a stack it depends on did not succeed
	Cancelled   Status = "cancelled"   // never started: the run was interrupted
	Interrupted Status = "interrupted" // started, then interrupted or killed
	New         Status = "new"         // the backend has no such stack yet: nothing to look at
	Waiting     Status = "waiting"     // a preview that reads a stack not deployed yet
)

// OK reports whether a stack that ended with s needs nothing from whoever ran it: it
// succeeded, or it is not deployed yet and the operation only looks (a first PR of a new fleet).
func (s Status) OK() bool { return s == Succeeded || s == New || s == Waiting }

// StackReport is the outcome of one stack.
type StackReport struct {
	Stack    string        `json:"stack"`
	Op       Op            `json:"operation"`
	Status   Status        `json:"status"`
	Changes  Changes       `json:"changes"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"durationSeconds"`
	Error    string        `json:"error,omitempty"`
	LogFile  string        `json:"logFile,omitempty"`
	Output   string        `json:"-"`
	// Drift lists, for a refresh, every resource found changed outside Pulumi.
	Drift []Drift `json:"drift,omitempty"`
	// Steps list every resource the operation changes or, for a preview, would change.
	Steps []Step `json:"steps,omitempty"`
}

// Summary is the outcome of a run over many stacks.
type Summary struct {
	Op       Op            `json:"operation"`
	Stacks   []StackReport `json:"stacks"` // in the order they ran (dependency order)
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"durationSeconds"`
	// Prepare is the part of Duration spent before the first stack could start: finding the
	// CLI, listing the backend's stacks, installing plugins. Stacks are selected as they start.
	Prepare        time.Duration `json:"-"`
	PrepareSeconds float64       `json:"prepareSeconds"`
	Parallel       int           `json:"parallel"`
	Interrupted    bool          `json:"interrupted"`
}

// OK reports whether every stack ended OK (Status.OK).
func (s *Summary) OK() bool {
	for _, r := range s.Stacks {
		if !r.Status.OK() {
			return false
		}
	}
	return true
}

// Count returns how many stacks ended with status.
func (s *Summary) Count(status Status) int {
	n := 0
	for _, r := range s.Stacks {
		if r.Status == status {
			n++
		}
	}
	return n
}

// Observer is told what happens while a run goes on. Its methods are called from many
// goroutines.
type Observer interface {
	StackStarted(stack string)
	StackProgress(stack string, p Progress)
	StackFinished(r StackReport)
}

// PrepareObserver is an Observer that is told what the run does before any stack can start
// (installing plugins can take minutes on a fresh machine), and when that is over ("").
type PrepareObserver interface {
	Preparing(what string)
}

// PrepareDescriber is an Engine that says what its Prepare does, for PrepareObserver.
type PrepareDescriber interface {
	DescribePrepare(create bool) string
}

type nopObserver struct{}

func (nopObserver) StackStarted(string)            {}
func (nopObserver) StackProgress(string, Progress) {}
func (nopObserver) StackFinished(StackReport)      {}
