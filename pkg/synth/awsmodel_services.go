package synth

import (
	"fmt"
	"strings"
)

// serviceModels answer every other modelled type: logs, IAM, KMS, SNS, EKS, load balancing, ACM,
// Route 53, S3, RDS, ElastiCache, Secrets Manager and Backup.
var serviceModels = map[string]modelFunc{
	"aws:cloudwatch/logGroup:LogGroup": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = n
		r.set("arn", arn("logs", r.region, "log-group:"+n))
		return id
	},
	// Amazon Managed Service for Prometheus: a workspace id is ws- and a UUID; its endpoint is
	// the regional aps-workspaces host, what remote write and queries append their paths to.
	"aws:amp/workspace:Workspace": func(m *awsModel, r *created) (id string) {
		id = "ws-" + uuidOf("aps"+r.urn)
		r.set("arn", arn("aps", r.region, "workspace/"+id))
		r.set("prometheusEndpoint", fmt.Sprintf("https://aps-workspaces.%s.amazonaws.com/workspaces/%s/", r.region, id))
		return id
	},
	"aws:amp/ruleGroupNamespace:RuleGroupNamespace": func(m *awsModel, r *created) (id string) {
		id = arn("aps", r.region, "rulegroupsnamespace/"+str(r.inputs, "workspaceId")+"/"+str(r.inputs, "name"))
		r.set("arn", id)
		return id
	},
	"aws:amp/alertManagerDefinition:AlertManagerDefinition": func(m *awsModel, r *created) (id string) {
		return str(r.inputs, "workspaceId")
	},
	"aws:cloudwatch/metricAlarm:MetricAlarm": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = n
		r.set("arn", arn("cloudwatch", r.region, "alarm:"+n))
		return id
	},
	"aws:iam/role:Role": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = n
		r.set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, n))
		r.set("uniqueId", "AROA"+strings.ToUpper(hexOf("role"+r.urn, 17)))
		return id
	},
	"aws:iam/rolePolicy:RolePolicy": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = str(r.inputs, "role") + ":" + n
		return id
	},
	"aws:kms/key:Key": func(m *awsModel, r *created) (id string) {
		id = uuidOf(r.urn)
		r.set("keyId", id)
		r.set("arn", arn("kms", r.region, "key/"+id))
		r.set("keyUsage", "ENCRYPT_DECRYPT")
		r.set("customerMasterKeySpec", "SYMMETRIC_DEFAULT")
		return id
	},
	"aws:kms/alias:Alias": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "name")
		r.set("arn", arn("kms", r.region, id))
		r.set("targetKeyArn", arn("kms", r.region, "key/"+str(r.inputs, "targetKeyId")))
		return id
	},
	"aws:sns/topic:Topic": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = arn("sns", r.region, n)
		r.set("arn", id)
		r.set("owner", Account)
		return id
	},
	"aws:sns/topicPolicy:TopicPolicy": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "arn")
		r.set("owner", Account)
		return id
	},
	"aws:sns/topicSubscription:TopicSubscription": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "topic") + ":" + uuidOf(r.urn)
		r.set("arn", id)
		r.set("pendingConfirmation", str(r.inputs, "protocol") == "email")
		return id
	},
	"aws:eks/cluster:Cluster": func(m *awsModel, r *created) (id string) {
		id = r.ensureName()
		host := strings.ToUpper(hexOf("eks"+r.urn, 32))
		r.set("arn", arn("eks", r.region, "cluster/"+id))
		r.set("endpoint", fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", host, r.region))
		r.set("certificateAuthority", map[string]any{"data": mockCertificate(r.region)})
		r.set("vpcConfig", map[string]any{"clusterSecurityGroupId": "sg-0" + hexOf("eks-cluster-sg"+r.urn, 16)})
		r.set("status", "ACTIVE")
		return id
	},
	"aws:eks/nodeGroup:NodeGroup": func(m *awsModel, r *created) (id string) {
		ng := str(r.inputs, "nodeGroupName")
		if ng == "" {
			ng = str(r.inputs, "nodeGroupNamePrefix") + hexOf("ng"+r.urn, 26)
			r.set("nodeGroupName", ng)
		}
		id = str(r.inputs, "clusterName") + ":" + ng
		r.set("arn", arn("eks", r.region, fmt.Sprintf("nodegroup/%s/%s/%s", str(r.inputs, "clusterName"), ng, uuidOf(r.urn))))
		r.set("resources", []any{map[string]any{
			"autoscalingGroups":           []any{map[string]any{"name": "eks-" + ng + "-" + uuidOf("asg"+r.urn)}},
			"remoteAccessSecurityGroupId": "",
		}})
		r.set("status", "ACTIVE")
		return id
	},
	"aws:eks/addon:Addon": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "clusterName") + ":" + str(r.inputs, "addonName")
		r.set("arn", arn("eks", r.region, fmt.Sprintf("addon/%s/%s/%s", str(r.inputs, "clusterName"), str(r.inputs, "addonName"), uuidOf(r.urn))))
		r.set("addonVersion", "v1.0.0-eksbuild.1")
		return id
	},
	"aws:eks/podIdentityAssociation:PodIdentityAssociation": func(m *awsModel, r *created) (id string) {
		id = "a-" + hexOf(r.urn, 17)
		r.set("associationId", id)
		r.set("associationArn", arn("eks", r.region, fmt.Sprintf("podidentityassociation/%s/%s", str(r.inputs, "clusterName"), id)))
		return id
	},
	"aws:lb/loadBalancer:LoadBalancer": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = arn("elasticloadbalancing", r.region, fmt.Sprintf("loadbalancer/app/%s/%s", n, hexOf("lb"+r.urn, 16)))
		r.set("arn", id)
		r.set("arnSuffix", strings.SplitN(id, ":loadbalancer/", 2)[1])
		r.set("dnsName", fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", n, 1000000000+int(hexOf("dns"+r.urn, 7)[0])*1000, r.region))
		r.set("zoneId", "Z"+strings.ToUpper(hexOf("elbzone"+r.region, 13)))
		return id
	},
	"aws:lb/targetGroup:TargetGroup": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = arn("elasticloadbalancing", r.region, fmt.Sprintf("targetgroup/%s/%s", n, hexOf("tg"+r.urn, 16)))
		r.set("arn", id)
		r.set("arnSuffix", strings.SplitN(id, ":", 6)[5])
		return id
	},
	"aws:lb/listener:Listener": func(m *awsModel, r *created) (id string) {
		id = arn("elasticloadbalancing", r.region, "listener/app/"+hexOf("listener"+r.urn, 16))
		r.set("arn", id)
		return id
	},
	"aws:acm/certificate:Certificate": func(m *awsModel, r *created) (id string) {
		id = arn("acm", r.region, "certificate/"+uuidOf(r.urn))
		r.set("arn", id)
		// One validation CNAME per name of the certificate. ACM derives it from the name and
		// the account only: every certificate for a name in one account, in any region, asks
		// for the same record (hashicorp/terraform-provider-aws#13653), so one record
		// validates them all, and two stacks that each declare it delete it for each other.
		var options []any
		for _, domain := range certificateNames(r.inputs) {
			options = append(options, map[string]any{
				"domainName":          domain,
				"resourceRecordName":  "_" + hexOf("acm"+Account+domain, 32) + "." + domain + ".",
				"resourceRecordType":  "CNAME",
				"resourceRecordValue": "_" + hexOf("acmv"+Account+domain, 32) + ".acm-validations.aws.",
			})
		}
		r.set("domainValidationOptions", options)
		r.set("status", "PENDING_VALIDATION")
		return id
	},
	"aws:acm/certificateValidation:CertificateValidation": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "certificateArn")
		return id
	},
	"aws:route53/record:Record": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "zoneId") + "_" + str(r.inputs, "name") + "_" + str(r.inputs, "type")
		r.set("fqdn", strings.TrimSuffix(str(r.inputs, "name"), "."))
		return id
	},
	"aws:s3/bucketV2:BucketV2": func(m *awsModel, r *created) (id string) {
		b := str(r.inputs, "bucket")
		if b == "" {
			b = strings.ToLower(autoName(r.name, r.urn))
			r.set("bucket", b)
		}
		id = b
		r.set("arn", "arn:aws:s3:::"+b)
		r.set("bucketDomainName", b+".s3.amazonaws.com")
		r.set("bucketRegionalDomainName", b+".s3."+r.region+".amazonaws.com")
		r.set("region", r.region)
		return id
	},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     bucketSetting,
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     bucketSetting,
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": bucketSetting,
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       bucketSetting,
	"aws:s3/bucketPolicy:BucketPolicy":                                                           bucketSetting,
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               bucketSetting,
	"aws:s3/bucketReplicationConfig:BucketReplicationConfig":                                     bucketSetting,
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": func(m *awsModel, r *created) (id string) {
		id = fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", Account, strings.TrimPrefix(str(r.inputs, "url"), "https://"))
		r.set("arn", id)
		return id
	},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "role") + "-" + hexOf(r.urn, 20)
		return id
	},
	"aws:rds/globalCluster:GlobalCluster": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "globalClusterIdentifier")
		r.set("arn", fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", Account, id))
		r.set("globalClusterResourceId", "cluster-"+strings.ToUpper(hexOf("gcr"+r.urn, 26)))
		// The global writer endpoint: AWS points it at the current primary's writer.
		r.set("endpoint", fmt.Sprintf("%s.global-%s.global.rds.amazonaws.com", id, hexOf("global"+Account, 12)))
		return id
	},
	"aws:rds/cluster:Cluster": func(m *awsModel, r *created) (id string) {
		id = strings.ToLower(r.ensureNamed("clusterIdentifier"))
		host := hexOf("host"+Account+r.region, 12)
		r.set("arn", arn("rds", r.region, "cluster:"+id))
		r.set("endpoint", fmt.Sprintf("%s.cluster-%s.%s.rds.amazonaws.com", id, host, r.region))
		r.set("readerEndpoint", fmt.Sprintf("%s.cluster-ro-%s.%s.rds.amazonaws.com", id, host, r.region))
		r.set("clusterResourceId", "cluster-"+strings.ToUpper(hexOf("cr"+r.urn, 26)))
		r.set("hostedZoneId", "Z"+strings.ToUpper(hexOf("zone"+r.region, 13)))
		return id
	},
	"aws:rds/clusterInstance:ClusterInstance": func(m *awsModel, r *created) (id string) {
		id = strings.ToLower(r.ensureNamed("identifier"))
		r.set("arn", arn("rds", r.region, "db:"+id))
		r.set("endpoint", fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", id, hexOf("host"+Account+r.region, 12), r.region))
		r.set("dbiResourceId", "db-"+strings.ToUpper(hexOf("dbi"+r.urn, 26)))
		return id
	},
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": func(m *awsModel, r *created) (id string) {
		id = strings.ToLower(r.ensureName())
		r.set("arn", arn("rds", r.region, "cluster-pg:"+id))
		return id
	},
	"aws:rds/subnetGroup:SubnetGroup": func(m *awsModel, r *created) (id string) {
		id = strings.ToLower(r.ensureName())
		r.set("arn", arn("rds", r.region, "subgrp:"+id))
		return id
	},
	"aws:elasticache/subnetGroup:SubnetGroup": func(m *awsModel, r *created) (id string) {
		id = strings.ToLower(r.ensureName())
		r.set("arn", arn("elasticache", r.region, "subnetgroup:"+id))
		return id
	},
	"aws:elasticache/replicationGroup:ReplicationGroup": func(m *awsModel, r *created) (id string) {
		id = strings.ToLower(r.ensureNamed("replicationGroupId"))
		zone := hexOf("cache"+Account+r.region, 6)
		short := strings.Split(zoneID(r.region+"a"), "-")[0]
		r.set("arn", arn("elasticache", r.region, "replicationgroup:"+id))
		r.set("primaryEndpointAddress", fmt.Sprintf("master.%s.%s.%s.cache.amazonaws.com", id, zone, short))
		r.set("readerEndpointAddress", fmt.Sprintf("replica.%s.%s.%s.cache.amazonaws.com", id, zone, short))
		members := []any{}
		if n, ok := r.inputs["numCacheClusters"]; ok && n.IsNumber() {
			for i := 1; i <= int(n.NumberValue()); i++ {
				members = append(members, fmt.Sprintf("%s-%03d", id, i))
			}
		}
		r.set("memberClusters", members)
		return id
	},
	"aws:secretsmanager/secret:Secret": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = arn("secretsmanager", r.region, "secret:"+n+"-"+hexOf("sm"+r.urn, 6))
		r.set("arn", id)
		return id
	},
	"aws:secretsmanager/secretVersion:SecretVersion": func(m *awsModel, r *created) (id string) {
		version := uuidOf("version" + r.urn)
		id = str(r.inputs, "secretId") + "|" + version
		r.set("versionId", version)
		r.set("arn", str(r.inputs, "secretId"))
		return id
	},
	"aws:backup/vault:Vault": func(m *awsModel, r *created) (id string) {
		id = r.ensureName()
		r.set("arn", arn("backup", r.region, "backup-vault:"+id))
		r.set("recoveryPoints", 0)
		return id
	},
	"aws:backup/plan:Plan": func(m *awsModel, r *created) (id string) {
		id = uuidOf(r.urn)
		r.ensureName()
		r.set("arn", arn("backup", r.region, "backup-plan:"+id))
		r.set("version", hexOf("v"+r.urn, 32))
		return id
	},
	"aws:backup/selection:Selection": func(m *awsModel, r *created) (id string) {
		id = uuidOf(r.urn)
		r.ensureName()
		return id
	},
	"aws:route53/healthCheck:HealthCheck": func(m *awsModel, r *created) (id string) {
		id = uuidOf("hc" + r.urn)
		r.set("arn", "arn:aws:route53:::healthcheck/"+id)
		return id
	},
	"aws:budgets/budget:Budget": func(m *awsModel, r *created) (id string) {
		n := r.ensureName()
		id = Account + ":" + n
		r.set("arn", fmt.Sprintf("arn:aws:budgets::%s:budget/%s", Account, n))
		r.set("accountId", Account)
		return id
	},
	"aws:costexplorer/costAllocationTag:CostAllocationTag": func(m *awsModel, r *created) (id string) {
		r.set("type", "UserDefined")
		return str(r.inputs, "tagKey")
	},
	"aws:costexplorer/anomalyMonitor:AnomalyMonitor": func(m *awsModel, r *created) (id string) {
		id = fmt.Sprintf("arn:aws:ce::%s:anomalymonitor/%s", Account, uuidOf(r.urn))
		r.ensureName()
		r.set("arn", id)
		return id
	},
	"aws:costexplorer/anomalySubscription:AnomalySubscription": func(m *awsModel, r *created) (id string) {
		id = fmt.Sprintf("arn:aws:ce::%s:anomalysubscription/%s", Account, uuidOf(r.urn))
		r.ensureName()
		r.set("arn", id)
		r.set("accountId", Account)
		return id
	},
}

// bucketSetting answers the resources that configure a bucket: the bucket name is their id.
func bucketSetting(m *awsModel, r *created) (id string) { return str(r.inputs, "bucket") }
