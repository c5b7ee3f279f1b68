package program_test

// No stack output carries a cluster credential: a role that may read stack outputs (the preview
// role reads every stack's) must get nothing from them that writes to a cluster. The
// long-lived Cassandra service-account kubeconfig stays in the clusters and in the state of the
// stack that owns the account (issue 26, item 1).

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// mockTokenPrefix is how the synth mocks' service-account tokens begin (a JWT header).
const mockTokenPrefix = "eyJhbGciOiJSUzI1NiJ9."

// credentialIn finds a token in a property value, secrets unwrapped.
func credentialIn(v resource.PropertyValue, path string) []string {
	switch {
	case v.IsSecret():
		return credentialIn(v.SecretValue().Element, path)
	case v.IsString():
		s := v.StringValue()
		if strings.Contains(s, mockTokenPrefix) || strings.Contains(s, `"token":`) || strings.Contains(s, "token: ") {
			return []string{path}
		}
	case v.IsArray():
		var out []string
		for i, e := range v.ArrayValue() {
			out = append(out, credentialIn(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case v.IsObject():
		var out []string
		for k, e := range v.ObjectValue() {
			out = append(out, credentialIn(e, path+"."+string(k))...)
		}
		return out
	}
	return nil
}

func TestNoStackOutputCarriesAClusterCredential(t *testing.T) {
	tokens := 0
	for name, r := range synthAll(t) {
		for k, v := range r.Outputs {
			for _, p := range credentialIn(v, string(k)) {
				t.Errorf("%s: output %s carries a token", name, p)
			}
		}
		tokens += len(r.Graph.ByType("kubernetes:core/v1:Secret"))
	}
	if tokens == 0 {
		t.Fatal("no Secret in any graph: the fleet has no data-plane datacenter to check")
	}
}

// ownKubernetesProvider is a region stack's provider for its own cluster: a data-plane
// Cassandra region also has one for the control plane's cluster (k8s-<code>), where it writes
// its kubeconfig Secret.
func ownKubernetesProvider(t *testing.T, g *synth.Graph, stack string) synth.Resource {
	t.Helper()
	var own []synth.Resource
	for _, p := range g.ByType("pulumi:providers:kubernetes") {
		if !strings.HasPrefix(p.Name, "k8s-") {
			own = append(own, p)
		}
	}
	if len(own) != 1 {
		t.Fatalf("%s: %d Kubernetes providers for its own cluster, want 1", stack, len(own))
	}
	return own[0]
}

// cassandraKubeconfigSecret is the one object a data-plane region writes into another cluster.
func cassandraKubeconfigSecret(r synth.Resource) bool {
	return r.Type == "kubernetes:core/v1:Secret" && strings.HasSuffix(r.Name, "-cassandra-clientconfig-kubeconfig") && strings.Contains(r.Provider, "::k8s-")
}
