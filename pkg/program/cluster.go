package program

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/autoscaling"
	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/ingress"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/reach"
)

// deployerGuard is how this stack's deployer reaches the cluster's API, or nil without a cluster.
func deployerGuard(s *config.Stack, fleet *config.Fleet) *reach.Guard {
	if s.Cluster == nil {
		return nil
	}
	return &reach.Guard{
		File:    s.File,
		Cluster: s.Settings.NamePrefix,
		Allowed: fleet.PublicEndpointCIDRs(s),
		Private: s.Cluster.Deployer != nil && s.Cluster.Deployer.Private,
	}
}

// checkDeployer checks, before anything is declared, that this machine reaches the API of the
// stack's cluster (when opts asks for it); the guard it returns probes the endpoint again once
// it is known. A preview of a cluster that does not exist yet needs no API, so there it only
// warns; once the cluster exists the endpoint probe fails the preview too.
func checkDeployer(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, opts Options) (*reach.Guard, error) {
	if !opts.CheckDeployer {
		return nil, nil
	}
	guard := deployerGuard(s, fleet)
	if guard == nil {
		return nil, nil
	}
	if err := guard.BeforeDeploy(ctx.Context()); err != nil {
		if !ctx.DryRun() {
			return nil, err
		}
		_ = ctx.Log.Warn(err.Error(), nil)
	}
	return guard, nil
}

// upstreamCluster is a Kubernetes provider for the cluster of another stack, from the kubeconfig
// it exports (a secret output) and its API endpoint. That stack is deployed first
// (config.Fleet.References orders it). On real runs (opts.CheckDeployer) this machine must reach
// that cluster's API, as the upstream stack's own deployer must: checked before anything is
// declared, and on the endpoint before any object is applied. who names the stack applying, for
// messages; the provider is named k8s-<name>.
func upstreamCluster(ctx *pulumi.Context, who, name string, upstream *config.Stack, fleet *config.Fleet, opts Options,
	kubeconfig, endpoint pulumi.StringOutput) (*kubernetes.Provider, error) {
	if guard := deployerGuard(upstream, fleet); opts.CheckDeployer && guard != nil {
		if err := guard.BeforeDeploy(ctx.Context()); err != nil {
			if !ctx.DryRun() {
				return nil, fmt.Errorf("%s: %w", who, err)
			}
			_ = ctx.Log.Warn(err.Error(), nil)
		}
		kubeconfig = pulumi.All(kubeconfig, endpoint).ApplyTWithContext(ctx.Context(), func(probeCtx context.Context, v []any) (string, error) {
			if err := guard.Probe(probeCtx, v[1].(string)); err != nil {
				return "", fmt.Errorf("%s: %w", who, err)
			}
			return v[0].(string), nil
		}).(pulumi.StringOutput)
	}
	return kubernetes.NewProvider(ctx, "k8s-"+name, &kubernetes.ProviderArgs{
		Kubeconfig:            kubeconfig,
		EnableServerSideApply: pulumi.Bool(true),
	})
}

