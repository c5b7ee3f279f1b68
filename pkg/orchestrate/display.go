package orchestrate

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Lines is an Observer for logs (CI): a prefixed line per event.
type Lines struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
	// started holds start times, for the elapsed time of each line.
	started map[string]time.Time
}

// NewLines writes event lines to w.
func NewLines(w io.Writer) *Lines {
	return &Lines{w: w, now: time.Now, started: map[string]time.Time{}}
}

// Preparing says what happens before the first stack starts.
func (l *Lines) Preparing(what string) {
	if what == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "[prepare] %s\n", what)
}

func (l *Lines) StackStarted(stack string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.started[stack] = l.now()
	fmt.Fprintf(l.w, "[%s] started\n", stack)
}

func (l *Lines) StackProgress(stack string, p Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "[%s] %d/%d %s (%s)\n", stack, p.Done, p.Seen, p.Last, roundDuration(l.now().Sub(l.started[stack])))
}

func (l *Lines) StackFinished(r StackReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := r.Changes
	line := fmt.Sprintf("[%s] %s in %s: +%d ~%d ±%d -%d", r.Stack, r.Status, roundDuration(r.Duration), c.Create, c.Update, c.Replace, c.Delete)
	if r.Error != "" {
		line += ": " + r.Error
	}
	fmt.Fprintln(l.w, line)
}

// Live is an Observer for a terminal: one line per stack (state, resources done, elapsed, the
// latest resource), redrawn in place.
type Live struct {
	mu   sync.Mutex
	w    io.Writer
	now  func() time.Time
	rows map[string]*liveRow
	// preparing is what the run does before any stack starts, shown above the stacks.
	preparing string
	prepStart time.Time
	drawn     int // lines drawn last time, to move the cursor back over
	width     int
	stop      chan struct{}
	closed    sync.WaitGroup
}

type liveRow struct {
	state    string
	progress Progress
	start    time.Time
	took     time.Duration
}

// NewLive draws the stacks on w every interval until Close. width truncates lines (0: 120).
func NewLive(w io.Writer, stacks []string, interval time.Duration, width int) *Live {
	if width <= 0 {
		width = 120
	}
	l := &Live{w: w, now: time.Now, rows: map[string]*liveRow{}, width: width, stop: make(chan struct{})}
	for _, s := range stacks {
		l.rows[s] = &liveRow{state: "waiting"}
	}
	l.closed.Add(1)
	go func() {
		defer l.closed.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.Draw()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

// Close stops redrawing and draws the final state.
func (l *Live) Close() {
	close(l.stop)
	l.closed.Wait()
	l.Draw()
}

// Preparing shows what the run does before any stack starts, with its elapsed time, instead
// of stacks that wait with nothing to say.
func (l *Live) Preparing(what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.preparing, l.prepStart = what, l.now()
}

func (l *Live) StackStarted(stack string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.row(stack).state, l.row(stack).start = "running", l.now()
}

func (l *Live) StackProgress(stack string, p Progress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.row(stack).progress = p
}

func (l *Live) StackFinished(r StackReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	row := l.row(r.Stack)
	row.state, row.took = string(r.Status), r.Duration
}

func (l *Live) row(stack string) *liveRow {
	if l.rows[stack] == nil {
		l.rows[stack] = &liveRow{state: "waiting"}
	}
	return l.rows[stack]
}

// Draw redraws every line in place.
func (l *Live) Draw() {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.rows))
	for n := range l.rows {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	if l.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", l.drawn) // back to the first line
	}
	lines := len(names)
	if l.preparing != "" {
		line := fmt.Sprintf("preparing (%s): %s", roundDuration(l.now().Sub(l.prepStart)), l.preparing)
		if len(line) > l.width {
			line = line[:l.width]
		}
		b.WriteString("\x1b[2K" + line + "\n")
		lines++
	} else if l.drawn > len(names) {
		b.WriteString("\x1b[2K\n") // the preparing line, now blank
		lines++
	}
	for _, n := range names {
		r := l.rows[n]
		elapsed := r.took
		if r.state == "running" {
			elapsed = l.now().Sub(r.start)
		}
		line := fmt.Sprintf("%-8s %-11s %4d/%-4d %8s  %s", n, r.state, r.progress.Done, r.progress.Seen, roundDuration(elapsed), r.progress.Last)
		if len(line) > l.width {
			line = line[:l.width]
		}
		b.WriteString("\x1b[2K" + line + "\n") // clear the line, then write it
	}
	l.drawn = lines
	io.WriteString(l.w, b.String())
}
