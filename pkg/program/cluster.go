package program

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/autoscaling"
	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/ingress"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/reach"
)

// deployerGuard is how this stack's deployer reaches the cluster's API, or nil without a cluster.
func deployerGuard(s *config.Stack) *reach.Guard {
	if s.Cluster == nil {
		return nil
	}
	return &reach.Guard{
		File:    s.File,
		Cluster: s.Settings.NamePrefix,
		Allowed: s.PublicEndpointCIDRs(),
		Private: s.Cluster.Deployer != nil && s.Cluster.Deployer.Private,
	}
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
		Scope:               e.scope,
		AWSProvider:         e.provider,
		KubernetesVersion:   c.KubernetesVersion,
		VpcID:               e.network.VpcID,
		PrivateSubnetIDs:    e.network.PrivateSubnetIDs,
		OfficeSecurityGroup: e.network.OfficeSecurityGroup,
		PublicAccessCIDRs:   s.PublicEndpointCIDRs(),
		AdminRoleArns:       c.AdminRoleArns,
		ViewerRoleArns:      c.ViewerRoleArns,
		Probe:               e.probe,
	}
	for _, g := range c.NodeGroups {
		ng := cluster.NodeGroupArgs{
			Name: g.Name, InstanceTypes: g.InstanceTypes, CapacityType: string(g.CapacityType),
			MinSize: g.MinSize, DesiredSize: g.DesiredSize, MaxSize: g.MaxSize,
			DiskSizeGiB: g.DiskSizeGiB, Labels: g.Labels,
		}
		for _, t := range g.Taints {
			ng.Taints = append(ng.Taints, cluster.Taint{Key: t.Key, Value: t.Value, Effect: string(t.Effect)})
		}
		args.NodeGroups = append(args.NodeGroups, ng)
	}
	cl, err := cluster.New(ctx, prefix, args, pulumi.Provider(e.provider))
	if err != nil {
		return err
	}

	chart := c.AutoscalerChart()
	scaling := &autoscaling.Args{
		Scope:              e.scope,
		ClusterName:        cl.Name,
		AutoscalerChart:    chart.Chart,
		AutoscalerImageTag: chart.AppVersion,
		NodeGroups:         cl.NodeGroups,
		Kubernetes:         cl.Kubernetes,
		AlarmTopicArn:      e.alarmTopic,
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
			VpcCIDR:                s.Network.VPCCIDR,
			PublicSubnetIDs:        e.network.PublicSubnetIDs,
			ZoneID:                 g.ZoneID,
			Hostname:               g.Hostname,
			HealthCheckPath:        g.HealthCheckPath,
			AccessLogRetentionDays: g.AccessLogRetentionDays,
			APIPort:                config.DefaultAPIPort,
			APIService:             scaled.APIService, // nil without an API image
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
	}

	ctx.Export(OutEKSCluster, pulumi.Map{
		"name":                 cl.Name,
		"endpoint":             cl.Endpoint,
		"certificateAuthority": cl.CertificateAuthority,
		"region":               pulumi.String(s.Settings.AWSRegion),
	})
	ctx.Export(OutKubeconfig, cl.Kubeconfig)
	return nil
}
