package program_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// regionGraphs returns the graph of every region stack the fleet's config declares.
func regionGraphs(t *testing.T) map[string]*synth.Graph {
	t.Helper()
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	results := synthAll(t)
	out := map[string]*synth.Graph{}
	for _, name := range fleet.Names() {
		if !fleet.Stack(name).IsRegion() {
			continue
		}
		r, ok := results[name]
		if !ok {
			t.Fatalf("region stack %s was not synthesized", name)
		}
		out[name] = r.Graph
	}
	if len(out) == 0 {
		t.Fatal("the fleet has no region stacks: every per-region check would pass on nothing")
	}
	return out
}

// Every AWS resource uses the stack's explicit provider for its region; the only other
// provider is the backup copy region's, and only the copy vault and its key use it.
func TestEveryResourceUsesTheRegionalProvider(t *testing.T) {
	fleet, _ := config.LoadDir(repo)
	for name, g := range regionGraphs(t) {
		s := fleet.Stack(name)
		byRegion := map[any]synth.Resource{}
		for _, p := range g.ByType("pulumi:providers:aws") {
			byRegion[p.Inputs["region"]] = p
			tags := p.Inputs["defaultTags"].(map[string]any)["tags"].(map[string]any)
			for _, k := range []string{"project", "stack", "region", "environment", "managed-by"} {
				if tags[k] == nil {
					t.Errorf("%s: provider %s lacks default tag %s", name, p.Name, k)
				}
			}
		}
		main, ok := byRegion[s.Settings.AWSRegion]
		copyRegion, hasCopy := byRegion[s.Backup.CopyRegion]
		// The database home also replicates the credentials to every other member's region,
		// under a key it declares there.
		replicas := map[string]string{}
		if h := fleet.DatabaseHome(s.Settings.Environment); h != nil && h.Name == name {
			for _, r := range fleet.ReplicaRegions(s.Settings.Environment) {
				p, ok := byRegion[r]
				if !ok || p.Name != "aws-"+r+"-secret-replica" {
					t.Errorf("%s: no secret-replica provider for %s", name, r)
					continue
				}
				replicas[p.URN] = r
			}
		}
		if !ok || !hasCopy || len(byRegion) != 2+len(replicas) {
			t.Fatalf("%s: aws providers for %v; want %s, the backup copy region %s and the replica regions %v", name, keys(byRegion),
				s.Settings.AWSRegion, s.Backup.CopyRegion, replicas)
		}
		// The copy vault and its key use the copy region's provider; if nothing did, the check
		// below would pass without looking at it.
		mustFind(t, g, name, "resource in the backup copy region", func(r synth.Resource) bool { return r.Provider == copyRegion.URN })
		for _, r := range g.Resources {
			switch {
			case !strings.HasPrefix(r.Type, "aws:"):
			case r.Provider == copyRegion.URN:
				if !strings.Contains(r.Name, "-backup-copy") {
					t.Errorf("%s: %s is in the backup copy region", name, r.URN)
				}
			case replicas[r.Provider] != "":
				if !strings.Contains(r.Name, "-aurora-master-"+replicas[r.Provider]) || (r.Type != "aws:kms/key:Key" && r.Type != "aws:kms/alias:Alias") {
					t.Errorf("%s: %s is in the replica region %s", name, r.URN, replicas[r.Provider])
				}
			case r.Provider != main.URN:
				t.Errorf("%s: %s uses provider %q", name, r.URN, r.Provider)
			}
			if !r.Custom && r.Providers["aws"] != main.URN {
				t.Errorf("%s: component %s does not pass the provider to its children: %v", name, r.URN, r.Providers)
			}
		}
	}
}

func keys[V any](m map[any]V) []any {
	var out []any
	for k := range m {
		out = append(out, k)
	}
	return out
}

// What every region graph must hold: the network, the office VPN, the data layer and the cluster.
func TestRegionGraphHasTheFoundation(t *testing.T) {
	for name, g := range regionGraphs(t) {
		count := func(typ string) int { return len(g.ByType(typ)) }
		azs := map[any]bool{}
		for _, s := range g.ByType("aws:ec2/subnet:Subnet") {
			azs[s.Inputs["availabilityZone"]] = true
		}
		if count("aws:ec2/vpc:Vpc") != 1 || len(azs) < 2 {
			t.Errorf("%s: %d VPCs, subnets over %d AZs", name, count("aws:ec2/vpc:Vpc"), len(azs))
		}
		if count("aws:ec2/natGateway:NatGateway") != len(azs) {
			t.Errorf("%s: %d NAT gateways for %d AZs (production: one per AZ)", name, count("aws:ec2/natGateway:NatGateway"), len(azs))
		}
		if count("aws:ec2/flowLog:FlowLog") != 1 || count("aws:ec2/vpnGateway:VpnGateway") != 1 {
			t.Errorf("%s: flow logs %d, VPN gateways %d", name, count("aws:ec2/flowLog:FlowLog"), count("aws:ec2/vpnGateway:VpnGateway"))
		}
		cgws := g.ByType("aws:ec2/customerGateway:CustomerGateway")
		if len(cgws) != 2 || count("aws:ec2/vpnConnection:VpnConnection") != 2 {
			t.Errorf("%s: %d customer gateways, %d VPN connections", name, len(cgws), count("aws:ec2/vpnConnection:VpnConnection"))
		}
		for _, c := range cgws {
			if c.Inputs["bgpAsn"] != "65000" {
				t.Errorf("%s: %s ASN %v", name, c.Name, c.Inputs["bgpAsn"])
			}
		}
	}
}

