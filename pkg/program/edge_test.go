package program_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// grownFleet is the committed fleet plus a seventh region (fra, with an ingress) and a second
// client of iad: the fleet-wide facts below must hold for what `sovereign new` adds too.
func grownFleet(t *testing.T) (*config.Fleet, map[string]*synth.Result) {
	t.Helper()
	dir := fleettest.Copy(t, repo)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(repo, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	files := map[string]string{
		"Pulumi.fra.yaml": strings.NewReplacer("code: iad", "code: fra", "us-east-1", "eu-central-1", "10.2.0.0/16", fraCIDR).
			Replace(cassandraBlock.ReplaceAllString(read("Pulumi.iad.yaml"), "")),
		"Pulumi.iad-zoe.yaml": strings.NewReplacer("client: ezra", "client: zoe", "ezra", "zoe").Replace(read("Pulumi.iad-ezra.yaml")),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fleet, err := config.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	results, err := synth.Fleet(program.New(program.Options{Dir: dir, Fleet: fleet}), fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	return fleet, results
}

// fleets are the committed fleet and the grown one, for tests of facts of every stack.
func fleets(t *testing.T) map[string]map[string]*synth.Result {
	_, grown := grownFleet(t)
	return map[string]map[string]*synth.Result{"committed": synthAll(t), "grown": grown}
}

// Every DNS name that resolves to a load balancer (an alias to it, or an alias to such a name)
// is covered by a certificate on that load balancer's HTTPS listener: its own, or one a listener
// certificate adds (from any stack). The health checks never notice a name without one: they do
// not verify certificates.
func TestAliasedNamesAreCoveredByTheirLoadBalancersCertificates(t *testing.T) {
	for label, results := range fleets(t) {
		lbByDNS := map[string]string{}    // load balancer DNS name -> its ARN
		listenerOf := map[string]string{} // HTTPS listener ARN -> load balancer ARN
		certsOn := map[string][]string{}  // load balancer ARN -> certificate ARNs on its HTTPS listener
		namesOf := map[string][]string{}  // certificate ARN -> the names it covers
		var records []synth.Resource
		for _, r := range results {
			for _, res := range r.Graph.Resources {
				switch res.Type {
				case "aws:lb/loadBalancer:LoadBalancer":
					lbByDNS[asString(res.State["dnsName"])] = res.ID
				case "aws:acm/certificate:Certificate":
					names := []string{asString(res.Inputs["domainName"])}
					for _, n := range asList(res.Inputs["subjectAlternativeNames"]) {
						names = append(names, asString(n))
					}
					namesOf[res.ID] = names
				case "aws:route53/record:Record":
					records = append(records, res)
				}
			}
		}
		for _, r := range results {
			for _, res := range r.Graph.ByType("aws:lb/listener:Listener") {
				if res.Inputs["protocol"] == "HTTPS" {
					lb := asString(res.Inputs["loadBalancerArn"])
					listenerOf[res.ID] = lb
					certsOn[lb] = append(certsOn[lb], asString(res.Inputs["certificateArn"]))
				}
			}
		}
		for _, r := range results {
			for _, res := range r.Graph.ByType("aws:lb/listenerCertificate:ListenerCertificate") {
				lb, ok := listenerOf[asString(res.Inputs["listenerArn"])]
				if !ok {
					t.Errorf("%s: listener certificate %s on %v, no HTTPS listener of the fleet", label, res.Name, res.Inputs["listenerArn"])
					continue
				}
				certsOn[lb] = append(certsOn[lb], asString(res.Inputs["certificateArn"]))
			}
		}
		// Resolve alias chains: name -> the load balancers it ends at.
		targets := map[string][]string{}
		for range 3 { // chains are at most failover -> latency -> load balancer
			for _, rec := range records {
				name := strings.TrimSuffix(asString(rec.Inputs["name"]), ".")
				for _, a := range asList(rec.Inputs["aliases"]) {
					to := strings.TrimSuffix(asString(a.(map[string]any)["name"]), ".")
					if lb, ok := lbByDNS[to]; ok && !slices.Contains(targets[name], lb) {
						targets[name] = append(targets[name], lb)
					}
					for _, lb := range targets[to] {
						if !slices.Contains(targets[name], lb) {
							targets[name] = append(targets[name], lb)
						}
					}
				}
			}
		}
		if len(targets) == 0 {
			t.Fatalf("%s: no name aliases a load balancer", label)
		}
		for name, lbs := range targets {
			for _, lb := range lbs {
				covered := false
				for _, c := range certsOn[lb] {
					covered = covered || slices.ContainsFunc(namesOf[c], func(n string) bool { return certificateCovers(n, name) })
				}
				if !covered {
					t.Errorf("%s: %s aliases load balancer %s, whose HTTPS listener has no certificate for it (certificates: %v)", label, name, lb, certsOn[lb])
				}
			}
		}
	}
}

// certificateCovers: a certificate name covers a host exactly, or as a one-label wildcard.
func certificateCovers(certName, host string) bool {
	if rest, ok := strings.CutPrefix(certName, "*."); ok {
		_, parent, _ := strings.Cut(host, ".")
		return parent == rest
	}
	return strings.EqualFold(certName, host)
}

// Budgets filter on the environment tag, so every resource that bills must carry it: the
// providers' default tags reach what they create, and what EC2 launches from a node group's
// template and what the EBS CSI driver creates get the stack's tags explicitly.
func TestEveryTaggableResourceCarriesTheEnvironmentTag(t *testing.T) {
	for label, results := range fleets(t) {
		for name, r := range results {
			g := r.Graph
			env := ""
			if o, ok := g.Outputs[program.OutEnvironment].(string); ok {
				env = o
			}
			// Every aws provider tags with the environment; every aws resource uses one of them.
			tagged := map[string]bool{}
			for _, p := range g.ByType("pulumi:providers:aws") {
				tags, _ := p.Inputs["defaultTags"].(map[string]any)
				v := asString(asMap(tags["tags"])[config.EnvironmentTag])
				if v == "" || (env != "" && v != env) {
					t.Errorf("%s/%s: provider %s tags environment %q, want %q", label, name, p.Name, v, env)
				}
				tagged[p.URN] = true
			}
			for _, res := range g.Resources {
				if res.Custom && strings.HasPrefix(res.Type, "aws:") && !tagged[res.Provider] {
					t.Errorf("%s/%s: %s uses provider %s, which sets no environment tag", label, name, res.URN, res.Provider)
				}
			}
			for _, lt := range g.ByType("aws:ec2/launchTemplate:LaunchTemplate") {
				got := map[string]bool{}
				for _, spec := range asList(lt.Inputs["tagSpecifications"]) {
					spec := spec.(map[string]any)
					if asString(asMap(spec["tags"])[config.EnvironmentTag]) == env {
						got[asString(spec["resourceType"])] = true
					}
				}
				for _, want := range cluster.LaunchedResourceTypes {
					if !got[want] {
						t.Errorf("%s/%s: launch template %s does not tag the %ss it launches with environment=%s", label, name, lt.Name, want, env)
					}
				}
			}
			for _, sc := range g.ByType("kubernetes:storage.k8s.io/v1:StorageClass") {
				if sc.Inputs["provisioner"] != "ebs.csi.aws.com" {
					continue
				}
				found := false
				for k, v := range asMap(sc.Inputs["parameters"]) {
					found = found || strings.HasPrefix(k, "tagSpecification_") && v == config.EnvironmentTag+"="+env
				}
				if !found {
					t.Errorf("%s/%s: StorageClass %s does not tag its volumes with environment=%s", label, name, sc.Name, env)
				}
			}
		}
	}
}

// Every VPC sends its private and database tiers' S3 traffic through a gateway endpoint rather
// than the NAT gateways.
func TestS3GatewayEndpointOnEveryPrivateRouteTable(t *testing.T) {
	for name, r := range synthAll(t) {
		g := r.Graph
		vpcs := g.ByType("aws:ec2/vpc:Vpc")
		if len(vpcs) == 0 {
			continue
		}
		eps := g.ByType("aws:ec2/vpcEndpoint:VpcEndpoint")
		if len(eps) != 1 || eps[0].Inputs["vpcEndpointType"] != "Gateway" || !strings.HasSuffix(asString(eps[0].Inputs["serviceName"]), ".s3") ||
			eps[0].Inputs["vpcId"] != vpcs[0].ID {
			t.Fatalf("%s: S3 endpoints %v", name, eps)
		}
		want := g.Outputs[program.OutPrivateRouteTableIDs]
		if mustJSON(eps[0].Inputs["routeTableIds"]) != mustJSON(want) {
			t.Errorf("%s: the endpoint is on %v, the private route tables are %v", name, eps[0].Inputs["routeTableIds"], want)
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
