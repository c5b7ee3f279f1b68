package program

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/alerts"
	"github.com/global-sovereign/global-sovereign/components/network"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// deployRegion declares a region stack.
func deployRegion(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, opts Options) error {
	prefix := s.Settings.NamePrefix
	guard, err := checkDeployer(ctx, s, fleet, opts)
	if err != nil {
		return err
	}
	provider, sc, err := ownProvider(ctx, s)
	if err != nil {
		return err
	}
	useProvider := pulumi.Provider(provider)
	if err := checkAZs(ctx, s, useProvider); err != nil {
		return err
	}

	publishers := alertPublishers(s, sc)
	if s.Database != nil { // the Aurora cluster's RDS events (database.go)
		publishers = append(publishers, alerts.RDSEvents(sc))
	}
	if s.Backup != nil && s.Database != nil { // backup and copy job results (data.go)
		publishers = append(publishers, alerts.Backup())
	}
	al, err := alerts.New(ctx, prefix, &alerts.Args{Scope: sc, Emails: s.Alerts.Emails, Publishers: publishers,
		CacheEvents: s.Cache != nil}, useProvider)
	if err != nil {
		return err
	}

	plan, err := subnetPlan(s.Network)
	if err != nil {
		return fmt.Errorf("%s: %s:%s: %w", s.File, config.Project, config.KeyNetwork, err)
	}
	net, err := network.New(ctx, prefix, &network.Args{
		Scope:                sc,
		VPCCIDR:              s.Network.VPCCIDR,
		AvailabilityZones:    s.Network.AvailabilityZones,
		Subnets:              plan,
		NATPerAZ:             s.Network.NATGateways == config.NATPerAZ,
		Cassandra:            s.Cassandra != nil,
		FlowLogRetentionDays: s.Network.FlowLogs.RetentionDays,
		FlowLogTrafficType:   string(s.Network.FlowLogs.TrafficType),
		VPN:                  vpnArgs(s.VPN),
		AlarmTopicArn:        al.TopicArn,
	}, useProvider)
	if err != nil {
		return err
	}

	env := &regionEnv{
		stack: s, fleet: fleet, provider: provider, scope: sc,
		alarmTopic: al.TopicArn, cacheEvents: al.CacheEventsTopicArn, network: ownNetwork(net, s.Network, plan), opts: opts,
	}
	if err := deployCompute(ctx, env, guard); err != nil {
		return err
	}
	ctx.Export(OutVpcID, net.VpcID)
	ctx.Export(OutVpcCIDR, net.VpcCIDR)
	ctx.Export(OutPublicSubnetIDs, net.PublicSubnetIDs)
	ctx.Export(OutPrivateSubnetIDs, net.PrivateSubnetIDs)
	ctx.Export(OutDatabaseSubnetIDs, net.DatabaseSubnetIDs)
	ctx.Export(OutPrivateRouteTableIDs, net.PrivateRouteTableIDs)
	ctx.Export(OutNatPublicIPs, net.NatPublicIPs)
	ctx.Export(OutAlertsTopicArn, al.TopicArn)
	if s.VPN != nil {
		ctx.Export(OutVpnGatewayID, net.VpnGatewayID)
		ctx.Export(OutVpnConnections, net.VpnConnections)
		ctx.Export(OutOfficeSecurityGroupID, net.OfficeSecurityGroupID)
	}
	return nil
}

// ownProvider is the stack's provider for its own region (aws-<region>) and the scope read
// through it.
func ownProvider(ctx *pulumi.Context, s *config.Stack) (*aws.Provider, scope.Scope, error) {
	provider, err := newProvider(ctx, s, s.Settings.AWSRegion, "aws-"+s.Settings.AWSRegion)
	if err != nil {
		return nil, scope.Scope{}, err
	}
	sc, err := stackScope(ctx, s, pulumi.Provider(provider))
	return provider, sc, err
}

// newProvider is an AWS provider of the stack in one region (the stack's own, or another one
// a component replicates to): its default tags come from config, and it refuses any account not
// listed in allowedAccountIds. name is its resource name; the stack's own is aws-<region>.
func newProvider(ctx *pulumi.Context, s *config.Stack, region, name string) (*aws.Provider, error) {
	return aws.NewProvider(ctx, name, &aws.ProviderArgs{
		Region:            pulumi.String(region),
		DefaultTags:       &aws.ProviderDefaultTagsArgs{Tags: defaultTags(ctx, s)},
		AllowedAccountIds: allowedAccounts(s),
	})
}

