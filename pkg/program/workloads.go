package program

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/alerts"
	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/monitoring"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Cassandra node groups: root volumes only hold the OS and images (the data is on the
// datacenter's claims).
const cassandraRootDiskGiB = 50

// prepareCassandra readies the cluster's arguments for the region's Cassandra datacenter before
// the cluster is declared: the nodes' security group, one fixed-size node group per AZ (one
// rack each), pod addresses kept over the peering (no SNAT), and, in a data-plane region, the
// control plane's NAT addresses on the public API endpoint (its operator manages this
// datacenter through it).
func prepareCassandra(ctx *pulumi.Context, e *regionEnv, args *cluster.Args) error {
	s := e.stack
	c := s.Cassandra
	if c == nil {
		return nil
	}
	prefix := s.Settings.NamePrefix
	accessArgs := &cassandra.AccessArgs{VpcID: e.network.VpcID, PeerCIDRs: e.fleet.CassandraPeerCIDRs(s),
		ReaperCIDR: e.fleet.CassandraReaperCIDR(s)}
	accessArgs.ControlPlaneCIDR = e.fleet.CassandraControlPlaneCIDR(s)
	access, err := cassandra.NewAccess(ctx, prefix+"-cassandra", accessArgs, pulumi.Provider(e.provider))
	if err != nil {
		return err
	}
	perZone := s.RacksPerZone()
	for i, az := range s.Network.AvailabilityZones {
		args.NodeGroups = append(args.NodeGroups, cluster.NodeGroupArgs{
			Name:          "cassandra-" + az,
			InstanceTypes: []string{c.InstanceType},
			CapacityType:  string(config.CapacityOnDemand),
			// min = max: the autoscaler has nothing to resize, so it never drains a node; the
			// size is Pulumi's, so a resize of the datacenter resizes the group.
			MinSize: perZone, DesiredSize: perZone, MaxSize: perZone, FixedSize: true,
			// One rack at a time: cass-operator's PodDisruptionBudget allows one node of the
			// datacenter down, and EKS replaces a group's nodes on every launch-template change.
			AfterPrevious: i > 0,
			DiskSizeGiB:   cassandraRootDiskGiB,
			Labels:        map[string]string{cassandra.NodeLabel: cassandra.NodeValue, cassandra.RackLabel: az},
			Taints:        []cluster.Taint{{Key: cassandra.NodeLabel, Value: cassandra.NodeValue, Effect: string(config.TaintNoSchedule)}},
			// The Cassandra tier's subnet of the zone: the other datacenters admit that tier,
			// which holds these nodes and nothing else of the region's VPC.
			SubnetIDs: e.network.CassandraSubnetIDs.ApplyT(func(ids []string) ([]string, error) {
				if i >= len(ids) {
					return nil, fmt.Errorf("%s: no Cassandra subnet for %s", s.File, az)
				}
				return []string{ids[i]}, nil
			}).(pulumi.StringArrayOutput),
			SecurityGroupIDs: pulumi.StringArray{access.SecurityGroupID},
		})
	}
	args.ExternalSNAT = true
	// Path MTU discovery does not reach the pods (the network policy agent drops the ICMP), and
	// their traffic crosses inter-Region peering (8500) and the NAT gateway (1500):
	// cassandra.PodMTU.
	args.PodMTU = cassandra.PodMTU
	if c.ControlPlane {
		return nil
	}
	cp := e.fleet.CassandraControlPlane(s.Settings.Environment)
	if cp == nil { // validated: unreachable
		return fmt.Errorf("%s: no Cassandra control plane in environment %s", s.File, s.Settings.Environment)
	}
	ref, err := e.reference(ctx, cp.Name)
	if err != nil {
		return err
	}
	args.PeerAPIClients = requireStringArray(ctx, ref, cp.Name, OutNatPublicIPs).ApplyT(func(ips []string) []string {
		out := make([]string, len(ips))
		for i, ip := range ips {
			out[i] = ip + "/32"
		}
		return out
	}).(pulumi.StringArrayOutput)
	return nil
}

