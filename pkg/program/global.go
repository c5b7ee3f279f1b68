package program

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/alerts"
	"github.com/global-sovereign/global-sovereign/components/costs"
	"github.com/global-sovereign/global-sovereign/components/latencydns"
	"github.com/global-sovereign/global-sovereign/components/network"
	"github.com/global-sovereign/global-sovereign/components/peering"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// StackReferenceName is the fully qualified name of another stack of this project, in the
// current stack's organization ("organization" on a self-managed backend).
func StackReferenceName(ctx *pulumi.Context, stack string) string {
	return fmt.Sprintf("%s/%s/%s", ctx.Organization(), ctx.Project(), stack)
}

// regionRef is a region stack as the global stack sees it: its config (what it declares) and
// its outputs (the values, read through a StackReference).
type regionRef struct {
	stack *config.Stack
	ref   *pulumi.StackReference
}

func (r regionRef) code() string { return r.stack.Settings.Code }

func (r regionRef) output(ctx *pulumi.Context, key string) pulumi.AnyOutput {
	return requireOutput(ctx, r.ref, r.stack.Name, key)
}

func (r regionRef) str(ctx *pulumi.Context, key string) pulumi.StringOutput {
	return requireString(ctx, r.ref, r.stack.Name, key)
}

// deployGlobal declares the global stack: the peering mesh between the region stacks of its
// environment, the latency-routed API name with health checks, the budgets and anomaly
// detection, and the fleet's outputs in one place. Everything regional is declared with one
// provider per AWS region; what is global (Route 53, Budgets, Cost Explorer, the alerts topic
// their alarms use) with the stack's own provider.
func deployGlobal(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, opts Options) error {
	regions := make([]regionRef, 0)
	for _, name := range fleet.References(s) {
		ref, err := pulumi.NewStackReference(ctx, "ref-"+name, &pulumi.StackReferenceArgs{
			Name: pulumi.String(StackReferenceName(ctx, name)),
		})
		if err != nil {
			return err
		}
		regions = append(regions, regionRef{stack: fleet.Stack(name), ref: ref})
	}
	sort.Slice(regions, func(i, j int) bool { return regions[i].code() < regions[j].code() })

	providers, err := regionProviders(ctx, s, regions)
	if err != nil {
		return err
	}
	own := pulumi.Provider(providers[s.Settings.AWSRegion])
	sc, err := stackScope(ctx, s, own)
	if err != nil {
		return err
	}
	prefix := s.Settings.NamePrefix

	al, err := alerts.New(ctx, prefix, &alerts.Args{
		Scope:      sc,
		Emails:     s.Alerts.Emails,
		Publishers: []alerts.Publisher{alerts.Budgets(sc), alerts.CostAnomalyDetection()},
	}, own)
	if err != nil {
		return err
	}

	peerings, mesh, err := deployMesh(ctx, prefix, regions, providers)
	if err != nil {
		return err
	}
	if err := deployFleetWorkloads(ctx, s, fleet, opts, regions, mesh, providers[s.Settings.AWSRegion]); err != nil {
		return err
	}

	if d := s.DNS; d != nil {
		dns, err := deployDNS(ctx, s, d, regions, providers, al.TopicArn, own)
		if err != nil {
			return err
		}
		ctx.Export(OutAPIEndpoint, dns.Endpoint)
		ctx.Export(OutHealthCheckIDs, dns.HealthCheckIDs)
	}
	if c := s.Costs; c != nil {
		budgets := make([]costs.Budget, 0, len(c.Budgets))
		for _, b := range c.Budgets {
			budgets = append(budgets, costs.Budget{Environment: string(b.Environment), LimitUSD: float64(b.MonthlyLimitUSD)})
		}
		cw, err := costs.New(ctx, prefix, &costs.Args{
			Region:              s.Settings.AWSRegion,
			TagKey:              config.EnvironmentTag,
			ActivateTag:         c.ActivatesTag(),
			Budgets:             budgets,
			AnomalyThresholdUSD: float64(c.AnomalyThresholdUSD),
			AnomalyMonitorArn:   c.AnomalyMonitorArn,
			TopicArn:            al.TopicArn,
			Emails:              s.Alerts.Emails,
		}, own)
		if err != nil {
			return err
		}
		ctx.Export(OutBudgetNames, cw.BudgetNames)
	}

	exportFleet(ctx, regions)
	ctx.Export(OutPeeringConnectionIDs, peerings)
	ctx.Export(OutAlertsTopicArn, al.TopicArn)
	return nil
}

