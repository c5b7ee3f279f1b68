package synth

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Request constraints of the AWS APIs: what a create or update call refuses (ValidationError,
// InvalidParameterValue) whatever the provider's own validators let through. The mocks refuse
// a registration that breaks one, with the API's reason and the reference page, so synth fails
// where `pulumi up` would. Each constraint names the API reference page it was read from; the
// test in apiconstraints_test.go shows each is live: the committed graphs set the argument it
// checks, a value that breaks it is refused and the graph's own value is accepted.
//
// Only arguments the program sets are checked: a name the provider generates (autonaming)
// is generated within the API's limits, and a rule on an argument no stack sets would check
// nothing (the liveness test refuses it). Rules for arguments a stack starts to set are added
// with the change that sets them.

// constraint is one rule on an input of one resource type.
type constraint struct {
	typ string
	// path selects the values checked: keys separated by dots; `[]` after a key takes every
	// element of a list, `*` every value of a map, `~` every key of a map.
	path   string
	minLen int // characters; 0: no minimum
	maxLen int // characters; 0: no maximum
	// chars is every character allowed, as a regexp character class body.
	chars   string
	pattern *regexp.Regexp // the whole value must match
	enum    []string
	// min, max bound a number (NaN: unbounded).
	min, max float64
	// check is a rule a pattern cannot say; it returns what is wrong, or "". bad is a value
	// it refuses, for the test that shows the rule is live.
	check func(string) string
	bad   string
	ref   string // the AWS API reference page the constraint is from
}

var nan = math.NaN()

// Character sets and patterns several APIs share.
const (
	// sgChars: EC2 security group names, descriptions and rule descriptions (CreateSecurityGroup,
	// IpRange, SecurityGroupRuleRequest): "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*".
	sgChars = `a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*`
	// iamDescChars: IAM role descriptions, "[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*".
	iamDescChars = "\t\n\r\u0020-\u007E\u00A1-\u00FF"
)

// dbIdentifier: RDS and ElastiCache identifiers: a letter first, letters, digits and hyphens,
// no hyphen at the end and no two in a row.
var dbIdentifier = regexp.MustCompile(`^[A-Za-z](?:-?[A-Za-z0-9])*$`)

func s(typ, path string) constraint { return constraint{typ: typ, path: path, min: nan, max: nan} }

func (c constraint) length(minLen, maxLen int) constraint {
	c.minLen, c.maxLen = minLen, maxLen
	return c
}
func (c constraint) charset(chars string) constraint { c.chars = chars; return c }
func (c constraint) match(re string) constraint      { c.pattern = regexp.MustCompile(re); return c }
func (c constraint) oneOf(vs ...string) constraint   { c.enum = vs; return c }
func (c constraint) between(lo, hi float64) constraint {
	c.min, c.max = lo, hi
	return c
}
func (c constraint) rule(f func(string) string, bad string) constraint {
	c.check, c.bad = f, bad
	return c
}
func (c constraint) from(ref string) constraint { c.ref = ref; return c }

const (
	refEC2   = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/"
	refIAM   = "https://docs.aws.amazon.com/IAM/latest/APIReference/"
	refKMS   = "https://docs.aws.amazon.com/kms/latest/APIReference/"
	refRDS   = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"
	refEC    = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/"
	refCW    = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"
	refLogs  = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/"
	refELB   = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
	refR53   = "https://docs.aws.amazon.com/Route53/latest/APIReference/"
	refSM    = "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html"
	refEKS   = "https://docs.aws.amazon.com/eks/latest/APIReference/"
	refWAF   = "https://docs.aws.amazon.com/waf/latest/APIReference/"
	refBak   = "https://docs.aws.amazon.com/aws-backup/latest/devguide/"
	refTags  = "https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html"
	refS3    = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
	refSNS   = "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html"
	refACM   = "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html"
	refBud   = "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_Budget.html"
	refAMP   = "https://docs.aws.amazon.com/prometheus/latest/APIReference/"
	refIAMQ  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
	typeSG   = "aws:ec2/securityGroup:SecurityGroup"
	typeSGIn = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeSGEg = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

// retentionDays are the values PutRetentionPolicy accepts.
var retentionDays = []string{"1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731",
	"1096", "1827", "2192", "2557", "2922", "3288", "3653"}

// healthCheckRegions are the Route 53 health-checker regions (HealthCheckConfig.Regions).
var healthCheckRegions = []string{"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2",
	"ap-northeast-1", "sa-east-1"}

// constraints are every rule the mocks apply.
var constraints = []constraint{
	// EC2
	s(typeSG, "description").length(0, 255).charset(sgChars).from(refEC2 + "API_CreateSecurityGroup.html"),
	s(typeSGIn, "description").length(0, 255).charset(sgChars).from(refEC2 + "API_SecurityGroupRuleRequest.html"),
	s(typeSGEg, "description").length(0, 255).charset(sgChars).from(refEC2 + "API_SecurityGroupRuleRequest.html"),
	s(typeSGIn, "ipProtocol").rule(ipProtocol, "sctp-ish").from(refEC2 + "API_IpPermission.html"),
	s(typeSGIn, "fromPort").between(-1, 65535).from(refEC2 + "API_SecurityGroupRuleRequest.html"),
	s(typeSGIn, "toPort").between(-1, 65535).from(refEC2 + "API_SecurityGroupRuleRequest.html"),
	s("aws:ec2/vpc:Vpc", "cidrBlock").rule(prefixBetween(16, 28), "10.0.0.0/8").from(refEC2 + "API_CreateVpc.html"),
	s("aws:ec2/subnet:Subnet", "cidrBlock").rule(prefixBetween(16, 28), "10.0.0.0/29").from(refEC2 + "API_CreateSubnet.html"),
	s("aws:ec2/launchTemplate:LaunchTemplate", "metadataOptions.httpPutResponseHopLimit").between(1, 64).from(refEC2 + "API_LaunchTemplateInstanceMetadataOptionsRequest.html"),
	s("aws:ec2/launchTemplate:LaunchTemplate", "metadataOptions.httpTokens").oneOf("optional", "required").from(refEC2 + "API_LaunchTemplateInstanceMetadataOptionsRequest.html"),
	s("aws:ec2/launchTemplate:LaunchTemplate", "tagSpecifications[].resourceType").
		oneOf("instance", "volume", "network-interface", "spot-instances-request").from(refEC2 + "API_LaunchTemplateTagSpecificationRequest.html"),
	s("aws:ec2/customerGateway:CustomerGateway", "bgpAsn").rule(intBetween(1, 4294967294), "0").from(refEC2 + "API_CreateCustomerGateway.html"),
	s("aws:ec2/customerGateway:CustomerGateway", "type").oneOf("ipsec.1").from(refEC2 + "API_CreateCustomerGateway.html"),
	s("aws:ec2/vpnConnection:VpnConnection", "type").oneOf("ipsec.1").from(refEC2 + "API_CreateVpnConnection.html"),
	s("aws:ec2/vpnConnection:VpnConnection", "tunnel1InsideCidr").rule(tunnelInsideCIDR, "169.254.5.0/30").from(refEC2 + "API_VpnTunnelOptionsSpecification.html"),
	s("aws:ec2/vpnConnection:VpnConnection", "tunnel2InsideCidr").rule(tunnelInsideCIDR, "169.254.169.252/30").from(refEC2 + "API_VpnTunnelOptionsSpecification.html"),
	s("aws:ec2/flowLog:FlowLog", "trafficType").oneOf("ACCEPT", "REJECT", "ALL").from(refEC2 + "API_CreateFlowLogs.html"),
	s("aws:ec2/flowLog:FlowLog", "maxAggregationInterval").oneOf("60", "600").from(refEC2 + "API_CreateFlowLogs.html"),
	// Tags, on every resource that sets them: keys up to 128 characters, values up to 256, and
	// the aws: prefix is reserved.
	s("*", "tags.~").length(1, 128).rule(notPrefix("aws:"), "aws:environment").from(refTags),
	s("*", "tags.*").length(0, 256).from(refTags),

	// IAM
	s("aws:iam/role:Role", "description").length(0, 1000).charset(iamDescChars).from(refIAM + "API_CreateRole.html"),
	s("aws:iam/role:Role", "assumeRolePolicy").length(1, 2048).from(refIAMQ),
	s("aws:iam/rolePolicy:RolePolicy", "policy").length(1, 10240).from(refIAMQ),
	s("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "url").length(1, 255).match(`^https://`).from(refIAM + "API_CreateOpenIDConnectProvider.html"),

	// KMS
	s("aws:kms/key:Key", "description").length(0, 8192).from(refKMS + "API_CreateKey.html"),
	s("aws:kms/key:Key", "policy").length(1, 32768).from(refKMS + "API_CreateKey.html"),
	s("aws:kms/key:Key", "deletionWindowInDays").between(7, 30).from(refKMS + "API_ScheduleKeyDeletion.html"),
	s("aws:kms/alias:Alias", "name").length(1, 256).match(`^alias/[a-zA-Z0-9/_-]+$`).rule(notPrefix("alias/aws/"), "alias/aws/ebs").from(refKMS + "API_CreateAlias.html"),

	// S3

	// CloudWatch and CloudWatch Logs
	s("aws:cloudwatch/metricAlarm:MetricAlarm", "alarmDescription").length(0, 1024).from(refCW),
	s("aws:cloudwatch/metricAlarm:MetricAlarm", "period").rule(alarmPeriod, "90").from(refCW),
	s("aws:cloudwatch/metricAlarm:MetricAlarm", "evaluationPeriods").between(1, math.Inf(1)).from(refCW),
	s("aws:cloudwatch/metricAlarm:MetricAlarm", "statistic").oneOf("SampleCount", "Average", "Sum", "Minimum", "Maximum").from(refCW),
	s("aws:cloudwatch/metricAlarm:MetricAlarm", "treatMissingData").oneOf("breaching", "notBreaching", "ignore", "missing").from(refCW),
	s("aws:cloudwatch/metricAlarm:MetricAlarm", "comparisonOperator").oneOf("GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
		"LessThanThreshold", "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold",
		"GreaterThanUpperThreshold").from(refCW),
	s("aws:cloudwatch/logGroup:LogGroup", "namePrefix").length(1, 512-26).charset(`.\-_/#A-Za-z0-9`).from(refLogs + "API_CreateLogGroup.html"),
	s("aws:cloudwatch/logGroup:LogGroup", "retentionInDays").oneOf(retentionDays...).from(refLogs + "API_PutRetentionPolicy.html"),

	// SNS, Secrets Manager
	s("aws:sns/topicSubscription:TopicSubscription", "protocol").
		oneOf("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose").from("https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html"),
	s("aws:secretsmanager/secret:Secret", "name").length(1, 512).charset(`A-Za-z0-9/_+=.@\-`).from(refSM),
	s("aws:secretsmanager/secret:Secret", "description").length(0, 2048).from(refSM),
	s("aws:secretsmanager/secret:Secret", "recoveryWindowInDays").rule(recoveryWindow, "3").from("https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html"),

	// RDS
	s("aws:rds/cluster:Cluster", "clusterIdentifier").length(1, 63).pattern2(dbIdentifier).from(refRDS + "API_CreateDBCluster.html"),
	s("aws:rds/cluster:Cluster", "backupRetentionPeriod").between(1, 35).from(refRDS + "API_CreateDBCluster.html"),
	s("aws:rds/cluster:Cluster", "masterUsername").length(1, 16).match(`^[A-Za-z][A-Za-z0-9_]*$`).from(refRDS + "API_CreateDBCluster.html"),
	s("aws:rds/cluster:Cluster", "databaseName").length(1, 63).match(`^[A-Za-z][A-Za-z0-9_]*$`).from(refRDS + "API_CreateDBCluster.html"),
	s("aws:rds/cluster:Cluster", "preferredBackupWindow").rule(backupWindow, "03:00-03:15").from(refRDS + "API_CreateDBCluster.html"),
	s("aws:rds/clusterInstance:ClusterInstance", "identifier").length(1, 63).pattern2(dbIdentifier).from(refRDS + "API_CreateDBInstance.html"),
	s("aws:rds/clusterInstance:ClusterInstance", "promotionTier").between(0, 15).from(refRDS + "API_CreateDBInstance.html"),
	s("aws:rds/globalCluster:GlobalCluster", "globalClusterIdentifier").length(1, 63).pattern2(dbIdentifier).from(refRDS + "API_CreateGlobalCluster.html"),
	s("aws:rds/clusterParameterGroup:ClusterParameterGroup", "description").length(1, 0).from(refRDS + "API_CreateDBClusterParameterGroup.html"),
	s("aws:rds/subnetGroup:SubnetGroup", "description").length(1, 0).from(refRDS + "API_CreateDBSubnetGroup.html"),

	// ElastiCache
	s("aws:elasticache/replicationGroup:ReplicationGroup", "replicationGroupId").length(1, 40).pattern2(dbIdentifier).from(refEC + "API_CreateReplicationGroup.html"),
	s("aws:elasticache/replicationGroup:ReplicationGroup", "description").length(1, 0).from(refEC + "API_CreateReplicationGroup.html"),
	s("aws:elasticache/replicationGroup:ReplicationGroup", "numCacheClusters").between(1, 6).from(refEC + "API_CreateReplicationGroup.html"),
	s("aws:elasticache/replicationGroup:ReplicationGroup", "snapshotRetentionLimit").between(0, 35).from(refEC + "API_CreateReplicationGroup.html"),
	s("aws:elasticache/subnetGroup:SubnetGroup", "description").length(1, 0).from(refEC + "API_CreateCacheSubnetGroup.html"),

	// EKS. The provider appends a 26-character unique suffix to a name prefix.
	s("aws:eks/nodeGroup:NodeGroup", "nodeGroupNamePrefix").length(1, 63-26).match(`^[0-9A-Za-z][A-Za-z0-9\-_]*$`).from(refEKS + "API_CreateNodegroup.html"),
	s("aws:eks/nodeGroup:NodeGroup", "capacityType").oneOf("ON_DEMAND", "SPOT", "CAPACITY_BLOCK").from(refEKS + "API_CreateNodegroup.html"),
	s("aws:eks/nodeGroup:NodeGroup", "taints[].effect").oneOf("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE").from(refEKS + "API_Taint.html"),
	s("aws:eks/nodeGroup:NodeGroup", "scalingConfig.minSize").between(0, math.Inf(1)).from(refEKS + "API_NodegroupScalingConfig.html"),
	s("aws:eks/nodeGroup:NodeGroup", "scalingConfig.maxSize").between(1, math.Inf(1)).from(refEKS + "API_NodegroupScalingConfig.html"),
	s("aws:eks/addon:Addon", "resolveConflictsOnCreate").oneOf("NONE", "OVERWRITE").from(refEKS + "API_CreateAddon.html"),
	s("aws:eks/addon:Addon", "resolveConflictsOnUpdate").oneOf("NONE", "OVERWRITE", "PRESERVE").from(refEKS + "API_UpdateAddon.html"),

	// Elastic Load Balancing
	s("aws:lb/targetGroup:TargetGroup", "port").between(1, 65535).from(refELB + "API_CreateTargetGroup.html"),
	s("aws:lb/targetGroup:TargetGroup", "deregistrationDelay").between(0, 3600).from(refELB + "API_TargetGroupAttribute.html"),
	s("aws:lb/targetGroup:TargetGroup", "healthCheck.interval").between(5, 300).from(refELB + "API_CreateTargetGroup.html"),
	s("aws:lb/targetGroup:TargetGroup", "healthCheck.healthyThreshold").between(2, 10).from(refELB + "API_CreateTargetGroup.html"),
	s("aws:lb/targetGroup:TargetGroup", "healthCheck.unhealthyThreshold").between(2, 10).from(refELB + "API_CreateTargetGroup.html"),
	s("aws:lb/targetGroup:TargetGroup", "healthCheck.path").length(1, 1024).match(`^/`).from(refELB + "API_CreateTargetGroup.html"),
	s("aws:lb/listener:Listener", "port").between(1, 65535).from(refELB + "API_CreateListener.html"),
	s("aws:lb/listener:Listener", "protocol").oneOf("HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE").from(refELB + "API_CreateListener.html"),

	// Route 53, ACM
	s("aws:route53/healthCheck:HealthCheck", "requestInterval").oneOf("10", "30").from(refR53 + "API_HealthCheckConfig.html"),
	s("aws:route53/healthCheck:HealthCheck", "failureThreshold").between(1, 10).from(refR53 + "API_HealthCheckConfig.html"),
	s("aws:route53/healthCheck:HealthCheck", "regions[]").oneOf(healthCheckRegions...).from(refR53 + "API_HealthCheckConfig.html"),
	s("aws:route53/healthCheck:HealthCheck", "resourcePath").length(0, 255).from(refR53 + "API_HealthCheckConfig.html"),
	s("aws:route53/healthCheck:HealthCheck", "fqdn").length(0, 255).from(refR53 + "API_HealthCheckConfig.html"),
	s("aws:route53/record:Record", "setIdentifier").length(1, 128).from(refR53 + "API_ResourceRecordSet.html"),
	s("aws:route53/record:Record", "ttl").between(0, 2147483647).from(refR53 + "API_ResourceRecordSet.html"),
	s("aws:acm/certificate:Certificate", "domainName").length(1, 253).rule(dnsName, "api_-x.example.com").from(refACM),
	s("aws:acm/certificate:Certificate", "subjectAlternativeNames[]").length(1, 253).rule(dnsName, "-api.example.com").from(refACM),
	s("aws:acm/certificate:Certificate", "keyAlgorithm").oneOf("RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1").from(refACM),

	// Budgets, Backup, Managed Prometheus, WAF
	s("aws:budgets/budget:Budget", "name").length(1, 100).match(`^[^:\\]+$`).from(refBud),
	s("aws:budgets/budget:Budget", "timeUnit").oneOf("DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY", "CUSTOM").from(refBud),
	s("aws:backup/vault:Vault", "name").length(2, 50).charset(`a-zA-Z0-9\-_`).from(refBak + "API_CreateBackupVault.html"),
	s("aws:backup/vaultNotifications:VaultNotifications", "backupVaultEvents[]").
		oneOf("BACKUP_JOB_STARTED", "BACKUP_JOB_COMPLETED", "COPY_JOB_STARTED", "COPY_JOB_SUCCESSFUL", "COPY_JOB_FAILED",
			"RESTORE_JOB_STARTED", "RESTORE_JOB_COMPLETED", "RECOVERY_POINT_MODIFIED", "S3_BACKUP_OBJECT_FAILED", "S3_RESTORE_OBJECT_FAILED").
		from(refBak + "API_PutBackupVaultNotifications.html"),
	s("aws:backup/plan:Plan", "rules[].ruleName").length(1, 50).charset(`a-zA-Z0-9\-_.`).from(refBak + "API_BackupRuleInput.html"),
	s("aws:amp/workspace:Workspace", "alias").length(1, 100).from(refAMP + "API_CreateWorkspace.html"),
	s("aws:amp/ruleGroupNamespace:RuleGroupNamespace", "name").length(1, 64).match(`^[0-9A-Za-z][-.0-9A-Z_a-z]*$`).from(refAMP + "API_CreateRuleGroupsNamespace.html"),
	s("aws:wafv2/webAcl:WebAcl", "scope").oneOf("REGIONAL", "CLOUDFRONT").from(refWAF + "API_CreateWebACL.html"),
	s("aws:wafv2/webAcl:WebAcl", "rules[].name").length(1, 128).match(`^[\w\-]+$`).from(refWAF + "API_Rule.html"),
	s("aws:wafv2/webAcl:WebAcl", "rules[].visibilityConfig.metricName").length(1, 255).match(`^[\w#:\.\-/]+$`).from(refWAF + "API_VisibilityConfig.html"),
	s("aws:wafv2/webAcl:WebAcl", "visibilityConfig.metricName").length(1, 255).match(`^[\w#:\.\-/]+$`).from(refWAF + "API_VisibilityConfig.html"),
	s("aws:wafv2/webAcl:WebAcl", "rules[].statement.rateBasedStatement.limit").between(10, 2000000000).from(refWAF + "API_RateBasedStatement.html"),
	s("aws:wafv2/webAcl:WebAcl", "rules[].statement.rateBasedStatement.evaluationWindowSec").oneOf("60", "120", "300", "600").from(refWAF + "API_RateBasedStatement.html"),
	s("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "logDestinationConfigs[]").rule(wafLogDestination, "arn:aws:logs:us-east-1:111122223333:log-group:waf").from(refWAF + "API_LoggingConfiguration.html"),
	s("aws:ec2/vpcEndpoint:VpcEndpoint", "vpcEndpointType").oneOf("Gateway", "Interface", "GatewayLoadBalancer").from(refEC2 + "API_CreateVpcEndpoint.html"),
}

// pattern2 takes a compiled pattern.
func (c constraint) pattern2(re *regexp.Regexp) constraint { c.pattern = re; return c }

// checkConstraints applies every constraint of reg's type to its inputs.
func checkConstraints(reg registration) error {
	for _, c := range constraints {
		if c.typ != reg.typ && (c.typ != "*" || !strings.HasPrefix(reg.typ, "aws:")) {
			continue
		}
		for _, v := range values(reg.inputs, strings.Split(c.path, ".")) {
			if why := c.refuse(v); why != "" {
				return fmt.Errorf("%s %s: %s %q: %s (AWS refuses it: %s)", reg.typ, reg.name, c.path, v, why, c.ref)
			}
		}
	}
	return nil
}

// refuse says what is wrong with v, or "".
func (c constraint) refuse(v string) string {
	n := len([]rune(v))
	switch {
	case c.minLen > 0 && n < c.minLen:
		return fmt.Sprintf("%d characters, the minimum is %d", n, c.minLen)
	case c.maxLen > 0 && n > c.maxLen:
		return fmt.Sprintf("%d characters, the maximum is %d", n, c.maxLen)
	}
	if c.chars != "" {
		re := regexp.MustCompile(`[^` + c.chars + `]`)
		if bad := re.FindAllString(v, -1); len(bad) > 0 {
			return fmt.Sprintf("characters %q are not allowed (allowed: %s)", strings.Join(slices.Compact(bad), ""), c.chars)
		}
	}
	if c.pattern != nil && !c.pattern.MatchString(v) {
		return "does not match " + c.pattern.String()
	}
	if len(c.enum) > 0 && !slices.Contains(c.enum, v) {
		return "not one of " + strings.Join(c.enum, ", ")
	}
	if !math.IsNaN(c.min) || !math.IsNaN(c.max) {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return "not a number"
		}
		if (!math.IsNaN(c.min) && f < c.min) || (!math.IsNaN(c.max) && f > c.max) {
			return fmt.Sprintf("out of range %v..%v", c.min, c.max)
		}
	}
	if c.check != nil {
		return c.check(v)
	}
	return ""
}

// values returns the string form of every value at path in m (numbers and bools formatted as
// the API would receive them); unknown and absent values give nothing.
func values(m resource.PropertyMap, path []string) []string {
	if len(path) == 0 || m == nil {
		return nil
	}
	key, rest := path[0], path[1:]
	switch key {
	case "*", "~":
		var out []string
		for k, v := range m {
			if key == "~" {
				out = append(out, string(k))
				continue
			}
			out = append(out, leafValues(v, rest)...)
		}
		return out
	}
	each := strings.HasSuffix(key, "[]")
	v, ok := m[resource.PropertyKey(strings.TrimSuffix(key, "[]"))]
	if !ok {
		return nil
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if each {
		if !v.IsArray() {
			return nil
		}
		var out []string
		for _, e := range v.ArrayValue() {
			out = append(out, leafValues(e, rest)...)
		}
		return out
	}
	return leafValues(v, rest)
}

// leafValues is values below v.
func leafValues(v resource.PropertyValue, rest []string) []string {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if len(rest) > 0 {
		if !v.IsObject() {
			return nil
		}
		return values(v.ObjectValue(), rest)
	}
	switch {
	case v.IsString():
		return []string{v.StringValue()}
	case v.IsNumber():
		return []string{strconv.FormatFloat(v.NumberValue(), 'f', -1, 64)}
	case v.IsBool():
		return []string{strconv.FormatBool(v.BoolValue())}
	}
	return nil
}

func notPrefix(p string) func(string) string {
	return func(v string) string {
		if strings.HasPrefix(strings.ToLower(v), p) {
			return "may not start with " + p
		}
		return ""
	}
}

func intBetween(lo, hi int64) func(string) string {
	return func(v string) string {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < lo || n > hi {
			return fmt.Sprintf("want an integer %d..%d", lo, hi)
		}
		return ""
	}
}

// prefixBetween: a CIDR block whose prefix length is within lo..hi.
func prefixBetween(lo, hi int) func(string) string {
	return func(v string) string {
		_, bits, ok := strings.Cut(v, "/")
		n, err := strconv.Atoi(bits)
		if !ok || err != nil || n < lo || n > hi {
			return fmt.Sprintf("want a CIDR block between /%d and /%d", lo, hi)
		}
		return ""
	}
}

// tunnelInsideCIDR: a /30 of 169.254.0.0/16 other than the ones AWS reserves
// (VpnTunnelOptionsSpecification.TunnelInsideCidr; terraform-provider-aws
// validVPNConnectionTunnelInsideCIDR lists the same).
func tunnelInsideCIDR(v string) string {
	p, err := netip.ParsePrefix(v)
	if err != nil || p.Bits() != 30 || p.Masked() != p || !netip.MustParsePrefix("169.254.0.0/16").Contains(p.Addr()) {
		return "want a /30 inside 169.254.0.0/16"
	}
	for _, r := range []string{"169.254.0.0/30", "169.254.1.0/30", "169.254.2.0/30", "169.254.3.0/30", "169.254.4.0/30", "169.254.5.0/30", "169.254.169.252/30"} {
		if v == r {
			return "reserved by AWS"
		}
	}
	return ""
}

// alarmPeriod: "Valid values are 10, 20, 30, and any multiple of 60."
func alarmPeriod(v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || n < 10 || (n != 10 && n != 20 && n != 30 && n%60 != 0) {
		return "want 10, 20, 30 or a multiple of 60"
	}
	return ""
}

// recoveryWindow: 0 (the provider's "delete now") or 7-30 days.
func recoveryWindow(v string) string {
	n, err := strconv.Atoi(v)
	if err != nil || (n != 0 && (n < 7 || n > 30)) {
		return "want 0 or 7..30"
	}
	return ""
}

// backupWindow: "hh24:mi-hh24:mi" in UTC, at least 30 minutes.
func backupWindow(v string) string {
	var h1, m1, h2, m2 int
	if n, err := fmt.Sscanf(v, "%02d:%02d-%02d:%02d", &h1, &m1, &h2, &m2); err != nil || n != 4 || h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 {
		return "want hh24:mi-hh24:mi"
	}
	d := (h2*60 + m2 - h1*60 - m1 + 24*60) % (24 * 60)
	if d < 30 {
		return "shorter than 30 minutes"
	}
	return ""
}

// dnsName: labels of letters, digits and hyphens (not at either end), at most 63 each, an
// optional leading wildcard, at least two labels.
func dnsName(v string) string {
	labels := strings.Split(strings.TrimPrefix(v, "*."), ".")
	label := regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	if len(labels) < 2 {
		return "not a fully qualified domain name"
	}
	for _, l := range labels {
		if !label.MatchString(l) {
			return fmt.Sprintf("label %q is not a DNS label", l)
		}
	}
	return ""
}

// wafLogDestination: a CloudWatch Logs destination's log group name must start with
// aws-waf-logs-.
func wafLogDestination(v string) string {
	if strings.HasPrefix(v, "arn:") && strings.Contains(v, ":log-group:") && !strings.Contains(v, ":log-group:aws-waf-logs-") {
		return "a log group for WAF logs must be named aws-waf-logs-..."
	}
	return ""
}

// ipProtocol: a protocol name (tcp, udp, icmp, icmpv6), -1 for all, or a protocol number 0-255
// (IpPermission.IpProtocol).
func ipProtocol(v string) string {
	switch v {
	case "tcp", "udp", "icmp", "icmpv6", "-1":
		return ""
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 255 {
		return ""
	}
	return "want tcp, udp, icmp, icmpv6, -1 or a protocol number 0-255"
}