// deployWorkloads declares what runs in the region's cluster beside the platform: monitoring
// (first: its chart brings the ServiceMonitor CRD the Cassandra telemetry needs) and the
// region's Cassandra operators.
func deployWorkloads(ctx *pulumi.Context, e *regionEnv, cl *cluster.Cluster) error {
	s := e.stack
	prefix := s.Settings.NamePrefix
	ctx.Export(OutOIDCProviderArn, cl.OIDCProviderArn)
	if m := s.Monitoring; m != nil {
		rules := monitoring.Rules{Code: s.Settings.Code, DiskPercent: m.DiskAlertPercent, Stack: s.Name}
		if s.Cassandra != nil {
			rules.CassandraNamespace = cassandra.Namespace
		}
		args := &monitoring.Args{
			Scope:           e.scope,
			Code:            s.Settings.Code,
			Stack:           s.Name,
			ClusterName:     cl.Name,
			OIDCProviderArn: cl.OIDCProviderArn,
			Kubernetes:      cl.Kubernetes,
			AlarmTopicArn:   e.alarmTopic,
			Rules:           rules,
		}
		if s.Settings.Kind != config.KindRegion {
			// An environment's cluster writes to its region's workspace.
			region := e.fleet.NetworkStack(s)
			if region == nil { // validated: unreachable
				return fmt.Errorf("%s: no region stack with code %q", s.File, s.Settings.Code)
			}
			ref, err := e.reference(ctx, region.Name)
			if err != nil {
				return err
			}
			ws := requireOutput(ctx, ref, region.Name, OutAMPWorkspace)
			args.Workspace = &monitoring.Workspace{
				Arn:      field(ws, region.Name, OutAMPWorkspace, "arn"),
				Endpoint: field(ws, region.Name, OutAMPWorkspace, "endpoint"),
			}
		}
		mon, err := monitoring.New(ctx, prefix+"-monitoring", args, pulumi.Provider(e.provider))
		if err != nil {
			return err
		}
		if args.Workspace == nil {
			ctx.Export(OutAMPWorkspace, pulumi.Map{
				"id":       mon.WorkspaceID,
				"arn":      mon.WorkspaceArn,
				"endpoint": mon.WorkspaceEndpoint,
				"region":   pulumi.String(s.Settings.AWSRegion),
			})
		}
	}
	c := s.Cassandra
	if c == nil {
		return nil
	}
	dcArgs := &cassandra.Args{
		Code:                 s.Settings.Code,
		ControlPlane:         c.ControlPlane,
		Endpoint:             cl.Endpoint,
		CertificateAuthority: cl.CertificateAuthority,
		Kubernetes:           cl.Kubernetes,
		Policy:               cassandraPolicy(e),
		Protect:              s.Protected(),
	}
	if cc := e.fleet.CassandraClusterOf(s.Settings.Environment); cc != nil {
		dcArgs.NativeHosts = []string{cassandra.ServiceHost(cc.Name, s.Settings.Code)}
	}
	if c.ControlPlane {
		// The control plane's operator runs on the Cassandra nodes (its calls to the other
		// datacenters come from the Cassandra tier): its release waits for those groups.
		for _, g := range cl.NodeGroups {
			if g.Kind == cluster.KindCassandra {
				dcArgs.CassandraNodes = append(dcArgs.CassandraNodes, g.Group)
			}
		}
	} else {
		var err error
		if dcArgs.ControlPlaneKubernetes, err = controlPlaneCluster(ctx, e); err != nil {
			return err
		}
	}
	dc, err := cassandra.New(ctx, prefix+"-cassandra", dcArgs, pulumi.Provider(e.provider))
	if err != nil {
		return err
	}
	if err := deployCassandraBackup(ctx, e, cl, dc.Operator); err != nil {
		return err
	}
	exportCassandraClients(ctx, e)
	if !c.ControlPlane {
		// Only the Secret's name: the kubeconfig itself stays in the clusters and this state.
		ctx.Export(OutCassandraClientConfigSecret, dc.ClientConfigSecret)
	}
	if cc := e.fleet.CassandraClusterOf(s.Settings.Environment); cc != nil {
		ctx.Export(OutCassandraContactPoints, pulumi.Map{
			"datacenter": pulumi.String(s.Settings.Code),
			"service":    pulumi.String(cassandra.ServiceHost(cc.Name, s.Settings.Code)),
			"port":       pulumi.Int(cassandra.NativePort),
		})
	}
	return nil
}

// controlPlaneCluster is a Kubernetes provider for the Cassandra control plane's cluster, from
// its stack's kubeconfig output (the deployer's own identity, as the global stack reaches it).
func controlPlaneCluster(ctx *pulumi.Context, e *regionEnv) (*kubernetes.Provider, error) {
	s := e.stack
	cp := e.fleet.CassandraControlPlane(s.Settings.Environment)
	if cp == nil { // validated: unreachable
		return nil, fmt.Errorf("%s: no Cassandra control plane in environment %s", s.File, s.Settings.Environment)
	}
	ref, err := e.reference(ctx, cp.Name)
	if err != nil {
		return nil, err
	}
	return upstreamCluster(ctx, s.File, cp.Settings.Code, cp, e.fleet, e.opts,
		requireString(ctx, ref, cp.Name, OutKubeconfig),
		field(requireOutput(ctx, ref, cp.Name, OutEKSCluster), cp.Name, OutEKSCluster, "endpoint"))
}

// alertPublishers are the services besides CloudWatch that notify a region's alerts topic.
func alertPublishers(s *config.Stack, sc scope.Scope) []alerts.Publisher {
	if s.Monitoring == nil || s.Settings.Kind != config.KindRegion {
		return nil
	}
	return []alerts.Publisher{alerts.ManagedPrometheus(sc)}
}