// regionProviders is one AWS provider per AWS region the global stack declares in: its own and
// every region stack's. Keyed by AWS region, so a region added later adds its own provider and
// changes no other.
func regionProviders(ctx *pulumi.Context, s *config.Stack, regions []regionRef) (map[string]*aws.Provider, error) {
	out := map[string]*aws.Provider{}
	want := []string{s.Settings.AWSRegion}
	for _, r := range regions {
		want = append(want, r.stack.Settings.AWSRegion)
	}
	for _, region := range want {
		if out[region] != nil {
			continue
		}
		p, err := newProvider(ctx, s, region, "aws-"+region)
		if err != nil {
			return nil, err
		}
		out[region] = p
	}
	return out, nil
}

// deployMesh peers every pair of region VPCs once: n(n-1)/2 peerings. The side whose code sorts
// first requests, the other accepts; names carry both codes, so a region added later only adds
// its own pairs.
func deployMesh(ctx *pulumi.Context, prefix string, regions []regionRef, providers map[string]*aws.Provider) (pulumi.StringMap, []meshLink, error) {
	ids := pulumi.StringMap{}
	var mesh []meshLink
	for i, a := range regions {
		for _, b := range regions[i+1:] {
			pair := a.code() + "-" + b.code()
			p, err := peering.New(ctx, fmt.Sprintf("%s-peer-%s", prefix, pair), &peering.Args{
				Requester: meshSide(ctx, a, providers),
				Accepter:  meshSide(ctx, b, providers),
			})
			if err != nil {
				return nil, nil, err
			}
			ids[pair] = p.ConnectionID
			mesh = append(mesh, meshLink{a: a.stack, b: b.stack, routes: p.Routes})
		}
	}
	return ids, mesh, nil
}

// meshLink is one peering of the mesh and the two region stacks it joins.
type meshLink struct {
	a, b   *config.Stack
	routes []pulumi.Resource
}

func meshSide(ctx *pulumi.Context, r regionRef, providers map[string]*aws.Provider) peering.Side {
	return peering.Side{
		Code:          r.code(),
		Region:        r.stack.Settings.AWSRegion,
		Provider:      providers[r.stack.Settings.AWSRegion],
		VpcID:         r.str(ctx, OutVpcID),
		VpcCIDR:       r.str(ctx, OutVpcCIDR),
		RouteTableIDs: requireStringArray(ctx, r.ref, r.stack.Name, OutPrivateRouteTableIDs),
		RouteTables:   network.PrivateRouteTables(len(r.stack.Network.AvailabilityZones)),
	}
}

// deployDNS declares the latency-routed API name over every region that has an ingress.
func deployDNS(ctx *pulumi.Context, s *config.Stack, d *config.DNS, regions []regionRef, providers map[string]*aws.Provider,
	topic pulumi.StringOutput, own pulumi.ResourceOption) (*latencydns.LatencyDNS, error) {
	args := &latencydns.Args{
		Region:         s.Settings.AWSRegion,
		ZoneID:         d.ZoneID,
		ZoneName:       d.ZoneName,
		Name:           d.Name,
		HealthPath:     d.HealthCheckPath,
		CheckerRegions: d.CheckerRegions,
		DefaultRegion:  d.DefaultRegion,
		AlarmTopicArn:  topic,
	}
	for _, r := range regions {
		if r.stack.Ingress == nil {
			continue
		}
		args.Endpoints = append(args.Endpoints, latencydns.Endpoint{
			Code:      r.code(),
			AWSRegion: r.stack.Settings.AWSRegion,
			Hostname:  r.stack.Ingress.Hostname,
			Serving:   r.stack.ServesAPI(),
			DNSName:   r.str(ctx, OutLoadBalancerDNSName),
			ZoneID:    r.str(ctx, OutLoadBalancerZoneID),
			// The public name's certificate goes on the region's listener, in its region.
			ListenerArn: r.str(ctx, OutLoadBalancerListenerArn),
			Provider:    providers[r.stack.Settings.AWSRegion],
		})
	}
	return latencydns.New(ctx, s.Settings.NamePrefix+"-api", args, own)
}

