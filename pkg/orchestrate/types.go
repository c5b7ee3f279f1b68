// Package orchestrate runs a Pulumi operation over many stacks in dependency order: a stack
// starts as soon as every stack it reads has succeeded, up to a bound of stacks at a time; a
// failure skips only the stacks downstream of it; the first interrupt stops scheduling and the
// second interrupts the running operations through the engine, which then unlocks their stacks.
//
// The engine is an interface: the Automation API implements it for real runs (autoengine), and
// tests use a fake. This package imports no Pulumi SDK.
package orchestrate

import (
	"context"
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
)

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
	Output  string // the engine's human-readable output: the diff of a preview
	LogFile string // where the full engine log of this stack went
}

// Engine performs operations on single stacks.
type Engine interface {
	// Prepare creates or selects every stack before any operation runs, one at a time (stack
	// selection writes shared workspace state), and installs provider plugins once.
	Prepare(ctx context.Context, stacks []string) error
	// Run performs op on stack. Cancelling ctx interrupts the operation.
	Run(ctx context.Context, op Op, stack string, progress func(Progress)) (Result, error)
	// Unlock removes the lock an interrupted operation may have left on stack.
	Unlock(ctx context.Context, stack string) error
}

// Status is where a stack's operation ended.
type Status string

// Statuses.
const (
	Succeeded   Status = "succeeded"
	Failed      Status = "failed"
	Skipped     Status = "skipped"     // a stack it depends on did not succeed
	Cancelled   Status = "cancelled"   // never started: the run was interrupted
	Interrupted Status = "interrupted" // started, then interrupted
)

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
}

// Summary is the outcome of a run over many stacks.
type Summary struct {
	Op       Op            `json:"operation"`
	Stacks   []StackReport `json:"stacks"` // in the order they ran (dependency order)
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"durationSeconds"`
	// Prepare is the part of Duration spent creating or selecting the stacks, one at a time,
	// before any operation ran.
	Prepare        time.Duration `json:"-"`
	PrepareSeconds float64       `json:"prepareSeconds"`
	Parallel       int           `json:"parallel"`
	Interrupted    bool          `json:"interrupted"`
}

// OK reports whether every stack succeeded.
func (s *Summary) OK() bool {
	for _, r := range s.Stacks {
		if r.Status != Succeeded {
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

type nopObserver struct{}

func (nopObserver) StackStarted(string)            {}
func (nopObserver) StackProgress(string, Progress) {}
func (nopObserver) StackFinished(StackReport)      {}
