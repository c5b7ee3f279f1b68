// Package failover moves the writer of the Aurora global database to another region and makes
// the config say so: `sovereign failover --to <stack> [--planned | --unplanned
// --allow-data-loss] [--dry-run] [-y]`.
//
// The order is: read the global cluster from AWS and check the target (a member, synchronized
// for a planned switchover, no operation already running); print the plan; ask; call
// SwitchoverGlobalCluster (planned, no data loss) or FailoverGlobalCluster with AllowDataLoss
// (unplanned); wait until AWS reports the target as the writer; then edit the stack files (roles,
// the home that keeps the global cluster and the credentials, the DNS default region). No
// Pulumi state moves: the global cluster and the credentials live in the home stack whatever
// its role, and no member's inputs force a replacement when its role changes.
//
// Every step can be resumed: run the same command again after a failure and it starts from
// what AWS says (an operation already running towards the target is waited for; a target that
// is already the writer goes straight to the config change).
package failover

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// API is the part of the RDS API the failover calls (*rds.Client has it).
type API interface {
	DescribeGlobalClusters(ctx context.Context, in *rds.DescribeGlobalClustersInput, opts ...func(*rds.Options)) (*rds.DescribeGlobalClustersOutput, error)
	SwitchoverGlobalCluster(ctx context.Context, in *rds.SwitchoverGlobalClusterInput, opts ...func(*rds.Options)) (*rds.SwitchoverGlobalClusterOutput, error)
	FailoverGlobalCluster(ctx context.Context, in *rds.FailoverGlobalClusterInput, opts ...func(*rds.Options)) (*rds.FailoverGlobalClusterOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, opts ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
}

// Mode is a planned switchover or an unplanned failover.
type Mode string

// Modes.
const (
	Planned   Mode = "planned"   // SwitchoverGlobalCluster: both regions healthy, no data loss
	Unplanned Mode = "unplanned" // FailoverGlobalCluster --allow-data-loss: the writer's region is down
)

// Options are the command's inputs.
type Options struct {
	Dir   string // the project directory with the stack files
	Fleet *config.Fleet
	To    string // the stack (or AWS region) that becomes the writer
	Mode  Mode
	// AllowDataLoss must be set for an unplanned failover: what the old writer had not yet
	// replicated is lost.
	AllowDataLoss bool
	DryRun        bool // print the plan and what AWS says, change nothing
	Yes           bool // do not ask
	In            io.Reader
	Out           io.Writer
	// Client returns the RDS API of an AWS region.
	Client func(region string) API
	// Lag reads the target's replication lag (health.go); MaxLagMs is the most a planned
	// switchover accepts (0: the target's database.replicationLagAlarmMs).
	Lag      LagReader
	MaxLagMs int
	// Secrets reads the master credentials' secret and its replicas (replicas.go).
	Secrets SecretReader
	// Poll is how often the wait reads the global cluster (default 15 s); Timeout how long it
	// waits (default 60 min: a switchover of six members takes minutes, a failover less).
	Poll, Timeout time.Duration
}

// Plan is what the command will do, from the config alone.
type Plan struct {
	From, To        *config.Stack
	GlobalClusterID string
	// CallRegion is the region whose RDS endpoint takes the calls: the current writer's for a
	// switchover, the target's for a failover (the writer's region may be unreachable).
	CallRegion string
	Edits      []Edit
}

// ErrDeclined is returned when the person answers no.
var ErrDeclined = errors.New("nothing done: not confirmed")

// NewPlan resolves the target and the current writer from the config.
func NewPlan(o Options) (*Plan, error) {
	switch {
	case o.Mode != Planned && o.Mode != Unplanned:
		return nil, fmt.Errorf("say --planned (switchover, no data loss) or --unplanned --allow-data-loss (failover)")
	case o.Mode == Unplanned && !o.AllowDataLoss:
		return nil, fmt.Errorf("--unplanned loses what the old writer had not replicated: add --allow-data-loss to say you accept that")
	case o.Mode == Planned && o.AllowDataLoss:
		return nil, fmt.Errorf("--allow-data-loss is for --unplanned; a planned switchover loses nothing")
	}
	to, err := target(o.Fleet, o.To)
	if err != nil {
		return nil, err
	}
	env := to.Settings.Environment
	from := o.Fleet.PrimaryDatabase(env)
	home := o.Fleet.DatabaseHome(env)
	switch {
	case from == nil || home == nil:
		return nil, fmt.Errorf("environment %s has no primary or no home of its global database; run sovereign validate", env)
	case from == to:
		return nil, fmt.Errorf("%s (%s) is already the primary in the config; nothing to move", to.Name, to.File)
	}
	p := &Plan{From: from, To: to, GlobalClusterID: home.Database.GlobalClusterIdentifier, CallRegion: from.Settings.AWSRegion,
		Edits: roleEdits(o.Fleet, from, to)}
	if o.Mode == Unplanned {
		p.CallRegion = to.Settings.AWSRegion
	}
	return p, nil
}

// target finds the region stack named by a stack name or an AWS region.
func target(fleet *config.Fleet, name string) (*config.Stack, error) {
	var members, matches []string
	var found *config.Stack
	for _, s := range fleet.Stacks {
		if !s.IsRegion() || s.Database == nil || s.Database.Role == config.RoleStandalone {
			continue
		}
		members = append(members, s.Name)
		if s.Name == name || s.Settings.AWSRegion == name {
			matches = append(matches, s.Name)
			found = s
		}
	}
	slices.Sort(members)
	switch len(matches) {
	case 0:
		return nil, fmt.Errorf("--to %q: not a member of a global database; want one of %s", name, strings.Join(members, ", "))
	case 1:
		return found, nil
	}
	return nil, fmt.Errorf("--to %q matches %s; name the stack", name, strings.Join(matches, ", "))
}

// clusterID is the Aurora cluster identifier the program gives a stack's member.
func clusterID(s *config.Stack) string { return s.Settings.NamePrefix + "-aurora" }

// Print writes the plan.
func (p *Plan) Print(w io.Writer, mode Mode) {
	fmt.Fprintf(w, "Plan: move the writer of Aurora global database %s from %s (%s, %s) to %s (%s, %s), %s\n",
		p.GlobalClusterID, p.From.Name, clusterID(p.From), p.From.Settings.AWSRegion, p.To.Name, clusterID(p.To), p.To.Settings.AWSRegion, mode)
	fmt.Fprintf(w, "  1. check in AWS (%s): the global cluster is available, %s is a member", p.CallRegion, clusterID(p.To))
	if mode == Planned {
		fmt.Fprint(w, ", every member is connected")
	}
	fmt.Fprintln(w, ", no switchover or failover is running")
	fmt.Fprintf(w, "     and in %s: %s is available", p.To.Settings.AWSRegion, clusterID(p.To))
	if mode == Planned {
		fmt.Fprintf(w, ", its replication lag is reporting and under the limit\n")
	} else {
		fmt.Fprintf(w, " (its last replication lag is printed: about that much is lost)\n")
	}
	if mode == Planned {
		fmt.Fprintf(w, "  2. rds:SwitchoverGlobalCluster in %s (Aurora waits for %s to catch up: nothing committed is lost)\n", p.CallRegion, clusterID(p.To))
	} else {
		fmt.Fprintf(w, "  2. rds:FailoverGlobalCluster --allow-data-loss in %s (what %s had not replicated is lost)\n", p.CallRegion, clusterID(p.From))
	}
	fmt.Fprintf(w, "  3. wait until AWS reports %s as the writer\n", clusterID(p.To))
	fmt.Fprintln(w, "  4. edit the stack files (validated before they are written):")
	for _, e := range p.Edits {
		fmt.Fprintf(w, "       %s\n", e)
	}
	fmt.Fprintln(w, "  5. check that the master credentials' replica is InSync in every member's region (or, with the home's region down, say how to promote the target's)")
	fmt.Fprintln(w, "  6. no Pulumi state moves: the global cluster and the credentials stay in the home stack")
}

// Run does the failover.
func Run(ctx context.Context, o Options) error {
	if o.Poll == 0 {
		o.Poll = 15 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Minute
	}
	p, err := NewPlan(o)
	if err != nil {
		return err
	}
	files, err := applyEdits(o.Dir, p.Edits)
	if err != nil {
		return err
	}
	if err := validateEdited(o.Dir, files); err != nil {
		return err
	}
	p.Print(o.Out, o.Mode)

	api := o.Client(p.CallRegion)
	g, err := describe(ctx, api, p.GlobalClusterID)
	if err != nil {
		return fmt.Errorf("step 1: %w", err)
	}
	st, err := check(g, p, o.Mode)
	if err != nil {
		return fmt.Errorf("step 1: %w", err)
	}
	fmt.Fprintf(o.Out, "\nAWS now: %s\n", summary(g))
	switch st.phase {
	case alreadyDone:
		fmt.Fprintf(o.Out, "AWS already reports %s as the writer: resuming at step 4\n", clusterID(p.To))
	case running:
		fmt.Fprintf(o.Out, "an operation towards %s is already running: resuming at step 3\n", clusterID(p.To))
	case toStart:
		if err := health(ctx, o, p); err != nil {
			return fmt.Errorf("step 1: %w; nothing changed", err)
		}
	}
	if o.DryRun {
		fmt.Fprintln(o.Out, "dry run: nothing changed")
		return nil
	}
	if !o.Yes && !confirm(o.In, o.Out) {
		return ErrDeclined
	}

	if st.phase == toStart {
		if err := call(ctx, api, p, o.Mode, st.targetArn); err != nil {
			return fmt.Errorf("step 2: %w; AWS and the config are unchanged", err)
		}
		fmt.Fprintf(o.Out, "step 2: %s accepted\n", operation(o.Mode))
	}
	if st.phase != alreadyDone {
		if err := wait(ctx, api, p, o, st.targetArn); err != nil {
			return fmt.Errorf("step 3: %w; the config is unchanged: run the same command again to resume", err)
		}
	}
	for _, f := range sortedKeys(files) {
		if err := os.WriteFile(filepath.Join(o.Dir, f), files[f], 0o644); err != nil {
			return fmt.Errorf("step 4: %w; AWS has moved the writer: fix and run the same command again to resume", err)
		}
		fmt.Fprintf(o.Out, "step 4: wrote %s\n", f)
	}
	if err := replicas(ctx, o, p); err != nil {
		return fmt.Errorf("step 5: %w\nthe writer moved and the config is written: commit it; fix the replicas before relying on them", err)
	}
	// The credentials' host and the clients' writer endpoint are the global cluster's endpoint as
	// the home's state holds it; the provider reads it only on a refresh (`up` does not refresh),
	// and until it has, the state holds the first writer's cluster endpoint.
	home := o.Fleet.DatabaseHome(p.To.Settings.Environment)
	refresh := fmt.Sprintf("`sovereign refresh --stack %s`", home.Name)
	homeDown := o.Mode == Unplanned && home.Settings.AWSRegion == p.From.Settings.AWSRegion
	fmt.Fprintf(o.Out, "\nDone: %s writes. Next: commit the stack files", p.To.Name)
	if !homeDown {
		fmt.Fprintf(o.Out, ", %s (reads the global writer endpoint: the credentials' host and clientWriterEndpoint follow it)", refresh)
	}
	fmt.Fprintf(o.Out, ", then `sovereign preview --all` (no cluster, global cluster or secret is replaced) and `sovereign up --all`")
	if o.Mode == Unplanned {
		fmt.Fprintf(o.Out, " without %s while %s is down (--stack for each other stack)", p.From.Name, p.From.Settings.AWSRegion)
	}
	if homeDown {
		fmt.Fprintf(o.Out, "; then %s once %s is back, and `sovereign up --all`", refresh, home.Settings.AWSRegion)
	}
	fmt.Fprintln(o.Out, ".")
	return nil
}

func operation(m Mode) string {
	if m == Planned {
		return "SwitchoverGlobalCluster"
	}
	return "FailoverGlobalCluster"
}

func confirm(in io.Reader, out io.Writer) bool {
	fmt.Fprint(out, "Proceed? [y/N] ")
	if in == nil {
		return false
	}
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func describe(ctx context.Context, api API, id string) (*types.GlobalCluster, error) {
	out, err := api.DescribeGlobalClusters(ctx, &rds.DescribeGlobalClustersInput{GlobalClusterIdentifier: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("reading global cluster %s: %w", id, err)
	}
	if len(out.GlobalClusters) != 1 {
		return nil, fmt.Errorf("global cluster %s: AWS returned %d", id, len(out.GlobalClusters))
	}
	return &out.GlobalClusters[0], nil
}

type phase int

const (
	toStart     phase = iota // nothing running: call the API
	running                  // an operation towards the target is running: wait
	alreadyDone              // the target writes: edit the config
)

type state struct {
	phase     phase
	targetArn string
}

// check reads the global cluster against the plan.
func check(g *types.GlobalCluster, p *Plan, mode Mode) (state, error) {
	var st state
	var writer string
	var unsynced []string
	for _, m := range g.GlobalClusterMembers {
		arn := aws.ToString(m.DBClusterArn)
		if isCluster(arn, p.To) {
			st.targetArn = arn
		}
		if aws.ToBool(m.IsWriter) {
			writer = arn
		}
		if !aws.ToBool(m.IsWriter) && m.SynchronizationStatus != "" && m.SynchronizationStatus != types.GlobalClusterMemberSynchronizationStatusConnected {
			unsynced = append(unsynced, fmt.Sprintf("%s (%s)", arn, m.SynchronizationStatus))
		}
	}
	if st.targetArn == "" {
		return st, fmt.Errorf("%s in %s is not a member of global cluster %s (members: %s)", clusterID(p.To), p.To.Settings.AWSRegion,
			p.GlobalClusterID, summary(g))
	}
	if fs := g.FailoverState; fs != nil && fs.Status != "" {
		if aws.ToString(fs.ToDbClusterArn) == st.targetArn {
			st.phase = running
			return st, nil
		}
		return st, fmt.Errorf("a %s towards %s is already running; wait for it, then decide again", fs.Status, aws.ToString(fs.ToDbClusterArn))
	}
	if writer == st.targetArn {
		st.phase = alreadyDone
		return st, nil
	}
	if status := aws.ToString(g.Status); status != "available" {
		return st, fmt.Errorf("global cluster %s is %q, not available", p.GlobalClusterID, status)
	}
	if mode == Planned {
		if writer == "" {
			return st, fmt.Errorf("no member is the writer: a switchover needs a healthy writer; use --unplanned --allow-data-loss if its region is down")
		}
		if !isCluster(writer, p.From) {
			return st, fmt.Errorf("AWS says %s writes, the config says %s: make the config say what AWS says first", writer, clusterID(p.From))
		}
		if len(unsynced) > 0 {
			return st, fmt.Errorf("not every member is connected: %s; a switchover waits on every member (or use --unplanned)", strings.Join(unsynced, ", "))
		}
	}
	return st, nil
}

// isCluster says whether an ARN names the stack's cluster in the stack's region.
func isCluster(arn string, s *config.Stack) bool {
	parts := strings.Split(arn, ":")
	return len(parts) == 7 && parts[2] == "rds" && parts[3] == s.Settings.AWSRegion && parts[5] == "cluster" && parts[6] == clusterID(s)
}

func summary(g *types.GlobalCluster) string {
	var ms []string
	for _, m := range g.GlobalClusterMembers {
		role := "reader"
		if aws.ToBool(m.IsWriter) {
			role = "WRITER"
		}
		ms = append(ms, fmt.Sprintf("%s %s %s", aws.ToString(m.DBClusterArn), role, m.SynchronizationStatus))
	}
	s := fmt.Sprintf("status %s; %s", aws.ToString(g.Status), strings.Join(ms, "; "))
	if fs := g.FailoverState; fs != nil && fs.Status != "" {
		s += fmt.Sprintf("; %s to %s", fs.Status, aws.ToString(fs.ToDbClusterArn))
	}
	return s
}

func call(ctx context.Context, api API, p *Plan, mode Mode, targetArn string) error {
	if mode == Planned {
		_, err := api.SwitchoverGlobalCluster(ctx, &rds.SwitchoverGlobalClusterInput{
			GlobalClusterIdentifier: aws.String(p.GlobalClusterID), TargetDbClusterIdentifier: aws.String(targetArn)})
		return err
	}
	_, err := api.FailoverGlobalCluster(ctx, &rds.FailoverGlobalClusterInput{
		GlobalClusterIdentifier: aws.String(p.GlobalClusterID), TargetDbClusterIdentifier: aws.String(targetArn),
		AllowDataLoss: aws.Bool(true)})
	return err
}

// wait polls until the target writes, no operation runs and the global cluster is available,
// printing every change of state.
func wait(ctx context.Context, api API, p *Plan, o Options, targetArn string) error {
	deadline := time.Now().Add(o.Timeout)
	last := ""
	seenRunning := false
	for {
		g, err := describe(ctx, api, p.GlobalClusterID)
		if err != nil {
			return err
		}
		now := summary(g)
		if now != last {
			fmt.Fprintf(o.Out, "step 3: %s %s\n", time.Now().UTC().Format(time.TimeOnly), now)
			last = now
		}
		writes := false
		for _, m := range g.GlobalClusterMembers {
			if aws.ToString(m.DBClusterArn) == targetArn && aws.ToBool(m.IsWriter) {
				writes = true
			}
		}
		idle := g.FailoverState == nil || g.FailoverState.Status == ""
		if writes && idle && aws.ToString(g.Status) == "available" {
			return nil
		}
		seenRunning = seenRunning || !idle
		// Right after the call AWS may not show the operation yet: only an operation seen
		// running and gone without moving the writer was cancelled.
		if seenRunning && idle && !writes && aws.ToString(g.Status) == "available" {
			return fmt.Errorf("the operation ended and %s is not the writer (AWS cancelled it); nothing else changed", clusterID(p.To))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still %s after %s", now, o.Timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(o.Poll):
		}
	}
}
