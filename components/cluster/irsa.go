package cluster

import (
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// IRSATrust is the trust policy of a role that one service account of a cluster assumes with its
// projected token (IAM roles for service accounts): the cluster's OIDC provider, the audience
// sts.amazonaws.com, and the exact subject system:serviceaccount:<namespace>:<name>. IRSA is
// for clients whose AWS SDK may not know EKS Pod Identity (Prometheus' and Grafana's SigV4).
func IRSATrust(providerArn, namespace, serviceAccount string) iampolicy.Document {
	issuer := IssuerOf(providerArn)
	return iampolicy.New(iampolicy.Statement{
		Sid:       "ServiceAccount",
		Effect:    "Allow",
		Principal: map[string][]string{"Federated": {providerArn}},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
	}.When("StringEquals", issuer+":aud", "sts.amazonaws.com").
		When("StringEquals", issuer+":sub", "system:serviceaccount:"+namespace+":"+serviceAccount))
}

// IssuerOf is the issuer host and path of an OIDC provider ARN
// (arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>), the prefix
// of its condition keys.
func IssuerOf(providerArn string) string {
	_, issuer, _ := strings.Cut(providerArn, ":oidc-provider/")
	return issuer
}

// IRSARole declares a role with one inline policy that a service account assumes through the
// cluster's OIDC provider. providerArn must be the cluster's output so that the role waits for
// the provider.
func IRSARole(ctx *pulumi.Context, name string, providerArn pulumi.StringInput, namespace, serviceAccount, description string,
	policy pulumi.StringInput, opts ...pulumi.ResourceOption) (*iam.Role, *iam.RolePolicy, error) {
	trust := providerArn.ToStringOutput().ApplyT(func(arn string) string {
		return IRSATrust(arn, namespace, serviceAccount).JSON()
	}).(pulumi.StringOutput)
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		Description:      pulumi.String(description),
		AssumeRolePolicy: trust,
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	rp, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{Role: role.Name, Policy: policy}, opts...)
	return role, rp, err
}
