package program_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// environmentStacks are the committed environment stacks with their region stack.
func environmentStacks(t *testing.T) (*config.Fleet, map[string]*config.Stack) {
	t.Helper()
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*config.Stack{}
	for _, s := range fleet.Stacks {
		if s.Settings.Kind == config.KindEnvironment {
			out[s.Name] = fleet.NetworkStack(s)
		}
	}
	for _, want := range []string{"iad-staging", "iad-development"} {
		if out[want] == nil {
			t.Fatalf("no environment stack %s on a region's network", want)
		}
	}
	return fleet, out
}

// An environment stack declares no network: it runs its own data and compute in its region's
// VPC and subnets, whose ids it reads from the region stack's outputs.
func TestEnvironmentStacksUseTheRegionNetwork(t *testing.T) {
	_, envs := environmentStacks(t)
	results := synthAll(t)
	for name, region := range envs {
		g, rg := results[name].Graph, results[region.Name].Graph
		for _, typ := range []string{"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/routeTable:RouteTable",
			"aws:ec2/vpnConnection:VpnConnection", "aws:ec2/vpnGateway:VpnGateway", "aws:ec2/internetGateway:InternetGateway", "aws:rds/globalCluster:GlobalCluster"} {
			if n := len(g.ByType(typ)); n > 0 {
				t.Errorf("%s declares %d %s; an environment stack shares its region's network and has no global database", name, n, typ)
			}
		}
		refs := g.ByType("pulumi:pulumi:StackReference")
		if len(refs) != 1 || !strings.HasSuffix(fmt.Sprint(refs[0].Inputs["name"]), "/"+region.Name) {
			t.Errorf("%s: want one stack reference, to %s; got %v", name, region.Name, refs)
		}
		vpc := rg.Outputs[program.OutVpcID]
		if g.Outputs[program.OutVpcID] != vpc || g.Outputs[program.OutNetworkStack] != region.Name {
			t.Errorf("%s exports VPC %v of %v, want %v of %s", name, g.Outputs[program.OutVpcID], g.Outputs[program.OutNetworkStack], vpc, region.Name)
		}
		for _, typ := range []string{"aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"} {
			for _, r := range g.ByType(typ) {
				if fmt.Sprint(r.Inputs["subnetIds"]) != fmt.Sprint(rg.Outputs[program.OutDatabaseSubnetIDs]) {
					t.Errorf("%s %s: subnets %v, want the region's database subnets %v", name, r.Name, r.Inputs["subnetIds"], rg.Outputs[program.OutDatabaseSubnetIDs])
				}
			}
		}
		for _, r := range g.ByType("aws:ec2/securityGroup:SecurityGroup") {
			if r.Inputs["vpcId"] != nil && r.Inputs["vpcId"] != vpc {
				t.Errorf("%s %s is in VPC %v, want the region's %v", name, r.Name, r.Inputs["vpcId"], vpc)
			}
		}
		for _, r := range g.ByType("aws:rds/cluster:Cluster") {
			if r.Inputs["globalClusterIdentifier"] != nil || r.Inputs["masterUsername"] == nil {
				t.Errorf("%s %s: want a standalone cluster with its own credentials, got global %v user %v", name, r.Name,
					r.Inputs["globalClusterIdentifier"], r.Inputs["masterUsername"])
			}
		}
		if len(g.ByType("eks:index:Cluster")) != 1 || len(g.ByType("aws:elasticache/replicationGroup:ReplicationGroup")) != 1 {
			t.Errorf("%s: want its own EKS cluster and cache", name)
		}
	}
}

