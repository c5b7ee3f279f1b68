package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Account is the AWS account the mocks pretend to deploy into.
const Account = "123456789012"

// awsModel answers resource registrations and invokes the way AWS (through the pulumi-aws
// provider) would: ids in AWS's formats, ARNs with the resource's region and the account,
// auto-generated names with a suffix, and cross-resource facts such as the VPC's default
// security group or an EIP's address showing up on the NAT gateway. Everything is derived from
// hashes of the URN, so the same program gives the same answers every time.
type awsModel struct {
	// salt stands for the generation of the stack (see Options.Generation): what AWS or the
	// provider draws at random on creation (ids, auto-name suffixes) differs with it.
	salt          string
	mu            sync.Mutex
	vpcDefaultSGs map[string]string // vpc id -> its default security group id
	eipAddresses  map[string]string // allocation id -> public IP
}

func newAWSModel(salt string) *awsModel {
	return &awsModel{salt: salt, vpcDefaultSGs: map[string]string{}, eipAddresses: map[string]string{}}
}

// hexOf is a deterministic hex string of n characters for a seed.
func hexOf(seed string, n int) string {
	h := sha256.Sum256([]byte(seed))
	s := hex.EncodeToString(h[:])
	for len(s) < n {
		h = sha256.Sum256(h[:])
		s += hex.EncodeToString(h[:])
	}
	return s[:n]
}

