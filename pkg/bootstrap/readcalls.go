package bootstrap

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// The preview and drift roles are granted exactly the read calls the providers make for the
// resource types the stacks declare, from this table, instead of AWS's ReadOnlyAccess (which
// reads every S3 object, every secret value a resource policy allows, and decrypts with any key
// a key policy delegates to IAM).
//
// Each entry lists the IAM actions of the calls the pulumi-aws (terraform-provider-aws v5,
// internal/service/<service>/<resource>.go, the resource's Read function) provider makes to
// read one resource of the type: what `pulumi refresh` and `refresh --preview-only` (drift)
// call per resource, and what a preview reads when it refreshes. A type the table lacks fails
// TestReadCallsCoverEveryGraph with its name: add it here, with the calls of its Read.
//
// kubernetes:, random: and pulumi: types make no AWS call: the Kubernetes provider reaches
// the cluster through the EKS access entry (cluster.viewerRoleArns), whose token `aws eks
// get-token` presigns without any IAM permission; a StackReference reads the state bucket
// (StatePolicy).
var readCalls = map[string][]string{
	"pulumi:providers:aws": {"sts:GetCallerIdentity"}, // allowedAccountIds, account id

	"aws:acm/certificate:Certificate":                     {"acm:DescribeCertificate", "acm:ListTagsForCertificate"},
	"aws:acm/certificateValidation:CertificateValidation": {"acm:DescribeCertificate"},

	"aws:amp/workspace:Workspace":                           {"aps:DescribeWorkspace", "aps:DescribeLoggingConfiguration", "aps:ListTagsForResource"},
	"aws:amp/alertManagerDefinition:AlertManagerDefinition": {"aps:DescribeAlertManagerDefinition"},
	"aws:amp/ruleGroupNamespace:RuleGroupNamespace":         {"aps:DescribeRuleGroupsNamespace", "aps:ListTagsForResource"},

	"aws:backup/plan:Plan":                             {"backup:GetBackupPlan", "backup:ListTags"},
	"aws:backup/selection:Selection":                   {"backup:GetBackupSelection"},
	"aws:backup/vault:Vault":                           {"backup:DescribeBackupVault", "backup:ListTags"},
	"aws:backup/vaultNotifications:VaultNotifications": {"backup:GetBackupVaultNotifications"},

	"aws:budgets/budget:Budget": {"budgets:ViewBudget", "budgets:ListTagsForResource"},

	"aws:cloudwatch/logGroup:LogGroup":       {"logs:DescribeLogGroups", "logs:ListTagsForResource"},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},

	"aws:costexplorer/anomalyMonitor:AnomalyMonitor":           {"ce:GetAnomalyMonitors", "ce:ListTagsForResource"},
	"aws:costexplorer/anomalySubscription:AnomalySubscription": {"ce:GetAnomalySubscriptions", "ce:ListTagsForResource"},
	"aws:costexplorer/costAllocationTag:CostAllocationTag":     {"ce:ListCostAllocationTags"},

	"aws:ec2/customerGateway:CustomerGateway":           {"ec2:DescribeCustomerGateways"},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {"ec2:DescribeSecurityGroups"},
	"aws:ec2/eip:Eip":                                           {"ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute"},
	"aws:ec2/flowLog:FlowLog":                                   {"ec2:DescribeFlowLogs"},
	"aws:ec2/internetGateway:InternetGateway":                   {"ec2:DescribeInternetGateways"},
	"aws:ec2/launchTemplate:LaunchTemplate":                     {"ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"},
	"aws:ec2/natGateway:NatGateway":                             {"ec2:DescribeNatGateways"},
	"aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": {"ec2:DescribeVpcPeeringConnections"},
	"aws:ec2/route:Route":                                       {"ec2:DescribeRouteTables"},
	"aws:ec2/routeTable:RouteTable":                             {"ec2:DescribeRouteTables"},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":       {"ec2:DescribeRouteTables"},
	"aws:ec2/securityGroup:SecurityGroup":                       {"ec2:DescribeSecurityGroups"},
	"aws:ec2/subnet:Subnet":                                     {"ec2:DescribeSubnets"},
	// The VPC's read also finds its main route table, default security group and network ACL.
	"aws:ec2/vpc:Vpc": {"ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeRouteTables",
		"ec2:DescribeSecurityGroups", "ec2:DescribeNetworkAcls"},
	// A gateway endpoint's read resolves the service's prefix list.
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                           {"ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists"},
	"aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation": {"ec2:DescribeVpcEndpoints"},
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":                         {"ec2:DescribeVpcPeeringConnections"},
	"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":         {"ec2:DescribeVpcPeeringConnections"},
	"aws:ec2/vpnConnection:VpnConnection":                                       {"ec2:DescribeVpnConnections"},
	"aws:ec2/vpnGateway:VpnGateway":                                             {"ec2:DescribeVpnGateways"},
	"aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation":             {"ec2:DescribeRouteTables"},

	"aws:eks/addon:Addon":                                     {"eks:DescribeAddon"},
	"aws:eks/cluster:Cluster":                                 {"eks:DescribeCluster"},
	"aws:eks/nodeGroup:NodeGroup":                             {"eks:DescribeNodegroup"},
	"aws:eks/podIdentityAssociation:PodIdentityAssociation":   {"eks:DescribePodIdentityAssociation"},
	"aws:eks/accessEntry:AccessEntry":                         {"eks:DescribeAccessEntry"},
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {"eks:ListAssociatedAccessPolicies"},

	"aws:elasticache/replicationGroup:ReplicationGroup": {"elasticache:DescribeReplicationGroups", "elasticache:DescribeCacheClusters",
		"elasticache:ListTagsForResource"},
	"aws:elasticache/subnetGroup:SubnetGroup": {"elasticache:DescribeCacheSubnetGroups", "elasticache:ListTagsForResource"},

	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {"iam:GetOpenIDConnectProvider"},
	"aws:iam/role:Role":                                 {"iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"},
	"aws:iam/rolePolicy:RolePolicy":                     {"iam:GetRolePolicy"},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {"iam:ListAttachedRolePolicies"},

	"aws:kms/alias:Alias": {"kms:ListAliases"},
	"aws:kms/key:Key":     {"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"},

	"aws:lb/listener:Listener": {"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes",
		"elasticloadbalancing:DescribeTags"},
	"aws:lb/listenerCertificate:ListenerCertificate": {"elasticloadbalancing:DescribeListenerCertificates"},
	"aws:lb/loadBalancer:LoadBalancer": {"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
		"elasticloadbalancing:DescribeTags"},
	"aws:lb/targetGroup:TargetGroup": {"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
		"elasticloadbalancing:DescribeTags"},

	"aws:rds/cluster:Cluster":                             {"rds:DescribeDBClusters", "rds:DescribeGlobalClusters"},
	"aws:rds/eventSubscription:EventSubscription":         {"rds:DescribeEventSubscriptions", "rds:ListTagsForResource"},
	"aws:rds/clusterInstance:ClusterInstance":             {"rds:DescribeDBInstances", "rds:DescribeDBClusters"},
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": {"rds:DescribeDBClusterParameterGroups", "rds:DescribeDBClusterParameters", "rds:ListTagsForResource"},
	"aws:rds/globalCluster:GlobalCluster":                 {"rds:DescribeGlobalClusters"},
	"aws:rds/subnetGroup:SubnetGroup":                     {"rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"},

	"aws:route53/healthCheck:HealthCheck": {"route53:GetHealthCheck", "route53:ListTagsForResource"},
	"aws:route53/record:Record":           {"route53:GetHostedZone", "route53:ListResourceRecordSets"},

	// The bucket's read gathers every sub-configuration; none of these reads an object.
	"aws:s3/bucketV2:BucketV2": {"s3:ListBucket", "s3:GetBucketPolicy", "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketWebsite",
		"s3:GetBucketVersioning", "s3:GetAccelerateConfiguration", "s3:GetBucketRequestPayment", "s3:GetBucketLogging",
		"s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
		"s3:GetBucketObjectLockConfiguration", "s3:GetBucketTagging"},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {"s3:GetLifecycleConfiguration"},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {"s3:GetBucketOwnershipControls"},
	"aws:s3/bucketPolicy:BucketPolicy":                                                           {"s3:GetBucketPolicy"},
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     {"s3:GetBucketLogging"},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {"s3:GetBucketPublicAccessBlock"},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {"s3:GetEncryptionConfiguration"},
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               {"s3:GetBucketVersioning"},

	"aws:secretsmanager/secret:Secret": {"secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"},
	// Reading a version reads its value: only the drift role may (DriftPolicy), never a preview.
	"aws:secretsmanager/secretVersion:SecretVersion": {"secretsmanager:GetSecretValue"},

	"aws:sns/topic:Topic":                         {"sns:GetTopicAttributes", "sns:ListTagsForResource"},
	"aws:sns/topicPolicy:TopicPolicy":             {"sns:GetTopicAttributes"},
	"aws:sns/topicSubscription:TopicSubscription": {"sns:GetSubscriptionAttributes"},

	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   {"ec2:DescribeSecurityGroupRules"},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {"ec2:DescribeSecurityGroupRules"},

	"aws:wafv2/webAcl:WebAcl":                                         {"wafv2:GetWebACL", "wafv2:ListTagsForResource"},
	"aws:wafv2/webAclAssociation:WebAclAssociation":                   {"wafv2:GetWebACLForResource"},
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {"wafv2:GetLoggingConfiguration"},
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy":              {"logs:DescribeResourcePolicies"},
}