// exportFleet gives every region's endpoints in one place, keyed by region code; a region
// exports only what its config declares, so only that is read.
func exportFleet(ctx *pulumi.Context, regions []regionRef) {
	network, clusters, databases, balancers := pulumi.Map{}, pulumi.Map{}, pulumi.Map{}, pulumi.Map{}
	for _, r := range regions {
		region := pulumi.Map{}
		for _, key := range peeringOutputs {
			region[key] = r.output(ctx, key)
		}
		network[r.code()] = region
		if r.stack.Cluster != nil {
			clusters[r.code()] = r.output(ctx, OutEKSCluster)
		}
		if r.stack.Database != nil {
			databases[r.code()] = r.output(ctx, OutRDSEndpoints)
		}
		if r.stack.Ingress != nil {
			balancers[r.code()] = r.output(ctx, OutLoadBalancerEndpoint)
		}
	}
	ctx.Export(OutRegions, network)
	ctx.Export(OutEKSClusters, clusters)
	ctx.Export(OutRDSEndpoints, databases)
	ctx.Export(OutLoadBalancerEndpoints, balancers)
	contactPoints := pulumi.Map{}
	for _, r := range regions {
		if r.stack.Cassandra != nil {
			contactPoints[r.code()] = r.output(ctx, OutCassandraContactPoints)
		}
	}
	ctx.Export(OutCassandraContactPoints, contactPoints)
}

// requireString is requireOutput for a string output.
func requireString(ctx *pulumi.Context, ref *pulumi.StackReference, stack, key string) pulumi.StringOutput {
	return requireOutput(ctx, ref, stack, key).ApplyT(func(v any) (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("stack %s output %q is %T, want a string", stack, key, v)
		}
		return s, nil
	}).(pulumi.StringOutput)
}

// requireStringArray is requireOutput for a list of strings.
func requireStringArray(ctx *pulumi.Context, ref *pulumi.StackReference, stack, key string) pulumi.StringArrayOutput {
	return requireOutput(ctx, ref, stack, key).ApplyT(func(v any) ([]string, error) {
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("stack %s output %q is %T, want a list of strings", stack, key, v)
		}
		out := make([]string, len(list))
		for i, e := range list {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("stack %s output %q[%d] is %T, want a string", stack, key, i, e)
			}
			out[i] = s
		}
		return out, nil
	}).(pulumi.StringArrayOutput)
}

// requireOutput reads an output of a referenced stack. When that stack has not exported it (not
// deployed yet, or an older version), a preview treats it as unknown, like the output of any
// resource not created yet, so the first preview of a fleet passes before its upstream stacks are
// deployed; `up` fails with a message that says which stack to deploy first.
//
// The SDK (v3.263.0, StackReference.GetOutput) already answers a missing key with an unknown in a
// preview and with nil in an update; this also covers an output that exists with a null value,
// and does not depend on that SDK detail.
func requireOutput(ctx *pulumi.Context, ref *pulumi.StackReference, stack, key string) pulumi.AnyOutput {
	return ref.GetOutput(pulumi.String(key)).ApplyT(func(v any) (any, error) {
		if v == nil {
			if ctx.DryRun() {
				return pulumi.UnsafeUnknownOutput([]pulumi.Resource{ref}), nil
			}
			return nil, fmt.Errorf("stack %s has no output %q; deploy it first (sovereign up --stack %s)", stack, key, stack)
		}
		return v, nil
	}).(pulumi.AnyOutput)
}