// uuidOf formats a deterministic UUID (KMS key ids, provider ids).
func uuidOf(seed string) string {
	h := hexOf(seed, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ipOf is a deterministic public-looking address in 198.18.0.0/15, a range reserved for
// benchmarking that never routes on the internet.
func ipOf(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return fmt.Sprintf("198.%d.%d.%d", 18+int(h[0]&1), h[1], 1+int(h[2])%254)
}

func arn(service, region, rest string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, Account, rest)
}

// autoName is what the provider does for a resource whose name input is unset: the logical
// name plus a 7-character random suffix.
func autoName(name, urn string) string { return name + "-" + hexOf("name"+urn, 7) }

func str(m resource.PropertyMap, k string) string {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return ""
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// state returns the id and output properties of a new AWS resource. inputs already carry the
// user's values; outputs start as a copy of them, as the provider's do.
func (m *awsModel) state(token, name, urn, region string, inputs resource.PropertyMap) (string, resource.PropertyMap) {
	// urn only seeds the hashes below: with the generation's salt, every drawn value changes.
	urn += m.salt
	out := inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	// ensureNamed fills an auto-named property the way the provider does when it is unset.
	ensureNamed := func(prop string) string {
		n := str(inputs, prop)
		if n == "" {
			n = autoName(name, urn)
			set(prop, n)
		}
		return n
	}
	ensureName := func() string { return ensureNamed("name") }
	ec2ID := func(prefix string) string { return prefix + "-0" + hexOf(urn, 16) }

	var id string
	switch token {
	case "aws:ec2/vpc:Vpc":
		id = ec2ID("vpc")
		sg := "sg-0" + hexOf("default-sg"+urn, 16)
		m.mu.Lock()
		m.vpcDefaultSGs[id] = sg
		m.mu.Unlock()
		set("arn", arn("ec2", region, "vpc/"+id))
		set("defaultSecurityGroupId", sg)
		set("mainRouteTableId", "rtb-0"+hexOf("main-rt"+urn, 16))
		set("defaultRouteTableId", "rtb-0"+hexOf("main-rt"+urn, 16))
		set("defaultNetworkAclId", "acl-0"+hexOf("acl"+urn, 16))
		set("dhcpOptionsId", "dopt-0"+hexOf("dopt"+urn, 16))
		set("ownerId", Account)
	case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
		m.mu.Lock()
		id = m.vpcDefaultSGs[str(inputs, "vpcId")]
		m.mu.Unlock()
		if id == "" {
			id = ec2ID("sg")
		}
		set("arn", arn("ec2", region, "security-group/"+id))
		set("name", "default")
		set("ownerId", Account)
	case "aws:ec2/securityGroup:SecurityGroup":
		id = ec2ID("sg")
		ensureName()
		set("arn", arn("ec2", region, "security-group/"+id))
		set("ownerId", Account)
	case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
		id = ec2ID("sgr")
		set("arn", arn("ec2", region, "security-group-rule/"+id))
		set("securityGroupRuleId", id)
	case "aws:ec2/subnet:Subnet":
		id = ec2ID("subnet")
		set("arn", arn("ec2", region, "subnet/"+id))
		set("availabilityZoneId", zoneID(str(inputs, "availabilityZone")))
		set("ownerId", Account)
	case "aws:ec2/internetGateway:InternetGateway":
		id = ec2ID("igw")
		set("arn", arn("ec2", region, "internet-gateway/"+id))
		set("ownerId", Account)
	case "aws:ec2/routeTable:RouteTable":
		id = ec2ID("rtb")
		set("arn", arn("ec2", region, "route-table/"+id))
		set("ownerId", Account)
	case "aws:ec2/route:Route":
		id = "r-" + str(inputs, "routeTableId") + hexOf(str(inputs, "destinationCidrBlock"), 8)
		set("state", "active")
		set("origin", "CreateRoute")
	case "aws:ec2/routeTableAssociation:RouteTableAssociation":
		id = ec2ID("rtbassoc")
	case "aws:ec2/eip:Eip":
		id = ec2ID("eipalloc")
		ip := ipOf(urn)
		m.mu.Lock()
		m.eipAddresses[id] = ip
		m.mu.Unlock()
		set("allocationId", id)
		set("publicIp", ip)
		set("publicDns", fmt.Sprintf("ec2-%s.%s.compute.amazonaws.com", strings.ReplaceAll(ip, ".", "-"), region))
		set("arn", arn("ec2", region, "elastic-ip/"+id))
	case "aws:ec2/natGateway:NatGateway":
		id = ec2ID("nat")
		m.mu.Lock()
		set("publicIp", m.eipAddresses[str(inputs, "allocationId")])
		m.mu.Unlock()
		set("networkInterfaceId", "eni-0"+hexOf("eni"+urn, 16))
		set("connectivityType", "public")
	case "aws:ec2/vpnGateway:VpnGateway":
		id = ec2ID("vgw")
		set("arn", arn("ec2", region, "vpn-gateway/"+id))
	case "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation":
		id = str(inputs, "vpnGatewayId") + "_" + str(inputs, "routeTableId")
	case "aws:ec2/customerGateway:CustomerGateway":
		id = ec2ID("cgw")
		set("arn", arn("ec2", region, "customer-gateway/"+id))
	case "aws:ec2/vpnConnection:VpnConnection":
		id = ec2ID("vpn")
		set("arn", arn("ec2", region, "vpn-connection/"+id))
		set("customerGatewayConfiguration", "<vpn_connection id=\""+id+"\">...</vpn_connection>")
		for t := 1; t <= 2; t++ {
			seed := fmt.Sprintf("tunnel%d%s", t, urn)
			h := sha256.Sum256([]byte(seed))
			set(fmt.Sprintf("tunnel%dAddress", t), ipOf(seed))
			set(fmt.Sprintf("tunnel%dPresharedKey", t), hexOf("psk"+seed, 32))
			set(fmt.Sprintf("tunnel%dInsideCidr", t), fmt.Sprintf("169.254.%d.%d/30", 10+int(h[0])%200, 4*(int(h[1])%64)))
			set(fmt.Sprintf("tunnel%dBgpAsn", t), "65000")
		}
	case "aws:ec2/vpnConnectionRoute:VpnConnectionRoute":
		id = str(inputs, "destinationCidrBlock") + ":" + str(inputs, "vpnConnectionId")
	case "aws:ec2/flowLog:FlowLog":
		id = ec2ID("fl")
		set("arn", arn("ec2", region, "vpc-flow-log/"+id))
	case "aws:cloudwatch/logGroup:LogGroup":
		n := ensureName()
		id = n
		set("arn", arn("logs", region, "log-group:"+n))
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		n := ensureName()
		id = n
		set("arn", arn("cloudwatch", region, "alarm:"+n))
	case "aws:iam/role:Role":
		n := ensureName()
		id = n
		set("arn", fmt.Sprintf("arn:aws:iam::%s:role/%s", Account, n))
		set("uniqueId", "AROA"+strings.ToUpper(hexOf("role"+urn, 17)))
	case "aws:iam/rolePolicy:RolePolicy":
		n := ensureName()
		id = str(inputs, "role") + ":" + n
	case "aws:kms/key:Key":
		id = uuidOf(urn)
		set("keyId", id)
		set("arn", arn("kms", region, "key/"+id))
		set("keyUsage", "ENCRYPT_DECRYPT")
		set("customerMasterKeySpec", "SYMMETRIC_DEFAULT")
	case "aws:kms/alias:Alias":
		id = str(inputs, "name")
		set("arn", arn("kms", region, id))
		set("targetKeyArn", arn("kms", region, "key/"+str(inputs, "targetKeyId")))
	case "aws:sns/topic:Topic":
		n := ensureName()
		id = arn("sns", region, n)
		set("arn", id)
		set("owner", Account)
	case "aws:sns/topicPolicy:TopicPolicy":
		id = str(inputs, "arn")
		set("owner", Account)
	case "aws:sns/topicSubscription:TopicSubscription":
		id = str(inputs, "topic") + ":" + uuidOf(urn)
		set("arn", id)
		set("pendingConfirmation", str(inputs, "protocol") == "email")
	case "aws:eks/cluster:Cluster":
		id = ensureName()
		host := strings.ToUpper(hexOf("eks"+urn, 32))
		set("arn", arn("eks", region, "cluster/"+id))
		set("endpoint", fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", host, region))
		set("certificateAuthority", map[string]any{"data": mockCertificate(region)})
		set("vpcConfig", map[string]any{"clusterSecurityGroupId": "sg-0" + hexOf("eks-cluster-sg"+urn, 16)})
		set("status", "ACTIVE")
	case "aws:eks/nodeGroup:NodeGroup":
		ng := str(inputs, "nodeGroupName")
		if ng == "" {
			ng = str(inputs, "nodeGroupNamePrefix") + hexOf("ng"+urn, 26)
			set("nodeGroupName", ng)
		}
		id = str(inputs, "clusterName") + ":" + ng
		set("arn", arn("eks", region, fmt.Sprintf("nodegroup/%s/%s/%s", str(inputs, "clusterName"), ng, uuidOf(urn))))
		set("resources", []any{map[string]any{
			"autoscalingGroups":           []any{map[string]any{"name": "eks-" + ng + "-" + uuidOf("asg"+urn)}},
			"remoteAccessSecurityGroupId": "",
		}})
		set("status", "ACTIVE")
	case "aws:eks/addon:Addon":
		id = str(inputs, "clusterName") + ":" + str(inputs, "addonName")
		set("arn", arn("eks", region, fmt.Sprintf("addon/%s/%s/%s", str(inputs, "clusterName"), str(inputs, "addonName"), uuidOf(urn))))
		set("addonVersion", "v1.0.0-eksbuild.1")
	case "aws:eks/podIdentityAssociation:PodIdentityAssociation":
		id = "a-" + hexOf(urn, 17)
		set("associationId", id)
		set("associationArn", arn("eks", region, fmt.Sprintf("podidentityassociation/%s/%s", str(inputs, "clusterName"), id)))
	case "aws:ec2/launchTemplate:LaunchTemplate":
		id = ec2ID("lt")
		ensureName()
		set("arn", arn("ec2", region, "launch-template/"+id))
		set("latestVersion", 1)
		set("defaultVersion", 1)
	case "aws:lb/loadBalancer:LoadBalancer":
		n := ensureName()
		id = arn("elasticloadbalancing", region, fmt.Sprintf("loadbalancer/app/%s/%s", n, hexOf("lb"+urn, 16)))
		set("arn", id)
		set("arnSuffix", strings.SplitN(id, ":loadbalancer/", 2)[1])
		set("dnsName", fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", n, 1000000000+int(hexOf("dns"+urn, 7)[0])*1000, region))
		set("zoneId", "Z"+strings.ToUpper(hexOf("elbzone"+region, 13)))
	case "aws:lb/targetGroup:TargetGroup":
		n := ensureName()
		id = arn("elasticloadbalancing", region, fmt.Sprintf("targetgroup/%s/%s", n, hexOf("tg"+urn, 16)))
		set("arn", id)
		set("arnSuffix", strings.SplitN(id, ":", 6)[5])
	case "aws:lb/listener:Listener":
		id = arn("elasticloadbalancing", region, "listener/app/"+hexOf("listener"+urn, 16))
		set("arn", id)
	case "aws:acm/certificate:Certificate":
		id = arn("acm", region, "certificate/"+uuidOf(urn))
		domain := str(inputs, "domainName")
		token := hexOf("acm"+urn, 32)
		set("arn", id)
		set("domainValidationOptions", []any{map[string]any{
			"domainName":          domain,
			"resourceRecordName":  "_" + token + "." + domain + ".",
			"resourceRecordType":  "CNAME",
			"resourceRecordValue": "_" + hexOf("acmv"+urn, 32) + ".acm-validations.aws.",
		}})
		set("status", "PENDING_VALIDATION")
	case "aws:acm/certificateValidation:CertificateValidation":
		id = str(inputs, "certificateArn")
	case "aws:route53/record:Record":
		id = str(inputs, "zoneId") + "_" + str(inputs, "name") + "_" + str(inputs, "type")
		set("fqdn", strings.TrimSuffix(str(inputs, "name"), "."))
	case "aws:s3/bucketV2:BucketV2":
		b := str(inputs, "bucket")
		if b == "" {
			b = strings.ToLower(autoName(name, urn))
			set("bucket", b)
		}
		id = b
		set("arn", "arn:aws:s3:::"+b)
		set("bucketDomainName", b+".s3.amazonaws.com")
		set("bucketRegionalDomainName", b+".s3."+region+".amazonaws.com")
		set("region", region)
	case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
		"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
		"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "aws:s3/bucketPolicy:BucketPolicy",
		"aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketReplicationConfig:BucketReplicationConfig":
		id = str(inputs, "bucket")
	case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
		id = fmt.Sprintf("arn:aws:iam::%s:oidc-provider/%s", Account, strings.TrimPrefix(str(inputs, "url"), "https://"))
		set("arn", id)
	case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
		id = str(inputs, "role") + "-" + hexOf(urn, 20)
	case "aws:rds/globalCluster:GlobalCluster":
		id = str(inputs, "globalClusterIdentifier")
		set("arn", fmt.Sprintf("arn:aws:rds::%s:global-cluster:%s", Account, id))
		set("globalClusterResourceId", "cluster-"+strings.ToUpper(hexOf("gcr"+urn, 26)))
	case "aws:rds/cluster:Cluster":
		id = strings.ToLower(ensureNamed("clusterIdentifier"))
		host := hexOf("host"+Account+region, 12)
		set("arn", arn("rds", region, "cluster:"+id))
		set("endpoint", fmt.Sprintf("%s.cluster-%s.%s.rds.amazonaws.com", id, host, region))
		set("readerEndpoint", fmt.Sprintf("%s.cluster-ro-%s.%s.rds.amazonaws.com", id, host, region))
		set("clusterResourceId", "cluster-"+strings.ToUpper(hexOf("cr"+urn, 26)))
		set("hostedZoneId", "Z"+strings.ToUpper(hexOf("zone"+region, 13)))
	case "aws:rds/clusterInstance:ClusterInstance":
		id = strings.ToLower(ensureNamed("identifier"))
		set("arn", arn("rds", region, "db:"+id))
		set("endpoint", fmt.Sprintf("%s.%s.%s.rds.amazonaws.com", id, hexOf("host"+Account+region, 12), region))
		set("dbiResourceId", "db-"+strings.ToUpper(hexOf("dbi"+urn, 26)))
	case "aws:rds/clusterParameterGroup:ClusterParameterGroup":
		id = strings.ToLower(ensureName())
		set("arn", arn("rds", region, "cluster-pg:"+id))
	case "aws:rds/subnetGroup:SubnetGroup":
		id = strings.ToLower(ensureName())
		set("arn", arn("rds", region, "subgrp:"+id))
	case "aws:elasticache/subnetGroup:SubnetGroup":
		id = strings.ToLower(ensureName())
		set("arn", arn("elasticache", region, "subnetgroup:"+id))
	case "aws:elasticache/replicationGroup:ReplicationGroup":
		id = strings.ToLower(ensureNamed("replicationGroupId"))
		zone := hexOf("cache"+Account+region, 6)
		short := strings.Split(zoneID(region+"a"), "-")[0]
		set("arn", arn("elasticache", region, "replicationgroup:"+id))
		set("primaryEndpointAddress", fmt.Sprintf("master.%s.%s.%s.cache.amazonaws.com", id, zone, short))
		set("readerEndpointAddress", fmt.Sprintf("replica.%s.%s.%s.cache.amazonaws.com", id, zone, short))
		members := []any{}
		if n, ok := inputs["numCacheClusters"]; ok && n.IsNumber() {
			for i := 1; i <= int(n.NumberValue()); i++ {
				members = append(members, fmt.Sprintf("%s-%03d", id, i))
			}
		}
		set("memberClusters", members)
	case "aws:secretsmanager/secret:Secret":
		n := ensureName()
		id = arn("secretsmanager", region, "secret:"+n+"-"+hexOf("sm"+urn, 6))
		set("arn", id)
	case "aws:secretsmanager/secretVersion:SecretVersion":
		version := uuidOf("version" + urn)
		id = str(inputs, "secretId") + "|" + version
		set("versionId", version)
		set("arn", str(inputs, "secretId"))
	case "aws:backup/vault:Vault":
		id = ensureName()
		set("arn", arn("backup", region, "backup-vault:"+id))
		set("recoveryPoints", 0)
	case "aws:backup/plan:Plan":
		id = uuidOf(urn)
		ensureName()
		set("arn", arn("backup", region, "backup-plan:"+id))
		set("version", hexOf("v"+urn, 32))
	case "aws:backup/selection:Selection":
		id = uuidOf(urn)
		ensureName()
	default:
		// A type without a model gets an id and ARN in the common shape; add a case above when
		// the program reads one of its computed outputs.
		typ := token[strings.LastIndex(token, ":")+1:]
		svc := strings.SplitN(strings.TrimPrefix(token, "aws:"), "/", 2)[0]
		id = strings.ToLower(typ) + "-" + hexOf(urn, 17)
		set("arn", arn(svc, region, strings.ToLower(typ)+"/"+id))
	}
	set("id", id)
	return id, out
}

// invoke answers a data-source call.
func (m *awsModel) invoke(token, region string, args resource.PropertyMap) (resource.PropertyMap, error) {
	switch token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": Account,
			"arn":       fmt.Sprintf("arn:aws:sts::%s:assumed-role/sovereign-deployer/synth", Account),
			"userId":    "AROASYNTHEXAMPLE:synth",
			"id":        Account,
		}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{
			"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws",
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": region, "region": region, "id": region, "endpoint": "ec2." + region + ".amazonaws.com",
		}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names := availabilityZones(region)
		ids := make([]any, len(names))
		ns := make([]any, len(names))
		for i, n := range names {
			ns[i], ids[i] = n, zoneID(n)
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": region, "names": ns, "zoneIds": ids, "groupNames": []any{region}, "state": "available",
		}), nil
	}
	return nil, fmt.Errorf("the synth mocks have no answer for invoke %s; add one to pkg/synth/awsmodel.go", token)
}

// azLetters lists the AZs a typical account sees where that is not a, b and c. us-west-1 is
// the case that matters here: most accounts get only two of its zones.
var azLetters = map[string]string{
	"us-east-1":      "abcdef",
	"us-west-1":      "ac",
	"us-west-2":      "abcd",
	"ap-northeast-1": "acd",
	"ap-northeast-2": "abcd",
}

func availabilityZones(region string) []string {
	letters, ok := azLetters[region]
	if !ok {
		letters = "abc"
	}
	out := make([]string, len(letters))
	for i, l := range letters {
		out[i] = region + string(l)
	}
	return out
}

// zoneID maps an AZ name to an AZ id in AWS's format (eu-west-1a -> euw1-az1).
func zoneID(az string) string {
	if len(az) < 2 {
		return ""
	}
	region, letter := az[:len(az)-1], az[len(az)-1]
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return ""
	}
	short := map[string]string{"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
		"southeast": "se", "northeast": "ne", "northwest": "nw", "southwest": "sw"}[parts[1]]
	return fmt.Sprintf("%s%s%s-az%d", parts[0], short, parts[2], int(letter-'a')+1)
}