// deployCluster declares the Kubernetes layer the config asks for: the EKS cluster with its node
// groups, then how it scales.
func deployCluster(ctx *pulumi.Context, e *regionEnv) error {
	s, c := e.stack, e.stack.Cluster
	if c == nil {
		return nil
	}
	prefix := s.Settings.NamePrefix
	args := &cluster.Args{
		Scope:                        e.scope,
		AWSProvider:                  e.provider,
		KubernetesVersion:            c.KubernetesVersion,
		Tags:                         stackTags(ctx, e.stack),
		AddonVersions:                c.AddonVersions(),
		AMIReleaseVersion:            c.AMIReleaseVersion,
		ControlPlaneLogRetentionDays: c.ControlPlaneLogRetentionDays,
		VpcID:                        e.network.VpcID,
		PrivateSubnetIDs:             e.network.PrivateSubnetIDs,
		OfficeSecurityGroup:          e.network.OfficeSecurityGroup,
		PublicAccessCIDRs:            e.fleet.PublicEndpointCIDRs(s),
		AdminRoleArns:                c.AdminRoleArns,
		ViewerRoleArns:               c.ViewerRoleArns,
		AuditorRoleArns:              c.AuditorRoleArns,
		Probe:                        e.probe,
	}
	for _, g := range c.NodeGroups {
		ng := cluster.NodeGroupArgs{
			Name: g.Name, Kind: g.Kind(), InstanceTypes: g.InstanceTypes, CapacityType: string(g.CapacityType),
			MinSize: g.MinSize, DesiredSize: g.DesiredSize, MaxSize: g.MaxSize,
			DiskSizeGiB: g.DiskSizeGiB, Labels: g.Labels,
		}
		for _, t := range g.Taints {
			ng.Taints = append(ng.Taints, cluster.Taint{Key: t.Key, Value: t.Value, Effect: string(t.Effect)})
		}
		args.NodeGroups = append(args.NodeGroups, ng)
	}
	configured := len(args.NodeGroups)
	if err := prepareCassandra(ctx, e, args); err != nil {
		return err
	}
	for i := configured; i < len(args.NodeGroups); i++ {
		args.NodeGroups[i].Kind = cluster.KindCassandra // the datacenter's groups, added above
	}
	cl, err := cluster.New(ctx, prefix, args, pulumi.Provider(e.provider))
	if err != nil {
		return err
	}
	e.clusterSG = cl.SecurityGroupID
	e.kubernetes = cl.Kubernetes

	chart := c.AutoscalerChart()
	scaling := &autoscaling.Args{
		Scope:               e.scope,
		ClusterName:         cl.Name,
		AutoscalerChart:     chart.Chart,
		AutoscalerImageTag:  chart.AppVersion,
		NodeGroups:          cl.NodeGroups,
		Kubernetes:          cl.Kubernetes,
		AlarmTopicArn:       e.alarmTopic,
		NodeCPUAlarmPercent: c.NodeCPUAlarmPercent,
	}
	if a := c.API; a != nil {
		scaling.API = &autoscaling.APIArgs{Image: a.Image, Port: a.Port, MinReplicas: a.MinReplicas,
			MaxReplicas: a.MaxReplicas, TargetCPUPercent: a.TargetCPUPercent}
	}
	scaled, err := autoscaling.New(ctx, prefix, scaling, pulumi.Provider(e.provider))
	if err != nil {
		return err
	}

	if g := s.Ingress; g != nil {
		args := &ingress.Args{
			Scope:                  e.scope,
			ClusterName:            cl.Name,
			ClusterSecurityGroupID: cl.SecurityGroupID,
			Kubernetes:             cl.Kubernetes,
			VpcID:                  e.network.VpcID,
			PublicSubnetIDs:        e.network.PublicSubnetIDs,
			ZoneID:                 g.ZoneID,
			Hostname:               g.Hostname,
			HealthCheckPath:        g.HealthCheckPath,
			AccessLogRetentionDays: g.AccessLogRetentionDays,
			WAFRateLimit:           g.WAFRateLimit,
			WAFLogRetentionDays:    g.WAFLogRetentionDays,
			APIPort:                config.DefaultAPIPort,
			APIService:             scaled.APIService, // nil without an API image
			APINamespace:           scaled.APINamespace,
		}
		if a := c.API; a != nil {
			args.APIPort = a.Port
		}
		in, err := ingress.New(ctx, prefix, args, pulumi.Provider(e.provider))
		if err != nil {
			return err
		}
		ctx.Export(OutLoadBalancerEndpoint, in.Endpoint)
		ctx.Export(OutLoadBalancerDNSName, in.DNSName)
		ctx.Export(OutLoadBalancerZoneID, in.ZoneID)
		ctx.Export(OutLoadBalancerListenerArn, in.HTTPSListenerArn)
		ctx.Export(OutLoadBalancerTargetGroupArn, in.TargetGroupArn)
	}

	ctx.Export(OutEKSCluster, pulumi.Map{
		"name":                 cl.Name,
		"endpoint":             cl.Endpoint,
		"certificateAuthority": cl.CertificateAuthority,
		"region":               pulumi.String(s.Settings.AWSRegion),
	})
	ctx.Export(OutKubeconfig, cl.Kubeconfig)
	return deployWorkloads(ctx, e, cl)
}