// stackScope reads the partition and account of the stack's provider once: every ARN the
// components write is built from them (pkg/scope).
func stackScope(ctx *pulumi.Context, s *config.Stack, useProvider pulumi.InvokeOption) (scope.Scope, error) {
	identity, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, useProvider)
	if err != nil {
		return scope.Scope{}, fmt.Errorf("%s: reading the AWS account of region %s: %w", s.File, s.Settings.AWSRegion, err)
	}
	partition, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{}, useProvider)
	if err != nil {
		return scope.Scope{}, fmt.Errorf("%s: reading the AWS partition of region %s: %w", s.File, s.Settings.AWSRegion, err)
	}
	return scope.Scope{
		Partition: partition.Partition,
		AccountID: identity.AccountId,
		Region:    s.Settings.AWSRegion,
		Protect:   s.Protected(),
	}, nil
}

// defaultTags are the tags every resource of the stack carries.
func defaultTags(ctx *pulumi.Context, s *config.Stack) pulumi.StringMap {
	return pulumi.ToStringMap(stackTags(ctx, s))
}

// stackTags are the default tags as values, for what the provider's default tags do not reach
// (launch templates' tag specifications, the EBS CSI driver's volumes).
func stackTags(ctx *pulumi.Context, s *config.Stack) map[string]string {
	tags := map[string]string{
		"project":             config.Project,
		"stack":               ctx.Stack(),
		"region":              s.Settings.Code,
		config.EnvironmentTag: string(s.Settings.Environment),
		"managed-by":          "pulumi",
	}
	for k, v := range s.Tags {
		tags[k] = v
	}
	return tags
}

func allowedAccounts(s *config.Stack) pulumi.StringArrayInput {
	if len(s.Settings.AllowedAccountIDs) == 0 {
		return nil
	}
	return pulumi.ToStringArray(s.Settings.AllowedAccountIDs)
}

// checkAZs fails before anything is declared when a configured AZ is not available to the
// account (AZ names differ between accounts; us-west-1 offers most accounts only two).
func checkAZs(ctx *pulumi.Context, s *config.Stack, invoke pulumi.InvokeOption) error {
	state := "available"
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: &state}, invoke)
	if err != nil {
		return fmt.Errorf("%s: listing the availability zones of %s: %w", s.File, s.Settings.AWSRegion, err)
	}
	available := map[string]bool{}
	for _, n := range res.Names {
		available[n] = true
	}
	var missing []string
	for _, az := range s.Network.AvailabilityZones {
		if !available[az] {
			missing = append(missing, az)
		}
	}
	if len(missing) > 0 {
		names := append([]string(nil), res.Names...)
		sort.Strings(names)
		return fmt.Errorf("%s: %s:%s.availabilityZones: %s not available in %s for this account; available: %s",
			s.File, config.Project, config.KeyNetwork, strings.Join(missing, ", "), s.Settings.AWSRegion, strings.Join(names, ", "))
	}
	return nil
}

// subnetPlan is the planned layout with any per-tier override from config applied.
func subnetPlan(n *config.Network) (netplan.Plan, error) {
	plan, err := netplan.Compute(netip.MustParsePrefix(n.VPCCIDR), len(n.AvailabilityZones))
	if err != nil || n.Subnets == nil {
		return plan, err
	}
	override := func(cidrs []string, planned []netip.Prefix) []netip.Prefix {
		if cidrs == nil {
			return planned
		}
		out := make([]netip.Prefix, len(cidrs))
		for i, c := range cidrs {
			out[i] = netip.MustParsePrefix(c) // validated by config
		}
		return out
	}
	plan.Public = override(n.Subnets.Public, plan.Public)
	plan.Private = override(n.Subnets.Private, plan.Private)
	plan.Database = override(n.Subnets.Database, plan.Database)
	return plan, nil
}

func vpnArgs(v *config.VPN) *network.VPNArgs {
	if v == nil {
		return nil
	}
	out := &network.VPNArgs{
		BGPASN:             v.BGPASN,
		AmazonSideASN:      *v.AmazonSideASN,
		OfficeIngressPorts: v.OfficeIngressPorts,
	}
	for _, g := range v.CustomerGateways {
		// Validation requires the slot; a stack that did not validate is never synthesized.
		slot := 0
		if g.TunnelSlot != nil {
			slot = *g.TunnelSlot
		}
		out.Gateways = append(out.Gateways, network.Gateway{Name: g.Name, IPAddress: g.IPAddress, ClientCIDRs: g.ClientCIDRs,
			TunnelInsideCIDRs: config.TunnelInsideCIDRs(v.TunnelInsideBlock, slot)})
	}
	return out
}
