package program

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandracluster"
	clustercomp "github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/grafana"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// deployFleetWorkloads declares, in region clusters, what needs every region: the Cassandra
// cluster (in the control plane's cluster, after the peering mesh its datacenters gossip over)
// and the fleet's Grafana. The global stack reaches those clusters with their stacks' kubeconfig
// outputs, as the deployer's own identity.
func deployFleetWorkloads(ctx *pulumi.Context, s *config.Stack, fleet *config.Fleet, opts Options, regions []regionRef, mesh []meshLink, own *aws.Provider) error {
	byCode := map[string]regionRef{}
	for _, r := range regions {
		byCode[r.code()] = r
	}
	clusters := map[string]*kubernetes.Provider{}
	clusterOf := func(code string) (*kubernetes.Provider, error) {
		if p, ok := clusters[code]; ok {
			return p, nil
		}
		r, ok := byCode[code]
		if !ok { // validated: unreachable
			return nil, fmt.Errorf("%s: no region stack %s in environment %s", s.File, code, s.Settings.Environment)
		}
		p, err := upstreamCluster(ctx, s.File, code, r.stack, fleet, opts,
			r.str(ctx, OutKubeconfig), field(r.output(ctx, OutEKSCluster), r.stack.Name, OutEKSCluster, "endpoint"))
		clusters[code] = p
		return p, err
	}
	prefix := s.Settings.NamePrefix

	if cc := s.CassandraCluster; cc != nil {
		cp := fleet.CassandraControlPlane(s.Settings.Environment)
		if cp == nil { // validated: unreachable
			return fmt.Errorf("%s: no Cassandra control plane in environment %s", s.File, s.Settings.Environment)
		}
		k8s, err := clusterOf(cp.Settings.Code)
		if err != nil {
			return err
		}
		args := &cassandracluster.Args{Name: cc.Name, ServerVersion: cc.ServerVersion, Keyspaces: cc.Keyspaces, Kubernetes: k8s}
		// The control plane's datacenter first, whatever its code sorts as (cassandracluster.Args).
		dcs := append([]*config.Stack{cp}, slices.DeleteFunc(fleet.CassandraDatacenters(s.Settings.Environment),
			func(x *config.Stack) bool { return x == cp })...)
		for _, x := range dcs {
			c := x.Cassandra
			dc := cassandracluster.Datacenter{
				Code: x.Settings.Code, Zones: x.Network.AvailabilityZones, Size: c.Size, ReplicationFactor: c.ReplicationFactor,
				StorageGiB: c.StorageGiB, HeapGiB: c.HeapGiB(), CPU: c.CPU, Memory: c.Memory,
				NoReplicas: !c.Replicated(), Decommissioned: !c.InCluster(),
			}
			if !c.ControlPlane {
				r := byCode[x.Settings.Code]
				dc.ClientConfigSecret = requireString(ctx, r.ref, r.stack.Name, OutCassandraClientConfigSecret)
			}
			cassandraOps(ctx, &dc, cc, x, byCode[x.Settings.Code])
			args.Datacenters = append(args.Datacenters, dc)
		}
		// The datacenters gossip over the peerings between their regions: the cluster waits for
		// those (and only those: a region without a datacenter changes nothing here).
		var links []pulumi.Resource
		for _, l := range mesh {
			if l.a.Cassandra != nil && l.b.Cassandra != nil {
				links = append(links, l.routes...)
			}
		}
		args.After = links
		cassandraOpsArgs(ctx, args, cc, cp, byCode[cp.Settings.Code])
		args.ClientKeyspaces = fleet.CassandraClientKeyspaces(s.Settings.Environment)
		args.Protect = s.Protected()
		cluster, err := cassandracluster.New(ctx, prefix+"-cassandra", args)
		if err != nil {
			return err
		}
		ctx.Export(OutCassandraCluster, pulumi.Map{"name": cluster.Name, "superuserSecret": cluster.SuperuserSecret})
	}

	if g := s.Grafana; g != nil {
		k8s, err := clusterOf(g.Region)
		if err != nil {
			return err
		}
		args := &grafana.Args{
			OIDCProviderArn: byCode[g.Region].str(ctx, OutOIDCProviderArn),
			Kubernetes:      k8s,
			StorageClass:    clustercomp.StorageClassName,
			StorageGiB:      g.StorageGiB,
		}
		for _, r := range regions {
			if r.stack.Monitoring == nil {
				continue
			}
			ws := r.output(ctx, OutAMPWorkspace)
			args.Workspaces = append(args.Workspaces, grafana.Workspace{
				Code: r.code(), Region: r.stack.Settings.AWSRegion,
				Arn: field(ws, r.stack.Name, OutAMPWorkspace, "arn"), Endpoint: field(ws, r.stack.Name, OutAMPWorkspace, "endpoint"),
			})
		}
		if _, err := grafana.New(ctx, prefix+"-grafana", args, pulumi.Provider(own)); err != nil {
			return err
		}
	}
	return nil
}

// field is one string of a map output of a referenced stack.
func field(v pulumi.AnyOutput, stack, key, name string) pulumi.StringOutput {
	return v.ApplyT(func(x any) (string, error) {
		m, ok := x.(map[string]any)
		if !ok {
			return "", fmt.Errorf("stack %s output %q is %T, want a map", stack, key, x)
		}
		s, ok := m[name].(string)
		if !ok {
			return "", fmt.Errorf("stack %s output %q has no string %q", stack, key, name)
		}
		return s, nil
	}).(pulumi.StringOutput)
}