// No two stacks name a resource the same in AWS: an environment's IAM roles, buckets, log
// groups, keys, clusters and DNS names never take production's or another environment's. IAM
// and S3 names are account-wide; the others are per region.
func TestNoStacksShareAPhysicalName(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	accountWide := []string{"aws:iam/role:Role", "aws:iam/instanceProfile:InstanceProfile", "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket",
		"aws:route53/record:Record", "aws:rds/globalCluster:GlobalCluster"}
	owner := map[string]string{}
	checked := 0
	for name, r := range synthAll(t) {
		s := fleet.Stack(name)
		names := synth.PhysicalNames(r.Graph)
		for _, rec := range r.Graph.ByType("aws:route53/record:Record") {
			names = append(names, synth.PhysicalName{Type: rec.Type, Name: fmt.Sprintf("%v %v", rec.Inputs["name"], rec.Inputs["type"]), URN: rec.URN})
		}
		for _, n := range names {
			where := s.Settings.AWSRegion
			if slices.Contains(accountWide, n.Type) {
				where = "account"
			}
			key := where + " " + n.Type + " " + n.Name
			if other, dup := owner[key]; dup && !strings.HasPrefix(other, name+" ") {
				t.Errorf("%s: %s %q is also %s", name, n.Type, n.Name, other)
			}
			owner[key] = name + " " + n.URN
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d physical names checked", checked)
	}
}

// An environment's API has its own DNS name and certificate, never production's.
func TestEnvironmentAPINames(t *testing.T) {
	_, envs := environmentStacks(t)
	for name := range envs {
		fleet, _ := config.LoadDir(repo)
		s := fleet.Stack(name)
		want := fmt.Sprintf("api-%s-%s.", s.Settings.Code, s.Settings.Environment)
		if s.Ingress == nil || !strings.HasPrefix(s.Ingress.Hostname, want) {
			t.Errorf("%s: hostname %v, want %s<zone>", name, s.Ingress, want)
		}
	}
}

// A stack's database and cache admit its own cluster's security group, never the private
// subnets an environment's cluster shares with production's: staging pods cannot reach
// production's Aurora or cache by network, nor production's pods staging's.
func TestDataAdmitsOnlyItsOwnCluster(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	results := synthAll(t)
	checked := 0
	for _, s := range fleet.Stacks {
		if !s.HasCompute() || s.Cluster == nil {
			continue
		}
		g := results[s.Name].Graph
		clusterSG := ""
		for _, c := range g.Resources { // the EKS cluster pulumi-eks creates is modelled: not in ByType
			if c.Type != "aws:eks/cluster:Cluster" {
				continue
			}
			if vc, ok := c.State["vpcConfig"].(map[string]any); ok {
				clusterSG, _ = vc["clusterSecurityGroupId"].(string)
			}
		}
		if clusterSG == "" {
			t.Fatalf("%s: the EKS cluster has no cluster security group in the mocks' answer", s.Name)
		}
		for _, r := range g.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
			port := r.Inputs["fromPort"]
			if port != float64(5432) && port != float64(6379) {
				continue
			}
			checked++
			src, cidr := r.Inputs["referencedSecurityGroupId"], r.Inputs["cidrIpv4"]
			switch {
			case src != nil && src != clusterSG:
				t.Errorf("%s %s admits %v, not its own cluster's group %s", s.Name, r.Name, src, clusterSG)
			case cidr != nil && port == float64(5432) && slices.Contains(homeJobs(t, fleet, s), cidr.(string)):
				// The database home's provisioning Jobs, for the day this member writes
				// (TestProvisioningReachesTheWriterAnywhere); no other stack's pods share them.
			case cidr != nil && (s.Database == nil || !slices.Contains(s.Database.AllowedCIDRs, cidr.(string))):
				t.Errorf("%s %s admits %v: only configured peers (database.allowedCidrs) get a CIDR rule", s.Name, r.Name, cidr)
			}
		}
	}
	if checked < len(fleet.Stacks) {
		t.Fatalf("only %d data rules checked", checked)
	}
}

// homeJobs are the database home's private subnets when s is another member of its global
// database, else nil. Only the home's own cluster may run in them: an environment stack on the
// home's network would put its pods in production's Aurora rules in every region.
func homeJobs(t *testing.T, fleet *config.Fleet, s *config.Stack) []string {
	t.Helper()
	if !s.IsRegion() || s.Database == nil || s.Database.Role == config.RoleStandalone {
		return nil
	}
	home := fleet.DatabaseHome(s.Settings.Environment)
	if home == nil || home.Name == s.Name {
		return nil
	}
	for _, x := range fleet.Stacks {
		if x.Name != home.Name && x.HasCompute() && fleet.NetworkStack(x) == home {
			t.Errorf("%s shares the database home's network: its pods would reach every member's Aurora", x.Name)
		}
	}
	plan, err := netplan.Compute(netip.MustParsePrefix(home.Network.VPCCIDR), len(home.Network.AvailabilityZones))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range plan.Private {
		out = append(out, p.String())
	}
	return out
}
