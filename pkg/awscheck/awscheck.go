// Package awscheck holds the checks `sovereign preflight --online` makes with AWS credentials:
// what only the account can answer (who is calling, which instance types a region offers,
// which subscriptions are confirmed, which account-wide singletons exist). Each check is a
// function over the fleet's config and an Env; tests point the Env at an httptest server that
// answers as the AWS API would, so every check runs offline in the test tier.
package awscheck

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Severity says whether a finding stops `sovereign up` (Problem) or is only said (Warning, Info).
type Severity int

const (
	// Info is a fact a person should know (which of two paths the deploy will take).
	Info Severity = iota
	// Warning is something that will cost money or fail later, but does not stop a deploy.
	Warning
	// Problem stops `sovereign up`: the deploy would fail or do harm.
	Problem
)

func (s Severity) String() string {
	switch s {
	case Problem:
		return "problem"
	case Warning:
		return "warning"
	}
	return "info"
}

// Finding is one line of preflight's report: which stacks it concerns, what was found, and the
// exact fix.
type Finding struct {
	Severity Severity
	// Stacks the finding concerns (empty: the account or the fleet).
	Stacks []string
	// Check is the name of the check that found it.
	Check   string
	Message string
	// Fix says what a person does about it, as a command or a config key.
	Fix string
}

func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Severity.String())
	if len(f.Stacks) > 0 {
		fmt.Fprintf(&b, " [%s]", strings.Join(f.Stacks, ", "))
	}
	fmt.Fprintf(&b, " %s: %s", f.Check, f.Message)
	if f.Fix != "" {
		fmt.Fprintf(&b, "\n    fix: %s", f.Fix)
	}
	return b.String()
}

// Env is how checks reach AWS.
type Env struct {
	// Config is the caller's AWS config (credentials chain, default region).
	Config aws.Config
	// Endpoint, when set, replaces every service's endpoint (tests point it at an httptest
	// server that answers as AWS would).
	Endpoint string
}

// Load returns the Env of the caller's default AWS credentials chain.
func Load(ctx context.Context, endpoint string) (Env, error) {
	opts := []func(*awsconfig.LoadOptions) error{}
	if endpoint != "" {
		opts = append(opts, awsconfig.WithRegion("us-east-1"))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Env{}, fmt.Errorf("AWS credentials: %w (set AWS_PROFILE, or run in CI with the role's credentials)", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return Env{}, fmt.Errorf("no AWS credentials: %w; sign in (aws sso login --profile P, then AWS_PROFILE=P) or drop --online", err)
	}
	return Env{Config: cfg, Endpoint: endpoint}, nil
}

// Region returns the config for calls in an AWS region.
func (e Env) Region(region string) aws.Config {
	c := e.Config.Copy()
	c.Region = region
	if e.Endpoint != "" {
		c.BaseEndpoint = aws.String(e.Endpoint)
	}
	return c
}

// Check is one online check.
type Check struct {
	Name string
	Run  func(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error)
}

// Run runs the checks in order; a check that fails to reach AWS becomes a Problem finding
// naming the check, so one unreachable service does not hide the others' findings.
func Run(ctx context.Context, env Env, fleet *config.Fleet, names []string, checks []Check) []Finding {
	var out []Finding
	for _, c := range checks {
		fs, err := c.Run(ctx, env, fleet, names)
		if err != nil {
			out = append(out, Finding{Severity: Problem, Check: c.Name, Message: err.Error(),
				Fix: "check the credentials' permissions for this call, or run preflight without --online"})
			continue
		}
		for i := range fs {
			if fs[i].Check == "" {
				fs[i].Check = c.Name
			}
			sort.Strings(fs[i].Stacks)
		}
		out = append(out, fs...)
	}
	return out
}

// Problems counts the findings that stop a deploy.
func Problems(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if f.Severity == Problem {
			n++
		}
	}
	return n
}