// invokeCalls are the data sources the program calls, in a preview as in an up.
var invokeCalls = map[string][]string{
	"aws:index/getCallerIdentity:getCallerIdentity":        {"sts:GetCallerIdentity"},
	"aws:index/getPartition:getPartition":                  nil, // answered from the provider's endpoints data
	"aws:index/getRegion:getRegion":                        nil, // the provider's own region
	"aws:index/getAvailabilityZones:getAvailabilityZones":  {"ec2:DescribeAvailabilityZones"},
	"aws:secretsmanager/getSecretVersion:getSecretVersion": {"secretsmanager:GetSecretValue"}, // up only: a preview shows a stand-in
}

// SecretValueReads are the read calls that return secret values: never the preview role's;
// the drift role's only on the stacks' own secrets (DriftPolicy).
var SecretValueReads = []string{"secretsmanager:GetSecretValue"}

// noAWSCalls are the type prefixes that call no AWS API (see readCalls).
var noAWSCalls = []string{"kubernetes:", "random:", "pulumi:pulumi:", "pulumi:providers:kubernetes", "pulumi:providers:random"}

// ReadCallsOf returns the read calls of a resource type, and false for a type the table does
// not know (add it to readCalls).
func ReadCallsOf(typ string) ([]string, bool) {
	if calls, ok := readCalls[typ]; ok {
		return calls, true
	}
	for _, p := range noAWSCalls {
		if strings.HasPrefix(typ, p) {
			return nil, true
		}
	}
	return nil, false
}