// Encryption everywhere it applies; stateful resources protected.
func TestEncryptionAndProtection(t *testing.T) {
	for name, g := range regionGraphs(t) {
		for _, k := range mustFind(t, g, name, "KMS key", ofType("aws:kms/key:Key")) {
			if k.Inputs["enableKeyRotation"] != true || !k.Protect {
				t.Errorf("%s: key %s rotation %v protect %v", name, k.Name, k.Inputs["enableKeyRotation"], k.Protect)
			}
		}
		for _, lg := range mustFind(t, g, name, "log group", ofType("aws:cloudwatch/logGroup:LogGroup")) {
			if arn, _ := lg.Inputs["kmsKeyId"].(string); !strings.HasPrefix(arn, "arn:aws:kms:") || !lg.Protect {
				t.Errorf("%s: log group %s key %v protect %v", name, lg.Name, lg.Inputs["kmsKeyId"], lg.Protect)
			}
		}
		for _, tp := range mustFind(t, g, name, "SNS topic", ofType("aws:sns/topic:Topic")) {
			// ElastiCache cannot publish to an encrypted topic (components/alerts cacheEvents);
			// its events name clusters and nodes only.
			if strings.HasSuffix(tp.Name, "-cache-events") {
				continue
			}
			if arn, _ := tp.Inputs["kmsMasterKeyId"].(string); !strings.HasPrefix(arn, "arn:aws:kms:") {
				t.Errorf("%s: topic %s not encrypted with a customer key", name, tp.Name)
			}
		}
	}
}

// Nothing admits the whole internet except a load balancer's security group on 80 and 443.
func TestNoWorldOpenIngress(t *testing.T) {
	for name, g := range regionGraphs(t) {
		// A region without a load balancer is fine: then no rule may be open to the world.
		lbGroups := map[any]bool{}
		for _, lb := range g.ByType("aws:lb/loadBalancer:LoadBalancer") {
			for _, sg := range lb.Inputs["securityGroups"].([]any) {
				lbGroups[sg] = true
			}
		}
		for _, r := range mustFind(t, g, name, "security group ingress rule", ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
			if r.Inputs["cidrIpv4"] != "0.0.0.0/0" && r.Inputs["cidrIpv6"] != "::/0" {
				continue
			}
			port := r.Inputs["fromPort"]
			if !lbGroups[r.Inputs["securityGroupId"]] || (port != float64(443) && port != float64(80)) || port != r.Inputs["toPort"] {
				t.Errorf("%s: %s is open to the world (group %v, port %v)", name, r.Name, r.Inputs["securityGroupId"], port)
			}
		}
		for _, sg := range mustFind(t, g, name, "security group", ofType("aws:ec2/securityGroup:SecurityGroup")) {
			if sg.Inputs["ingress"] != nil {
				t.Errorf("%s: %s has inline ingress rules; use SecurityGroupIngressRule", name, sg.Name)
			}
		}
		for _, d := range mustFind(t, g, name, "adopted default security group", ofType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")) {
			if d.Inputs["ingress"] != nil || d.Inputs["egress"] != nil {
				t.Errorf("%s: the default security group keeps rules", name)
			}
		}
	}
}

// VPC CIDRs of all stacks are disjoint, as the synthesized VPCs show them.
func TestVPCsDisjoint(t *testing.T) {
	type vpc struct {
		stack string
		p     netip.Prefix
	}
	var vpcs []vpc
	for name, g := range regionGraphs(t) {
		for _, v := range mustFind(t, g, name, "VPC", ofType("aws:ec2/vpc:Vpc")) {
			vpcs = append(vpcs, vpc{name, netip.MustParsePrefix(v.Inputs["cidrBlock"].(string))})
		}
	}
	for i, a := range vpcs {
		for _, b := range vpcs[i+1:] {
			if a.p.Overlaps(b.p) {
				t.Errorf("%s %s overlaps %s %s", a.stack, a.p, b.stack, b.p)
			}
		}
	}
}

// The global stack reads every region through a StackReference, and what it exports is what
// each region's synth produced: the cross-stack values flow as in a real deployment.
func TestGlobalAggregatesRegionOutputs(t *testing.T) {
	results := synthAll(t)
	g := results["global"].Graph
	refs := g.ByType("pulumi:pulumi:StackReference")
	regionStacks := regionGraphs(t)
	if len(refs) != len(regionStacks) {
		t.Fatalf("%d stack references, want one per region stack (%d)", len(refs), len(regionStacks))
	}
	regions := g.Outputs[program.OutRegions].(map[string]any)
	for name, rg := range regionStacks {
		got, ok := regions[name].(map[string]any)
		if !ok {
			t.Errorf("global.regions has no %s", name)
			continue
		}
		for _, key := range []string{program.OutVpcID, program.OutVpcCIDR, program.OutAWSRegion} {
			if got[key] != rg.Outputs[key] {
				t.Errorf("global.regions.%s.%s = %v, region stack exported %v", name, key, got[key], rg.Outputs[key])
			}
		}
		if len(got[program.OutPrivateRouteTableIDs].([]any)) < 3 {
			t.Errorf("global.regions.%s has route tables %v", name, got[program.OutPrivateRouteTableIDs])
		}
	}
}
