package cassandra

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/sgrules"
)

// AccessType is the node security group component's type token.
const AccessType = "sovereign:cassandra:NodeAccess"

// AccessArgs configures the Cassandra nodes' security group.
type AccessArgs struct {
	VpcID pulumi.StringInput
	// PeerCIDRs are the Cassandra tiers of the other datacenters' VPCs (netplan.CassandraTier:
	// their Cassandra nodes and pods, nothing else), reached over the peering mesh: internode
	// traffic and path MTU discovery from them.
	PeerCIDRs []string
	// ControlPlaneCIDR is the control-plane datacenter's Cassandra tier ("" in the control-plane
	// region itself): its operator, on those nodes, calls the management API of every pod.
	ControlPlaneCIDR string
	// ReaperCIDR is the Cassandra tier Reaper runs in when it runs in another datacenter's region
	// ("" when the cluster has no repairs or Reaper is local): it reads every node's metrics
	// endpoint.
	ReaperCIDR string
}

// ICMP type 3 code 4 (destination unreachable, fragmentation needed): path MTU discovery. Nodes
// and pods send 9001-byte frames; inter-Region VPC peering carries at most 8500 bytes, and traffic
// through an internet gateway or a NAT gateway's way out, a VPN, or between Regions by any other
// path at most 1500 (EC2 User Guide, "Network maximum transmission unit (MTU) for your EC2
// instance"), so a large internode or streaming packet is dropped with this message, and a
// security group that does not admit it leaves the TCP connection hanging instead of lowering
// its segment size.
//
// Pods cannot count on that message: the network policy agent evaluates an ICMP packet as a new
// flow and a NetworkPolicy cannot admit ICMP (aws-network-policy-agent v1.3.7
// pkg/ebpf/c/tc.v4ingress.bpf.c; issue #207, PR #561 closed unmerged), so it is dropped at any
// pod with an ingress policy, and every Cassandra pod has one. The Cassandra regions therefore
// clamp their pods' MTU to PodMTU (components/cluster Args.PodMTU): TCP then announces an MSS that
// fits every path a pod's traffic takes, the peering's 8500 and the 1500 of what leaves through
// the NAT gateway, and no fragmentation-needed reply is ever needed by a pod. 1500 rather than
// 8500: a pod cannot learn that a path is smaller. The rule stays for the nodes' own traffic,
// which keeps the ENI's 9001.
const (
	// PodMTU is the MTU of the Cassandra regions' pods: the smallest of the paths their traffic
	// takes (the User Guide page above).
	PodMTU = 1500

	icmpFragmentationNeededType = 3
	icmpFragmentationNeededCode = 4
)

// Access is the security group the Cassandra node groups carry beside the cluster's. Within the
// region the cluster security group already admits every node of this cluster (EKS's own rule)
// and no other: the staging and development clusters that share the region's subnets carry
// their own. So this group admits only what comes over the peering: internode (7000-7001) and
// path MTU discovery from the other datacenters' VPCs, and the management API (8080) from the
// control plane's VPC. JMX (7199) and CQL (9042) are admitted from nowhere else: nodetool runs
// in the pod through the management API, and clients connect in their own datacenter, further
// narrowed by the namespace's NetworkPolicies. Pods share their node's security groups (VPC CNI
// without pod security groups).
type Access struct {
	pulumi.ResourceState

	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
}

// NewAccess declares the security group and its rules.
func NewAccess(ctx *pulumi.Context, name string, args *AccessArgs, opts ...pulumi.ResourceOption) (*Access, error) {
	if args.VpcID == nil {
		return nil, fmt.Errorf("cassandra access %s: the VPC is required", name)
	}
	a := &Access{}
	if err := ctx.RegisterComponentResource(AccessType, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		Description: pulumi.String("Cassandra nodes of " + name + ": internode from the peer datacenters, management API from the control plane"),
		VpcId:       args.VpcID,
	}, parent)
	if err != nil {
		return nil, err
	}
	// Rules are named by port and CIDR, not by position: a datacenter added or removed adds or
	// removes its own rules and renames no other.
	var rules []sgrules.Rule
	for _, c := range args.PeerCIDRs {
		rules = append(rules, sgrules.Rule{Name: fmt.Sprintf("%s-%d-%d-%s", name, InternodePort, InternodeTLSPort, sgrules.CIDRName(c)), CIDR: c,
			Port: InternodePort, ToPort: InternodeTLSPort, Description: fmt.Sprintf("Cassandra internode from peer datacenter %s", c)})
	}
	if c := args.ControlPlaneCIDR; c != "" {
		rules = append(rules, sgrules.Rule{Name: fmt.Sprintf("%s-%d-%s", name, ManagementPort, sgrules.CIDRName(c)), CIDR: c,
			Port: ManagementPort, Description: fmt.Sprintf("Cassandra management API from the control plane %s", c)})
	}
	// Reaper reads each replica's pending compactions from the management API's metrics endpoint
	// before it repairs a segment, and postpones the segment when it cannot (cassandra-reaper
	// management/http/HttpMetricsProxy.collectTpPendingTasks: plain http on the metrics port;
	// service/SegmentRunner checks every replica of the segment, in every datacenter). Without
	// this rule no segment with a replica here would ever run.
	if c := args.ReaperCIDR; c != "" {
		rules = append(rules, sgrules.Rule{Name: fmt.Sprintf("%s-%d-%s", name, MetricsPort, sgrules.CIDRName(c)), CIDR: c,
			Port: MetricsPort, Description: fmt.Sprintf("Cassandra metrics endpoint from Reaper in the control plane %s", c)})
	}
	if err := sgrules.Ingress(ctx, sg.ID(), rules, parent); err != nil {
		return nil, err
	}
	for _, c := range args.PeerCIDRs {
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-icmp-pmtu-%s", name, sgrules.CIDRName(c)), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			Description:     pulumi.String(fmt.Sprintf("Path MTU discovery (ICMP fragmentation needed) from peer datacenter %s", c)),
			IpProtocol:      pulumi.String("icmp"),
			// For ICMP the rule's ports are the type and the code.
			FromPort: pulumi.Int(icmpFragmentationNeededType),
			ToPort:   pulumi.Int(icmpFragmentationNeededCode),
			CidrIpv4: pulumi.String(c),
		}, parent); err != nil {
			return nil, err
		}
	}
	a.SecurityGroupID = sg.ID().ToStringOutput()
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"securityGroupId": a.SecurityGroupID})
}
