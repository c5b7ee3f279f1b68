package awscheck

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// AddonVersions asks EKS whether each pinned add-on version (pkg/config addonVersionTable, with
// cluster.addonVersions laid over it) is one it offers for the stack's Kubernetes version in the
// stack's region. The pins come from second-hand sources (docs/eks-versions.md); EKS refuses a
// version it does not list (InvalidParameterException "Addon version specified is not
// supported") at create or update, so without this check a wrong pin is found half-way through
// an `up`. EKS DescribeAddonVersions (GET /addons/supported-versions?addonName=&kubernetesVersion=,
// REST-JSON, SigV4 service "eks"; EKS API reference, API_DescribeAddonVersions) answers
// addons[].addonVersions[] with each build's addonVersion and its compatibilities[].clusterVersion.
var AddonVersions = Check{Name: "eks-addon-versions", Run: addonVersions}

func addonVersions(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	// One question per (region, Kubernetes version, add-on); one finding per pin AWS does not
	// list, naming every stack that uses it.
	type query struct{ region, kubernetes, addon string }
	type pin struct {
		query
		version  string
		override bool
	}
	offered := map[query][]string{}
	stacks := map[pin][]string{}
	var order []pin
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Cluster == nil {
			continue
		}
		for addon, version := range s.Cluster.AddonVersions() {
			q := query{s.Settings.AWSRegion, s.Cluster.KubernetesVersion, addon}
			if _, ok := offered[q]; !ok {
				vs, err := describeAddonVersions(ctx, env, q.region, q.addon, q.kubernetes)
				if err != nil {
					return nil, fmt.Errorf("eks:DescribeAddonVersions %s for Kubernetes %s in %s: %w", q.addon, q.kubernetes, q.region, err)
				}
				offered[q] = vs
			}
			if slices.Contains(offered[q], version) {
				continue
			}
			_, override := s.Cluster.AddonVersionOverrides[addon]
			p := pin{q, version, override}
			if stacks[p] == nil {
				order = append(order, p)
			}
			stacks[p] = append(stacks[p], n)
		}
	}
	slices.SortFunc(order, func(a, b pin) int {
		return strings.Compare(a.region+" "+a.kubernetes+" "+a.addon+" "+a.version, b.region+" "+b.kubernetes+" "+b.addon+" "+b.version)
	})
	var out []Finding
	for _, p := range order {
		fix := fmt.Sprintf("pin a build AWS lists (aws eks describe-addon-versions --region %s --kubernetes-version %s --addon-name %s --query 'addons[0].addonVersions[].addonVersion'): ",
			p.region, p.kubernetes, p.addon)
		if p.override {
			fix += fmt.Sprintf("set cluster.addonVersions.%s in the stack file of every stack listed", p.addon)
		} else {
			fix += fmt.Sprintf("correct the %s row of addonVersionTable (pkg/config/kubernetes.go), or set cluster.addonVersions.%s in the stack file of every stack listed meanwhile", p.kubernetes, p.addon)
		}
		out = append(out, Finding{Severity: Problem, Stacks: stacks[p],
			Message: fmt.Sprintf("EKS in %s does not list add-on %s %s for Kubernetes %s: creating or updating the add-on fails (InvalidParameterException)",
				p.region, p.addon, p.version, p.kubernetes),
			Fix: fix})
	}
	return out, nil
}

// describeAddonVersions returns the builds of an add-on EKS offers in a region for a Kubernetes
// version: those whose compatibilities name that cluster version, across every page.
func describeAddonVersions(ctx context.Context, env Env, region, addon, kubernetes string) ([]string, error) {
	var out []string
	next := ""
	for {
		q := url.Values{"addonName": {addon}, "kubernetesVersion": {kubernetes}, "maxResults": {"100"}}
		if next != "" {
			q.Set("nextToken", next)
		}
		var page struct {
			Addons []struct {
				AddonName     string `json:"addonName"`
				AddonVersions []struct {
					AddonVersion    string               `json:"addonVersion"`
					Compatibilities []addonCompatibility `json:"compatibilities"`
				} `json:"addonVersions"`
			} `json:"addons"`
			NextToken string `json:"nextToken"`
		}
		if err := RESTGet(ctx, env, region, "eks", "/addons/supported-versions?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		for _, a := range page.Addons {
			if a.AddonName != addon {
				continue
			}
			for _, v := range a.AddonVersions {
				if slices.ContainsFunc(v.Compatibilities, func(c addonCompatibility) bool { return c.ClusterVersion == kubernetes }) {
					out = append(out, v.AddonVersion)
				}
			}
		}
		if next = page.NextToken; next == "" {
			return out, nil
		}
	}
}

// addonCompatibility is one of a build's compatibilities: a Kubernetes minor version it runs on.
type addonCompatibility struct {
	ClusterVersion string `json:"clusterVersion"`
}
