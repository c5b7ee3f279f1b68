// Package scope is where a component's resources live: the AWS partition, account and region of
// the provider that declares them, and whether the stack protects its stateful resources. Every
// ARN a component writes is built here from the partition the provider reports, so no component
// assumes the commercial partition ("arn:aws:") or repeats the account and region in its Args.
package scope

import "strings"

// Scope is handed to every component in its Args. The program reads Partition and AccountID
// from the provider (aws.GetPartition, aws.GetCallerIdentity) once per stack.
type Scope struct {
	Partition string // aws, aws-cn or aws-us-gov
	AccountID string // the account the provider's credentials act in
	Region    string // the provider's region, e.g. us-east-1
	// Protect protects stateful resources (keys, logs, databases, buckets) from `pulumi destroy`
	// and turns on the services' own deletion protection where they have one.
	Protect bool
}

// ARN is the ARN of a regional resource of this account: arn:<partition>:<service>:<region>:<account>:<resource>.
func (s Scope) ARN(service, resource string) string {
	return strings.Join([]string{"arn", s.Partition, service, s.Region, s.AccountID, resource}, ":")
}

// GlobalARN is the ARN of a resource of a global service of this account (no region):
// arn:<partition>:<service>::<account>:<resource>, e.g. budgets, IAM roles.
func (s Scope) GlobalARN(service, resource string) string {
	return strings.Join([]string{"arn", s.Partition, service, "", s.AccountID, resource}, ":")
}

// AccountRoot is the ARN of an account's root principal in this partition, which delegates to
// IAM policies. account may be another account (e.g. the regional ELB log-delivery account).
func (s Scope) AccountRoot(account string) string {
	return "arn:" + s.Partition + ":iam::" + account + ":root"
}

// ManagedPolicy is the ARN of an AWS managed IAM policy, e.g. "AmazonEKSWorkerNodePolicy" or
// "service-role/AWSBackupServiceRolePolicyForBackup".
func (s Scope) ManagedPolicy(name string) string {
	return "arn:" + s.Partition + ":iam::aws:policy/" + name
}

// EKSAccessPolicy is the ARN of an EKS access policy, e.g. "AmazonEKSClusterAdminPolicy".
func (s Scope) EKSAccessPolicy(name string) string {
	return "arn:" + s.Partition + ":eks::aws:cluster-access-policy/" + name
}
