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
// through its first `up`. Only the env object is checked: pulumi-eks also sends init.env and
// enableNetworkPolicy, which every pulumi-eks v3 user sends. EKS DescribeAddonConfiguration (GET
// /addons/configuration-schemas?addonName=&addonVersion=, REST-JSON, SigV4 service "eks"; EKS API
// reference, API_DescribeAddonConfiguration) answers configurationSchema, a JSON schema whose
// properties.env.properties names the environment variables the build takes.
var AddonConfiguration = Check{Name: "eks-addon-configuration", Run: addonConfiguration}

func addonConfiguration(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	type query struct{ region, version string }
	accepted := map[query]map[string]bool{} // nil: the schema could not be read
	failed := map[query]int{}               // the finding that says so
	var out []Finding
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
			keys, found, err := vpcCNIEnvSchema(ctx, env, q.region, q.version)
			switch {
			case err != nil:
				// One region's answer does not stop the others' checks.
				out = append(out, Finding{Severity: Problem, Stacks: []string{n},
					Message: fmt.Sprintf("eks:DescribeAddonConfiguration %s %s in %s: %v", config.AddonVPCCNI, q.version, q.region, err),
					Fix:     "grant the caller eks:DescribeAddonConfiguration, or check the build exists in the region (eks-addon-versions)"})
				keys = nil
				failed[q] = len(out) - 1
			case !found:
				// A schema this check cannot read is said once, never turned into a problem per key.
				out = append(out, Finding{Severity: Warning, Stacks: []string{n},
					Message: fmt.Sprintf("the configuration schema of %s %s in %s has no env object this check can read: the env names were not checked", config.AddonVPCCNI, q.version, q.region),
					Fix:     fmt.Sprintf("aws eks describe-addon-configuration --region %s --addon-name %s --addon-version %s --query configurationSchema --output text", q.region, config.AddonVPCCNI, q.version)})
				failed[q] = len(out) - 1
			}
			accepted[q] = keys
		} else if i, ok := failed[q]; ok {
			out[i].Stacks = append(out[i].Stacks, n) // every stack the unchecked build serves
		}
		if accepted[q] == nil {
			continue
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
	for _, m := range order {
		out = append(out, Finding{Severity: Problem, Stacks: stacks[m],
			Message: fmt.Sprintf("EKS in %s does not take env %s in the configuration of %s %s: creating or updating the add-on fails (InvalidParameterException)",
				m.region, m.key, config.AddonVPCCNI, m.version),
			Fix: fmt.Sprintf("pin a %s build whose schema has it (aws eks describe-addon-configuration --region %s --addon-name %s --addon-version <build> "+
				"--query configurationSchema), in addonVersionTable (pkg/config/kubernetes.go) or cluster.addonVersions.%s", config.AddonVPCCNI, m.region, config.AddonVPCCNI, config.AddonVPCCNI)})
	}
	return out, nil
}

// vpcCNIEnvSchema returns the environment variable names the build's configuration schema takes,
// or ok false when the schema has no env object to read (then nothing is judged).
func vpcCNIEnvSchema(ctx context.Context, env Env, region, version string) (keys map[string]bool, ok bool, err error) {
	q := url.Values{"addonName": {config.AddonVPCCNI}, "addonVersion": {version}}
	var resp struct {
		ConfigurationSchema string `json:"configurationSchema"`
	}
	if err := RESTGet(ctx, env, region, "eks", "/addons/configuration-schemas?"+q.Encode(), &resp); err != nil {
		return nil, false, err
	}
	var root map[string]any
	if err := json.Unmarshal([]byte(resp.ConfigurationSchema), &root); err != nil {
		return nil, false, fmt.Errorf("configuration schema of %s %s: %w", config.AddonVPCCNI, version, err)
	}
	envSchema := schemaProperty(root, resolveRef(root, root), "env")
	props, ok := envSchema["properties"].(map[string]any)
	if !ok {
		return nil, false, nil
	}
	keys = map[string]bool{}
	for k := range props {
		keys[k] = true
	}
	return keys, true, nil
}

// resolveRef follows a schema node's local $ref ("#/definitions/Name", "#/$defs/Name": the add-on
// schemas are draft-06 documents whose root and properties refer to definitions), a few times at
// most; a node without one is itself.
func resolveRef(root, node map[string]any) map[string]any {
	for range 8 {
		ref, _ := node["$ref"].(string)
		name, found := strings.CutPrefix(ref, "#/definitions/")
		if !found {
			name, found = strings.CutPrefix(ref, "#/$defs/")
		}
		if !found {
			return node
		}
		defs, _ := root["definitions"].(map[string]any)
		if defs == nil {
			defs, _ = root["$defs"].(map[string]any)
		}
		next, _ := defs[name].(map[string]any)
		if next == nil {
			return node
		}
		node = next
	}
	return node
}

// schemaProperty is the schema of property name of an object schema, its $ref followed.
func schemaProperty(root, object map[string]any, name string) map[string]any {
	props, _ := object["properties"].(map[string]any)
	prop, _ := props[name].(map[string]any)
	if prop == nil {
		return nil
	}
	return resolveRef(root, prop)
}
