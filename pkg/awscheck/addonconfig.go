package awscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// AddonConfiguration asks EKS whether the vpc-cni build each stack pins accepts the environment
// variables the program sets through the add-on's configurationValues (config Stack.VPCCNIEnv:
// the plugin's log level everywhere, POD_MTU in the Cassandra regions). EKS validates
// configurationValues against the build's JSON schema and refuses a key the schema does not have
// (InvalidParameterException at create or update), which would stop a region's cluster half-way
// through its first `up`. EKS DescribeAddonConfiguration (GET
// /addons/configuration-schemas?addonName=&addonVersion=, REST-JSON, SigV4 service "eks"; EKS API
// reference, API_DescribeAddonConfiguration) answers configurationSchema, a JSON schema whose
// properties.env.properties names the environment variables the build takes.
var AddonConfiguration = Check{Name: "eks-addon-configuration", Run: addonConfiguration}

func addonConfiguration(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	type query struct{ region, version string }
	accepted := map[query]map[string]bool{}
	type miss struct {
		query
		key string
	}
	stacks := map[miss][]string{}
	var order []miss
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Cluster == nil {
			continue
		}
		q := query{s.Settings.AWSRegion, s.Cluster.AddonVersions()[config.AddonVPCCNI]}
		if _, ok := accepted[q]; !ok {
			keys, err := vpcCNIEnvSchema(ctx, env, q.region, q.version)
			if err != nil {
				return nil, fmt.Errorf("eks:DescribeAddonConfiguration %s %s in %s: %w", config.AddonVPCCNI, q.version, q.region, err)
			}
			accepted[q] = keys
		}
		for _, key := range s.VPCCNIEnv() {
			if accepted[q][key] {
				continue
			}
			m := miss{q, key}
			if stacks[m] == nil {
				order = append(order, m)
			}
			stacks[m] = append(stacks[m], n)
		}
	}
	slices.SortFunc(order, func(a, b miss) int {
		return strings.Compare(a.region+" "+a.version+" "+a.key, b.region+" "+b.version+" "+b.key)
	})
	var out []Finding
	for _, m := range order {
		out = append(out, Finding{Severity: Problem, Stacks: stacks[m],
			Message: fmt.Sprintf("EKS in %s does not take env %s in the configuration of %s %s: creating or updating the add-on fails (InvalidParameterException)",
				m.region, m.key, config.AddonVPCCNI, m.version),
			Fix: fmt.Sprintf("pin a %s build whose schema has it (aws eks describe-addon-configuration --region %s --addon-name %s --addon-version <build> "+
				"--query configurationSchema), in addonVersionTable (pkg/config/kubernetes.go) or cluster.addonVersions.%s", config.AddonVPCCNI, m.region, config.AddonVPCCNI, config.AddonVPCCNI)})
	}
	return out, nil
}

// vpcCNIEnvSchema returns the environment variable names the build's configuration schema takes.
func vpcCNIEnvSchema(ctx context.Context, env Env, region, version string) (map[string]bool, error) {
	q := url.Values{"addonName": {config.AddonVPCCNI}, "addonVersion": {version}}
	var resp struct {
		AddonName           string `json:"addonName"`
		AddonVersion        string `json:"addonVersion"`
		ConfigurationSchema string `json:"configurationSchema"`
	}
	if err := RESTGet(ctx, env, region, "eks", "/addons/configuration-schemas?"+q.Encode(), &resp); err != nil {
		return nil, err
	}
	var schema struct {
		Properties struct {
			Env struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"env"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(resp.ConfigurationSchema), &schema); err != nil {
		return nil, fmt.Errorf("configuration schema of %s %s: %w", config.AddonVPCCNI, version, err)
	}
	out := map[string]bool{}
	for k := range schema.Properties.Env.Properties {
		out[k] = true
	}
	return out, nil
}
