package cluster

import (
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// AMIType is the node AMI: Amazon Linux 2023 on x86_64 (config validation keeps node groups on
// x86_64 families).
const AMIType = "AL2023_x86_64_STANDARD"

// IMDSHopLimit keeps instance metadata (and the node role) on the node and host-network pods.
const IMDSHopLimit = 1

// nodePolicies are the managed policies EKS requires on a node role. The CNI policy stays on
// the node role because the VPC CNI must work before any pod identity does.
var nodePolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy",
	"AmazonSSMManagedInstanceCore"}

// groupOptions: the cluster autoscaler owns an autoscaled group's desired size between min and
// max, so Pulumi ignores it; a fixed-size group's desired size is Pulumi's.
func groupOptions(parent pulumi.ResourceOption, g NodeGroupArgs, dependsOn []pulumi.Resource) []pulumi.ResourceOption {
	opts := []pulumi.ResourceOption{parent, pulumi.DependsOn(dependsOn)}
	if !g.FixedSize {
		opts = append(opts, pulumi.IgnoreChanges([]string{"scalingConfig.desiredSize"}))
	}
	return opts
}

// nodeGroup declares a managed node group with its own role and a launch template. Disk size
// and a launch template exclude each other in EKS, so the root volume is set in the template.
func (b *builder) nodeGroup(g NodeGroupArgs, after []pulumi.Resource) (NodeGroup, error) {
	n := func(s string) string { return fmt.Sprintf("%s-ng-%s%s", b.name, g.Name, s) }
	trust := iampolicy.New(iampolicy.Allow("EC2", []string{"sts:AssumeRole"}, nil).ForService("ec2.amazonaws.com"))
	role, err := iam.NewRole(b.ctx, n(""), &iam.RoleArgs{
		Description:      pulumi.String(fmt.Sprintf("Nodes of the %s node group of %s", g.Name, b.name)),
		AssumeRolePolicy: pulumi.String(trust.JSON()),
	}, b.parent)
	if err != nil {
		return NodeGroup{}, err
	}
	var attachments []pulumi.Resource
	for _, p := range nodePolicies {
		a, err := iam.NewRolePolicyAttachment(b.ctx, n("-"+p), &iam.RolePolicyAttachmentArgs{
			Role:      role.Name,
			PolicyArn: pulumi.String(b.args.Scope.ManagedPolicy(p)),
		}, b.parent)
		if err != nil {
			return NodeGroup{}, err
		}
		attachments = append(attachments, a)
	}

	ltArgs := &ec2.LaunchTemplateArgs{
		Description:          pulumi.String(fmt.Sprintf("%s node group %s: IMDSv2, encrypted gp3 root", b.name, g.Name)),
		UpdateDefaultVersion: pulumi.Bool(true),
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"),
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeSize:          pulumi.Int(g.DiskSizeGiB),
				VolumeType:          pulumi.String("gp3"),
				Encrypted:           pulumi.String("true"), // the account's EBS key; a customer key would need a grant to the ASG service role
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint: pulumi.String("enabled"),
			HttpTokens:   pulumi.String("required"), // IMDSv2 only
			// 1 serves the node and host-network pods (aws-node, kube-proxy, the CSI node
			// plugin); 2 would hand every pod the node role's credentials. Pods get AWS
			// credentials from EKS Pod Identity.
			HttpPutResponseHopLimit: pulumi.Int(IMDSHopLimit),
		},
		// Detailed monitoring: CPU every minute, so the node CPU alarms see every period.
		Monitoring:        &ec2.LaunchTemplateMonitoringArgs{Enabled: pulumi.Bool(true)},
		TagSpecifications: launchedTags(b.args.Tags, n("")),
	}
	if g.SecurityGroupIDs != nil {
		// Security groups in the launch template replace the cluster security group EKS would
		// put on the nodes, so it is listed first: without it nodes cannot join or reach the
		// control plane.
		ltArgs.VpcSecurityGroupIds = pulumi.All(b.clusterSG, g.SecurityGroupIDs).ApplyT(func(v []any) []string {
			return append([]string{v[0].(string)}, v[1].([]string)...)
		}).(pulumi.StringArrayOutput)
	}
	lt, err := ec2.NewLaunchTemplate(b.ctx, n(""), ltArgs, b.parent)
	if err != nil {
		return NodeGroup{}, err
	}

	subnets := b.args.PrivateSubnetIDs
	if g.SubnetIDs != nil {
		subnets = g.SubnetIDs
	}
	taints := awseks.NodeGroupTaintArray{}
	for _, t := range g.Taints {
		taints = append(taints, awseks.NodeGroupTaintArgs{Key: pulumi.String(t.Key), Value: pulumi.String(t.Value), Effect: pulumi.String(t.Effect)})
	}
	ngArgs := &awseks.NodeGroupArgs{
		ClusterName:         b.clusterName,
		NodeGroupNamePrefix: pulumi.String(g.Name + "-"), // a replacement gets a new name, so it can come up before the old one goes
		NodeRoleArn:         role.Arn,
		SubnetIds:           subnets,
		AmiType:             pulumi.String(AMIType),
		CapacityType:        pulumi.String(g.CapacityType),
		InstanceTypes:       pulumi.ToStringArray(g.InstanceTypes),
		ScalingConfig: awseks.NodeGroupScalingConfigArgs{
			MinSize:     pulumi.Int(g.MinSize),
			DesiredSize: pulumi.Int(g.DesiredSize),
			MaxSize:     pulumi.Int(g.MaxSize),
		},
		LaunchTemplate: &awseks.NodeGroupLaunchTemplateArgs{
			Id:      lt.ID(),
			Version: lt.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		Labels:       pulumi.ToStringMap(g.Labels),
		Taints:       taints,
		UpdateConfig: updateConfig(g),
		Tags:         pulumi.StringMap{"nodegroup": pulumi.String(g.Name)},
		// The control plane's version, from its output: on a bump Pulumi updates the control
		// plane, then the group (EKS refuses a group newer than its control plane, and the next
		// control-plane bump while any group is a version behind). terraform-provider-aws
		// (internal/service/eks/node_group.go) updates version and release_version together
		// through UpdateNodegroupVersion, a rolling replacement within maxUnavailable.
		Version: b.clusterVersion,
	}
	if b.args.AMIReleaseVersion != "" {
		// A planned AMI: nodes move to it only when config changes it, in the same rolling way.
		ngArgs.ReleaseVersion = pulumi.String(b.args.AMIReleaseVersion)
	}
	// The cluster autoscaler owns the desired size between min and max, except of a fixed-size
	// group (groupOptions).
	group, err := awseks.NewNodeGroup(b.ctx, n(""), ngArgs, groupOptions(b.parent, g, append(attachments, after...))...)
	if err != nil {
		return NodeGroup{}, err
	}
	asg := group.Resources.Index(pulumi.Int(0)).AutoscalingGroups().Index(pulumi.Int(0)).Name().Elem()
	return NodeGroup{Name: g.Name, Kind: g.Kind, Group: group, AsgName: asg}, nil
}