// Invokes lists the data sources the table knows, sorted.
func Invokes() []string {
	out := make([]string, 0, len(invokeCalls))
	for k := range invokeCalls {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// KnownTypes lists the resource types of the table, sorted.
func KnownTypes() []string {
	out := make([]string, 0, len(readCalls))
	for k := range readCalls {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadCalls returns the sorted, deduplicated read calls of the given resource types and of
// every data source the program calls, or an error naming each type the table lacks.
func ReadCalls(types []string) ([]string, error) {
	set := map[string]bool{}
	var missing []string
	for _, t := range types {
		calls, ok := ReadCallsOf(t)
		if !ok {
			missing = append(missing, t)
			continue
		}
		for _, c := range calls {
			set[c] = true
		}
	}
	for _, calls := range invokeCalls {
		for _, c := range calls {
			set[c] = true
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		missing = slices.Compact(missing)
		return nil, fmt.Errorf("no read calls known for %s: add each to readCalls in pkg/bootstrap/readcalls.go "+
			"with the IAM actions of its Read (terraform-provider-aws internal/service/<service>)", strings.Join(missing, ", "))
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, nil
}

// PreviewCalls are the read calls of ReadCalls a preview may make: without secret values.
func PreviewCalls(types []string) ([]string, error) {
	calls, err := ReadCalls(types)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(calls, func(c string) bool { return slices.Contains(SecretValueReads, c) }), nil
}

// GrantedTypes are the resource types the committed stacks declare (granted_types.txt, written
// from testdata/synth by `go test ./pkg/bootstrap -run TestGrantedTypes -update`): the preview
// and drift roles may read exactly these. The table above may know more (types being added);
// they are granted once a stack declares them.
func GrantedTypes() []string {
	var out []string
	for _, l := range strings.Split(grantedTypes, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	for _, typ := range ConfigDependentTypes {
		if !slices.Contains(out, typ) {
			out = append(out, typ)
		}
	}
	return out
}

// ConfigDependentTypes are granted whether or not a committed stack declares them yet: the
// bootstrap's own instructions add them. Its output asks for the preview and drift roles in
// cluster.viewerRoleArns, and the cluster component then declares an access entry and a policy association
// per role: without these, the first drift run after that change would fail on the new entries
// until bootstrap is run again.
var ConfigDependentTypes = []string{"aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"}

//go:embed granted_types.txt
var grantedTypes string
