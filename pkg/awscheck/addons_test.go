package awscheck_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fakeAddonVersions answers EKS DescribeAddonVersions as the REST-JSON API does, one build per
// page (so that pagination is exercised): list(region, addon, kubernetes) gives the builds and
// the cluster version each names in its compatibilities, or nil for an access-denied answer. The region is the SigV4 credential
// scope's, which also has to name the service eks. A request on another path, or without both
// query parameters, is answered 400 so that a wrong request cannot pass.
func fakeAddonVersions(t *testing.T, list func(region, addon, kubernetes string) [][2]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		addon, kubernetes := q.Get("addonName"), q.Get("kubernetesVersion")
		scope := strings.Split(strings.SplitN(strings.SplitN(r.Header.Get("Authorization"), "Credential=", 2)[1], ",", 2)[0], "/")
		if r.Method != http.MethodGet || r.URL.Path != "/addons/supported-versions" || addon == "" || kubernetes == "" || len(scope) < 4 || scope[3] != "eks" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"unexpected request ` + r.Method + " " + r.URL.String() + `"}`))
			return
		}
		builds := list(scope[2], addon, kubernetes)
		if builds == nil {
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"not authorized to perform eks:DescribeAddonVersions"}`))
			return
		}
		page := 0
		if tok := q.Get("nextToken"); tok != "" {
			page = len(tok)
		}
		type compat struct {
			ClusterVersion string `json:"clusterVersion"`
		}
		type build struct {
			AddonVersion    string   `json:"addonVersion"`
			Compatibilities []compat `json:"compatibilities"`
		}
		type addonOut struct {
			AddonName     string  `json:"addonName"`
			AddonVersions []build `json:"addonVersions"`
		}
		var resp struct {
			Addons    []addonOut `json:"addons"`
			NextToken string     `json:"nextToken,omitempty"`
		}
		resp.Addons = []addonOut{{AddonName: addon, AddonVersions: []build{}}}
		if page < len(builds) {
			b := builds[page]
			resp.Addons[0].AddonVersions = append(resp.Addons[0].AddonVersions, build{b[0], []compat{{b[1]}}})
			if page+1 < len(builds) {
				resp.NextToken = strings.Repeat("x", page+1)
			}
		}
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAddonVersions(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	// pinned is every version a stack of the fleet pins, per (region, add-on, Kubernetes version).
	pinned := map[[3]string][]string{}
	for _, s := range fleet.Stacks {
		if s.Cluster == nil {
			continue
		}
		for addon, v := range s.Cluster.AddonVersions() {
			k := [3]string{s.Settings.AWSRegion, addon, s.Cluster.KubernetesVersion}
			pinned[k] = append(pinned[k], v)
		}
	}
	// listing answers as AWS would: an older build first, then the pins, each compatible with the
	// cluster version compat names ("" lists no pin; "error" makes the call fail).
	listing := func(compat func(region, addon, kubernetes string) string) func(string, string, string) [][2]string {
		return func(region, addon, kubernetes string) [][2]string {
			cv := compat(region, addon, kubernetes)
			if cv == "error" {
				return nil
			}
			out := [][2]string{{"v0.0.1-eksbuild.1", kubernetes}}
			for _, v := range pinned[[3]string{region, addon, kubernetes}] {
				if cv != "" {
					out = append(out, [2]string{v, cv})
				}
			}
			return out
		}
	}
	// inAms changes what EKS answers for coredns in eu-west-1 (the ams stack's region).
	inAms := func(cv string) func(string, string, string) string {
		return func(region, addon, kubernetes string) string {
			if region == "eu-west-1" && addon == config.AddonCoreDNS {
				return cv
			}
			return kubernetes
		}
	}
	const notListed = `problem [ams] eks-addon-versions: EKS in eu-west-1 does not list add-on coredns v1.14.3-eksbuild.3 for Kubernetes 1.35: `
	for _, tt := range []struct {
		name    string
		compat  func(region, addon, kubernetes string) string
		want    []string
		wantFix string
	}{
		{"every pin listed", func(_, _, k string) string { return k }, nil, ""},
		{"coredns pin not listed in eu-west-1", inAms(""), []string{notListed}, "cluster.addonVersions.coredns"},
		{"coredns pin listed only for another Kubernetes version", inAms("1.30"), []string{notListed}, "addonVersionTable"},
		{"the API refuses the call", inAms("error"), []string{
			`problem eks-addon-versions: eks:DescribeAddonVersions coredns for Kubernetes 1.35 in eu-west-1: HTTP403: not authorized`}, "permissions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := awscheck.Run(context.Background(), fakeEnv(fakeAddonVersions(t, listing(tt.compat))), fleet, fleet.Names(), []awscheck.Check{awscheck.AddonVersions})
			requireFindings(t, fs, tt.want)
			for _, f := range fs {
				if !strings.Contains(f.Fix, tt.wantFix) {
					t.Errorf("fix %q, want it to name %q", f.Fix, tt.wantFix)
				}
			}
		})
	}
}