// LaunchedResourceTypes are what EC2 creates from a node group's launch template; each gets the
// stack's tags (the provider's default tags do not reach them).
var LaunchedResourceTypes = []string{"instance", "volume", "network-interface"}

// launchedTags are the tag specifications of a launch template: the stack's tags and the
// group's Name on everything EC2 launches from it.
func launchedTags(tags map[string]string, name string) ec2.LaunchTemplateTagSpecificationArray {
	out := ec2.LaunchTemplateTagSpecificationArray{}
	for _, t := range LaunchedResourceTypes {
		m := pulumi.StringMap{"Name": pulumi.String(name)}
		for k, v := range tags {
			m[k] = pulumi.String(v)
		}
		out = append(out, ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String(t), Tags: m})
	}
	return out
}

// updateConfig is how many of a group's nodes an update may take down at once: a third of a
// general or spot group, one node of a fixed-size group (a Cassandra rack), whose pods
// cass-operator's disruption budget lets go one at a time; EKS then launches at most two new
// nodes for the rack (the larger of two per AZ and maxUnavailable), the surge config keeps free
// in the rack's subnet (config.CassandraSubnetCapacity).
func updateConfig(g NodeGroupArgs) *awseks.NodeGroupUpdateConfigArgs {
	if g.FixedSize {
		return &awseks.NodeGroupUpdateConfigArgs{MaxUnavailable: pulumi.Int(1)}
	}
	return &awseks.NodeGroupUpdateConfigArgs{MaxUnavailablePercentage: pulumi.Int(33)}
}
