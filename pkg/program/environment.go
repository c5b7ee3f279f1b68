package program

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/alerts"
	"github.com/global-sovereign/global-sovereign/components/network"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// deployEnvironment declares an environment stack (staging, development, ...): its own alerts,
// database, cache, cluster and ingress on the network of its region stack, which it reads
// through a StackReference and never declares. Everything it creates is named from its own
// prefix (gs-<code>-<environment>), so nothing collides with production's or another
// environment's names.
func deployEnvironment(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, opts Options) error {
	region := fleet.NetworkStack(s)
	if region == nil || region.Network == nil { // validated: unreachable
		return fmt.Errorf("%s: no region stack with code %q to share the network of", s.File, s.Settings.Code)
	}
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
	var publishers []alerts.Publisher
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

	net, ref, err := sharedNetwork(ctx, s, region, prefix, useProvider)
	if err != nil {
		return err
	}
	env := &regionEnv{stack: s, fleet: fleet, provider: provider, scope: sc, alarmTopic: al.TopicArn, cacheEvents: al.CacheEventsTopicArn, network: net,
		refs: map[string]*pulumi.StackReference{region.Name: ref}}
	if err := deployCompute(ctx, env, guard); err != nil {
		return err
	}
	ctx.Export(OutNetworkStack, pulumi.String(region.Name))
	ctx.Export(OutVpcID, net.VpcID)
	ctx.Export(OutVpcCIDR, pulumi.String(net.VpcCIDR))
	ctx.Export(OutAlertsTopicArn, al.TopicArn)
	return nil
}

// sharedNetwork is an environment stack's view of its region's network: the ids from the region
// stack's outputs, the CIDRs and AZs from the region's config (the same plan the region declared
// its subnets from), and an office security group of the environment's own when the region has
// an office VPN.
func sharedNetwork(ctx *pulumi.Context, s, region *config.Stack, prefix string, opts ...pulumi.ResourceOption) (netView, *pulumi.StackReference, error) {
	plan, err := subnetPlan(region.Network)
	if err != nil {
		return netView{}, nil, fmt.Errorf("%s: %s:%s: %w", region.File, config.Project, config.KeyNetwork, err)
	}
	ref, err := pulumi.NewStackReference(ctx, "ref-"+region.Name, &pulumi.StackReferenceArgs{
		Name: pulumi.String(StackReferenceName(ctx, region.Name)),
	})
	if err != nil {
		return netView{}, nil, err
	}
	net := netView{
		VpcID:             requireString(ctx, ref, region.Name, OutVpcID),
		VpcCIDR:           region.Network.VPCCIDR,
		AvailabilityZones: region.Network.AvailabilityZones,
		PublicSubnetIDs:   requireStringArray(ctx, ref, region.Name, OutPublicSubnetIDs),
		PrivateSubnetIDs:  requireStringArray(ctx, ref, region.Name, OutPrivateSubnetIDs),
		DatabaseSubnetIDs: requireStringArray(ctx, ref, region.Name, OutDatabaseSubnetIDs),
		Plan:              plan,
	}
	if region.VPN != nil && s.Cluster != nil {
		office, err := network.NewOfficeAccess(ctx, prefix, &network.OfficeAccessArgs{
			VpcID: net.VpcID,
			VPN:   vpnArgs(region.VPN),
		}, opts...)
		if err != nil {
			return netView{}, nil, err
		}
		net.OfficeSecurityGroup = office.SecurityGroup
	}
	return net, ref, nil
}
