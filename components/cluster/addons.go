package cluster

import (
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// PodIdentityTrust is the trust policy of a role that EKS Pod Identity hands to a service account.
func PodIdentityTrust() iampolicy.Document {
	return iampolicy.New(iampolicy.Allow("EKSPodIdentity", []string{"sts:AssumeRole", "sts:TagSession"}, nil).
		ForService("pods.eks.amazonaws.com"))
}

// PodIdentityRole declares an IAM role with one inline policy and hands it to one service
// account of the cluster through EKS Pod Identity. The role, its policy and the association all
// take name. clusterName must be the cluster's output (Cluster.Name), so that the association
// waits for the cluster. Workloads using the service account should depend on the association.
func PodIdentityRole(ctx *pulumi.Context, name string, clusterName pulumi.StringInput, namespace, serviceAccount, description string,
	policy pulumi.StringInput, opts ...pulumi.ResourceOption) (*iam.Role, *awseks.PodIdentityAssociation, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: pulumi.String(PodIdentityTrust().JSON()),
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	if _, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, opts...); err != nil {
		return nil, nil, err
	}
	assoc, err := awseks.NewPodIdentityAssociation(ctx, name, &awseks.PodIdentityAssociationArgs{
		ClusterName:    clusterName,
		Namespace:      pulumi.String(namespace),
		ServiceAccount: pulumi.String(serviceAccount),
		RoleArn:        role.Arn,
	}, opts...)
	return role, assoc, err
}

// addons installs the EKS add-ons pulumi-eks does not: coredns, the Pod Identity agent, and the
// EBS CSI driver with its own role (pulumi-eks owns vpc-cni and kube-proxy). They wait for the
// node groups, as their pods need nodes; the CSI driver also waits for the Pod Identity agent,
// which hands its controller credentials. It returns the add-ons every workload's pods need
// (coredns, the agent) and the CSI driver.
func (b *builder) addons(nodes []pulumi.Resource) ([]pulumi.Resource, *awseks.Addon, error) {
	addon := func(addonName string, extra *awseks.AddonArgs, after ...pulumi.Resource) (*awseks.Addon, error) {
		args := &awseks.AddonArgs{}
		if extra != nil {
			args = extra
		}
		args.ClusterName = b.clusterName
		args.AddonName = pulumi.String(addonName)
		args.ResolveConflictsOnCreate = pulumi.String("OVERWRITE")
		args.ResolveConflictsOnUpdate = pulumi.String("PRESERVE")
		return awseks.NewAddon(b.ctx, fmt.Sprintf("%s-addon-%s", b.name, addonName), args, b.parent,
			pulumi.DependsOn(append(append([]pulumi.Resource{}, nodes...), after...)))
	}
	var podAddons []pulumi.Resource
	for _, a := range []string{"coredns", "eks-pod-identity-agent"} {
		ad, err := addon(a, nil)
		if err != nil {
			return nil, nil, err
		}
		podAddons = append(podAddons, ad)
	}
	role, err := iam.NewRole(b.ctx, b.name+"-ebs-csi", &iam.RoleArgs{
		Description:      pulumi.String("EBS CSI driver of " + b.name),
		AssumeRolePolicy: pulumi.String(PodIdentityTrust().JSON()),
	}, b.parent)
	if err != nil {
		return nil, nil, err
	}
	if _, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-ebs-csi", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(b.args.Scope.ManagedPolicy("service-role/AmazonEBSCSIDriverPolicy")),
	}, b.parent); err != nil {
		return nil, nil, err
	}
	ebs, err := addon("aws-ebs-csi-driver", &awseks.AddonArgs{
		PodIdentityAssociations: awseks.AddonPodIdentityAssociationArray{awseks.AddonPodIdentityAssociationArgs{
			RoleArn:        role.Arn,
			ServiceAccount: pulumi.String("ebs-csi-controller-sa"),
		}},
	}, podAddons...)
	return podAddons, ebs, err
}
