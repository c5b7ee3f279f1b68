package program_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// The VPC CNI env each cluster's vpc-cni add-on carries (pulumi-eks's and components/cluster's)
// is exactly what config names (Stack.VPCCNIEnv), the list preflight --online checks against the
// pinned build's configuration schema (pkg/awscheck/addonconfig.go): a key the program or a
// pulumi-eks upgrade starts setting without the check knowing fails here.
func TestVPCCNIEnvIsWhatPreflightChecks(t *testing.T) {
	fleet := committedFleet(t)
	checked := 0
	for name, r := range synthAll(t) {
		s := fleet.Stack(name)
		for _, a := range r.Graph.ModelledByType("aws:eks/addon:Addon") {
			if a.Inputs["addonName"] != "vpc-cni" {
				continue
			}
			checked++
			var cfg struct{ Env map[string]string }
			raw, _ := a.Inputs["configurationValues"].(string)
			if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
				t.Fatalf("%s: vpc-cni configuration %q: %v", name, raw, err)
			}
			var got []string
			for k := range cfg.Env {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, s.VPCCNIEnv()) {
				t.Errorf("%s: vpc-cni env %v, config's VPCCNIEnv (what preflight checks) %v", name, got, s.VPCCNIEnv())
			}
		}
	}
	if checked == 0 {
		t.Fatal("no vpc-cni add-on in any graph")
	}
}
