package cluster

import (
	"fmt"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// PodIdentityTrust is the trust policy of a role that EKS Pod Identity hands to one service
// account: the Pod Identity service of this account, for that service account in its namespace
// of one cluster only. The session tags Pod Identity sets on every AssumeRole (eks-cluster-name,
// kubernetes-namespace, kubernetes-service-account) are the conditions, as the EKS user guide
// documents: an association made for another cluster, namespace or service account cannot hand
// the role out.
func PodIdentityTrust(accountID, cluster, namespace, serviceAccount string) iampolicy.Document {
	return iampolicy.New(iampolicy.Allow("EKSPodIdentity", []string{"sts:AssumeRole", "sts:TagSession"}, nil).
		ForService("pods.eks.amazonaws.com").
		When("StringEquals", "aws:SourceAccount", accountID).
		When("StringEquals", "aws:RequestTag/eks-cluster-name", cluster).
		When("StringEquals", "aws:RequestTag/kubernetes-namespace", namespace).
		When("StringEquals", "aws:RequestTag/kubernetes-service-account", serviceAccount))
}

// podIdentityTrust is PodIdentityTrust for a cluster whose name is an output.
func podIdentityTrust(accountID string, cluster pulumi.StringInput, namespace, serviceAccount string) pulumi.StringOutput {
	return cluster.ToStringOutput().ApplyT(func(c string) string {
		return PodIdentityTrust(accountID, c, namespace, serviceAccount).JSON()
	}).(pulumi.StringOutput)
}

// PodIdentityRole declares an IAM role with one inline policy and hands it to one service
// account of the cluster through EKS Pod Identity. The role, its policy and the association all
// take name. clusterName must be the cluster's output (Cluster.Name), so that the association
// waits for the cluster; accountID is the account the cluster is in. Workloads using the
// service account should depend on the association.
func PodIdentityRole(ctx *pulumi.Context, name, accountID string, clusterName pulumi.StringInput, namespace, serviceAccount, description string,
	policy pulumi.StringInput, opts ...pulumi.ResourceOption) (*iam.Role, *awseks.PodIdentityAssociation, error) {
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: podIdentityTrust(accountID, clusterName, namespace, serviceAccount),
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

// EBSCSIServiceAccount is the EBS CSI driver's controller service account (kube-system).
const EBSCSIServiceAccount = "ebs-csi-controller-sa"

// addons installs the EKS add-ons pulumi-eks does not: coredns, the Pod Identity agent, and the
// EBS CSI driver with its own role (pulumi-eks owns vpc-cni and kube-proxy), each at its pinned
// version. They wait for the general node groups (nodes is those only), as their pods need
// nodes, and for the control plane (their cluster name is its output), so on an upgrade they
// move after it; the CSI driver also waits for the Pod Identity agent, which hands its
// controller credentials, and for its role's policy (the add-on references only the role, and
// the controller calls EC2 as soon as it starts). It returns the add-ons every workload's pods need
// (coredns, the agent) and the CSI driver.
func (b *builder) addons(nodes []pulumi.Resource) ([]pulumi.Resource, *awseks.Addon, error) {
	addon := func(addonName string, extra *awseks.AddonArgs, after ...pulumi.Resource) (*awseks.Addon, error) {
		args := &awseks.AddonArgs{}
		if extra != nil {
			args = extra
		}
		args.ClusterName = b.clusterName
		args.AddonName = pulumi.String(addonName)
		args.AddonVersion = pulumi.String(b.args.AddonVersions[addonName])
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
		AssumeRolePolicy: podIdentityTrust(b.args.Scope.AccountID, b.clusterName, "kube-system", EBSCSIServiceAccount),
	}, b.parent)
	if err != nil {
		return nil, nil, err
	}
	attach, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-ebs-csi", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(b.args.Scope.ManagedPolicy("service-role/AmazonEBSCSIDriverPolicy")),
	}, b.parent)
	if err != nil {
		return nil, nil, err
	}
	ebs, err := addon("aws-ebs-csi-driver", &awseks.AddonArgs{
		PodIdentityAssociations: awseks.AddonPodIdentityAssociationArray{awseks.AddonPodIdentityAssociationArgs{
			RoleArn:        role.Arn,
			ServiceAccount: pulumi.String(EBSCSIServiceAccount),
		}},
	}, append([]pulumi.Resource{attach}, podAddons...)...)
	return podAddons, ebs, err
}
