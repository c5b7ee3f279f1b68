package awscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Access checks that the caller may use the Kubernetes API of each selected stack's cluster
// that exists: the deploy-time reach probe only opens a TCP connection, so a caller without an
// access entry passes it and then fails with 401 on every Kubernetes object. EKS ListAccessEntries
// (GET /clusters/{name}/access-entries, REST-JSON, signed with SigV4) lists every principal with
// an entry, the creator's implicit one included. A cluster that does not exist yet is Identity's
// concern (who creates it). Client stacks apply into their home's cluster (and the database
// writer's, for the database Job), the global stack into the Cassandra datacenters' clusters:
// the caller needs an entry there too.
var Access = Check{Name: "cluster-access", Run: access}

func access(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	var caller string
	var fs []Finding
	type target struct{ stack, cluster, region string }
	seen := map[target]bool{}
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil {
			continue
		}
		for _, c := range clustersOf(fleet, s) {
			t := target{n, c.Settings.NamePrefix, c.Settings.AWSRegion}
			if seen[t] {
				continue
			}
			seen[t] = true
			f, err := accessOn(ctx, env, &caller, t.stack, c)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f...)
		}
	}
	return fs, nil
}

// clustersOf are the clusters a stack applies Kubernetes objects into.
func clustersOf(fleet *config.Fleet, s *config.Stack) []*config.Stack {
	var out []*config.Stack
	add := func(x *config.Stack) {
		if x != nil && x.Cluster != nil && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	add(s)
	switch s.Settings.Kind {
	case config.KindClient:
		add(fleet.HomeStack(s))
		add(fleet.DatabaseWriterStack(s))
	case config.KindGlobal:
		for _, dc := range fleet.CassandraDatacenters(s.Settings.Environment) {
			add(dc)
		}
	}
	return out
}

// accessOn checks the caller's entry on one cluster (reading the caller once into *caller). Any
// entry is not enough: a preview role (viewerRoleArns, AmazonEKSViewPolicy) or the drift role
// (auditorRoleArns) has one, passes the probe, and then every object the stack writes fails with
// 403. The config says which principals hold the cluster-admin policy: creatorRoleArn (the
// implicit entry) and adminRoleArns.
func accessOn(ctx context.Context, env Env, caller *string, stack string, c *config.Stack) ([]Finding, error) {
	cluster, region := c.Settings.NamePrefix, c.Settings.AWSRegion
	if *caller == "" {
		out, err := sts.NewFromConfig(env.Region("us-east-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return nil, fmt.Errorf("sts:GetCallerIdentity: %w", err)
		}
		if out.Arn != nil {
			*caller = *out.Arn
		}
	}
	entries, exists, err := listAccessEntries(ctx, env, region, cluster)
	if err != nil {
		return nil, fmt.Errorf("eks:ListAccessEntries on %s (%s): %w", cluster, region, err)
	}
	if !exists {
		return nil, nil
	}
	admin := SameRole(*caller, c.Cluster.CreatorRoleArn) || containsRole(c.Cluster.AdminRoleArns, *caller)
	switch {
	case containsRole(entries, *caller) && admin:
		return nil, nil
	case containsRole(entries, *caller):
		return []Finding{{Severity: Problem, Stacks: []string{stack},
			Message: fmt.Sprintf("%s has an access entry on cluster %s (%s) but is neither its creatorRoleArn nor in its adminRoleArns: a read-only "+
				"entry (viewerRoleArns, auditorRoleArns) passes the probe, then every object the stack writes there fails with 403", *caller, cluster, region),
			Fix: "run as the deploy role (creatorRoleArn) or a role in that cluster's adminRoleArns"}}, nil
	}
	fix := "run as a role in that cluster's adminRoleArns or its creatorRoleArn, or add the role to its cluster.adminRoleArns (an `up` of that stack by a role with access)"
	if SameRole(*caller, c.Cluster.CreatorRoleArn) {
		// The deploy role without an entry: another principal created the cluster, and the
		// creator may not be listed in adminRoleArns (its entry would collide once it is).
		fix = "the cluster was created by another principal, so the deploy role has no entry of its own: follow " +
			"docs/operations/first-deployment.md, \"Recovery when a cluster was created by the wrong principal\""
	}
	return []Finding{{Severity: Problem, Stacks: []string{stack},
		Message: fmt.Sprintf("%s has no access entry on cluster %s (%s): the API answers TCP, then every Kubernetes object the stack applies there fails with 401",
			*caller, cluster, region),
		Fix: fix}}, nil
}

// listAccessEntries returns the principal ARNs with an access entry on a cluster; exists is false
// when the cluster does not exist (ResourceNotFoundException).
func listAccessEntries(ctx context.Context, env Env, region, cluster string) (entries []string, exists bool, err error) {
	base := "https://eks." + region + ".amazonaws.com"
	if env.Endpoint != "" {
		base = strings.TrimSuffix(env.Endpoint, "/")
	}
	next := ""
	for {
		u := base + "/clusters/" + url.PathEscape(cluster) + "/access-entries?maxResults=100"
		if next != "" {
			u += "&nextToken=" + url.QueryEscape(next)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, false, err
		}
		status, data, err := signedDo(ctx, env, region, "eks", req, nil)
		if err != nil {
			return nil, false, err
		}
		var page struct {
			AccessEntries []string `json:"accessEntries"`
			NextToken     string   `json:"nextToken"`
			Message       string   `json:"message"`
		}
		_ = json.Unmarshal(data, &page)
		switch {
		case status == http.StatusNotFound:
			return nil, false, nil
		case status != http.StatusOK:
			return nil, false, fmt.Errorf("HTTP %d: %s", status, page.Message)
		}
		entries = append(entries, page.AccessEntries...)
		if next = page.NextToken; next == "" {
			return entries, true, nil
		}
	}
}
