package cost

import (
	"fmt"
	"regexp"
	"strings"
)

// Rule says how one resource type costs: Price adds lines for a resource, or the type is Free
// (no charge of its own, with why) or Unpriced (a charge this tool does not estimate, with why).
// Exactly one is set.
type Rule struct {
	Price    func(e *estimator, r *Resource)
	Free     string
	Unpriced string
}

// RuleFor returns the rule of a resource type. Components of this program (sovereign:*) and
// Pulumi's own resources (pulumi:*) are free: their children are what AWS bills. Every other
// type must be listed, so that a new type is never silently priced at zero
// (TestEveryTypeClassified fails until it is).
func RuleFor(typ string) (Rule, bool) {
	if r, ok := rules[typ]; ok {
		return r, true
	}
	switch {
	case strings.HasPrefix(typ, "sovereign:"):
		return Rule{Free: "component of this program: its resources are priced"}, true
	case strings.HasPrefix(typ, "pulumi:"):
		return Rule{Free: "Pulumi engine object (provider, stack reference), not an AWS resource"}, true
	}
	return Rule{}, false
}

const (
	freeIAM       = "IAM is free"
	freeNetwork   = "VPC plumbing has no charge of its own"
	freeInCluster = "a Kubernetes object: it runs on the node groups, which are priced"
	freeConfig    = "configuration of a priced resource"
	freeRandom    = "generated locally by the random provider"
)

var rules = map[string]Rule{
	// Compute.
	"aws:eks/cluster:Cluster":                                 {Price: priceEKSCluster},
	"aws:eks/nodeGroup:NodeGroup":                             {Price: priceNodeGroup},
	"eks:index:ManagedNodeGroup":                              {Price: priceNodeGroup},
	"eks:index:Cluster":                                       {Free: "remote component: the control plane it creates is priced as its modelled aws:eks/cluster:Cluster"},
	"eks:index:VpcCniAddon":                                   {Free: "EKS add-ons are free; their pods run on the node groups"},
	"eks:index:ServiceRole":                                   {Free: freeIAM},
	"aws:eks/addon:Addon":                                     {Free: "EKS add-ons are free; their pods run on the node groups"},
	"aws:eks/podIdentityAssociation:PodIdentityAssociation":   {Free: "EKS Pod Identity is free"},
	"aws:eks/accessEntry:AccessEntry":                         {Free: "EKS access entries are free"},
	"aws:eks/accessPolicyAssociation:AccessPolicyAssociation": {Free: "EKS access entries are free"},
	"aws:ec2/launchTemplate:LaunchTemplate":                   {Free: "priced with the node group that launches from it (instances and root volumes)"},

	// Network.
	"aws:ec2/natGateway:NatGateway":                                             {Price: priceNAT},
	"aws:ec2/eip:Eip":                                                           {Price: priceEIP},
	"aws:ec2/vpnConnection:VpnConnection":                                       {Price: priceVPN},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                           {Price: priceVPCEndpoint},
	"aws:ec2/flowLog:FlowLog":                                                   {Price: priceFlowLog},
	"aws:lb/loadBalancer:LoadBalancer":                                          {Price: priceLoadBalancer},
	"aws:ec2/vpc:Vpc":                                                           {Free: freeNetwork},
	"aws:ec2/subnet:Subnet":                                                     {Free: freeNetwork},
	"aws:ec2/route:Route":                                                       {Free: freeNetwork},
	"aws:ec2/routeTable:RouteTable":                                             {Free: freeNetwork},
	"aws:ec2/routeTableAssociation:RouteTableAssociation":                       {Free: freeNetwork},
	"aws:ec2/internetGateway:InternetGateway":                                   {Free: freeNetwork},
	"aws:ec2/securityGroup:SecurityGroup":                                       {Free: freeNetwork},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":                         {Free: freeNetwork},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":                 {Free: freeNetwork},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":                   {Free: freeNetwork},
	"aws:ec2/vpnGateway:VpnGateway":                                             {Free: "billed per VPN connection (priced)"},
	"aws:ec2/customerGateway:CustomerGateway":                                   {Free: "billed per VPN connection (priced)"},
	"aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation":             {Free: freeNetwork},
	"aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation": {Free: freeNetwork},
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection":                         {Free: "peering is free; the cross-region data over it is priced as Cassandra's inter-region transfer"},
	"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":         {Free: "peering is free"},
	"aws:ec2/peeringConnectionOptions:PeeringConnectionOptions":                 {Free: "peering is free"},
	"aws:lb/listener:Listener":                                                  {Free: "billed as the load balancer's hours and LCUs (priced)"},
	"aws:lb/targetGroup:TargetGroup":                                            {Free: "billed as the load balancer's hours and LCUs (priced)"},
	"aws:lb/listenerRule:ListenerRule":                                          {Free: "billed as the load balancer's LCUs (priced)"},

	// Data.
	"aws:rds/cluster:Cluster":                                                                    {Price: priceAuroraCluster},
	"aws:rds/clusterInstance:ClusterInstance":                                                    {Price: priceAuroraInstance},
	"aws:rds/globalCluster:GlobalCluster":                                                        {Free: "the global cluster has no charge of its own; its members' storage and replicated I/O are priced"},
	"aws:rds/subnetGroup:SubnetGroup":                                                            {Free: freeConfig},
	"aws:rds/clusterParameterGroup:ClusterParameterGroup":                                        {Free: freeConfig},
	"aws:rds/parameterGroup:ParameterGroup":                                                      {Free: freeConfig},
	"aws:elasticache/replicationGroup:ReplicationGroup":                                          {Price: priceCache},
	"aws:elasticache/subnetGroup:SubnetGroup":                                                    {Free: freeConfig},
	"aws:backup/plan:Plan":                                                                       {Price: priceBackupPlan},
	"aws:backup/vault:Vault":                                                                     {Free: "vault storage is priced on the backup plan's rules"},
	"aws:backup/selection:Selection":                                                             {Free: freeConfig},
	"aws:backup/vaultNotifications:VaultNotifications":                                           {Free: freeConfig},
	"aws:s3/bucketV2:BucketV2":                                                                   {Price: priceBucket},
	"aws:s3/bucket:Bucket":                                                                       {Price: priceBucket},
	"aws:s3/bucketPolicy:BucketPolicy":                                                           {Free: freeConfig},
	"aws:rds/eventSubscription:EventSubscription":                                                {Free: "RDS event notifications have no charge; SNS delivery is priced on the topic"},
	"aws:s3/bucketLoggingV2:BucketLoggingV2":                                                     {Free: "the logs' storage is priced on the log bucket"},
	"aws:lb/listenerCertificate:ListenerCertificate":                                             {Free: "ACM public certificates and listener certificates have no charge"},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":                                     {Free: freeConfig},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls":                                     {Free: freeConfig},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {Free: freeConfig},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2":                       {Free: freeConfig},
	"aws:s3/bucketVersioningV2:BucketVersioningV2":                                               {Free: "configuration of a priced bucket (old versions are within the bucket's usage)"},

	// Keys, secrets, identity.
	"aws:kms/key:Key":                                     {Price: monthly("kms:key", "customer managed key")},
	"aws:kms/alias:Alias":                                 {Free: "KMS aliases are free"},
	"aws:secretsmanager/secret:Secret":                    {Price: monthly("secretsmanager:secret", "secret")},
	"aws:secretsmanager/secretVersion:SecretVersion":      {Free: "billed per secret (priced); API calls not estimated"},
	"aws:iam/role:Role":                                   {Free: freeIAM},
	"aws:iam/rolePolicy:RolePolicy":                       {Free: freeIAM},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment":   {Free: freeIAM},
	"aws:iam/policy:Policy":                               {Free: freeIAM},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {Free: freeIAM},
	"aws:acm/certificate:Certificate":                     {Free: "public ACM certificates are free"},
	"aws:acm/certificateValidation:CertificateValidation": {Free: "public ACM certificates are free"},

	// Observability and alerting.
	"aws:cloudwatch/metricAlarm:MetricAlarm":                {Price: monthly("cloudwatch:alarm", "standard-resolution alarm")},
	"aws:cloudwatch/logGroup:LogGroup":                      {Price: priceLogGroup},
	"aws:amp/workspace:Workspace":                           {Price: priceAMPWorkspace},
	"aws:amp/ruleGroupNamespace:RuleGroupNamespace":         {Unpriced: "rule evaluation is billed as query samples processed, which depend on the rules' queries"},
	"aws:amp/alertManagerDefinition:AlertManagerDefinition": {Free: "the alert manager has no charge of its own (its SNS notifications are free-tier volume)"},
	"aws:sns/topic:Topic":                                   {Free: "alert volumes stay within SNS's free publishes and email deliveries"},
	"aws:sns/topicPolicy:TopicPolicy":                       {Free: freeConfig},
	"aws:sns/topicSubscription:TopicSubscription":           {Free: "alert volumes stay within SNS's free publishes and email deliveries"},

	// Edge and DNS.
	"aws:route53/zone:Zone":                                           {Price: monthly("route53:zone", "hosted zone")},
	"aws:route53/record:Record":                                       {Price: priceRecord},
	"aws:route53/healthCheck:HealthCheck":                             {Price: priceHealthCheck},
	"aws:wafv2/webAcl:WebAcl":                                         {Price: priceWebACL},
	"aws:wafv2/webAclAssociation:WebAclAssociation":                   {Free: "billed as the web ACL (priced)"},
	"aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {Free: "its log volume is priced on the log group it writes to"},

	// Cost management.
	"aws:budgets/budget:Budget":                                {Price: monthly("budgets:budget", "budget")},
	"aws:costexplorer/anomalyMonitor:AnomalyMonitor":           {Free: "Cost Anomaly Detection is free"},
	"aws:costexplorer/anomalySubscription:AnomalySubscription": {Free: "Cost Anomaly Detection is free"},
	"aws:costexplorer/costAllocationTag:CostAllocationTag":     {Free: "cost allocation tags are free"},

	// Inside the clusters.
	"kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster":             {Price: priceK8ssandra},
	"kubernetes:core/v1:PersistentVolumeClaim":                      {Price: pricePVC},
	"kubernetes:helm.sh/v3:Release":                                 {Free: freeInCluster},
	"kubernetes:core/v1:Namespace":                                  {Free: freeInCluster},
	"kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding":           {Free: freeInCluster},
	"kubernetes:core/v1:Secret":                                     {Free: freeInCluster},
	"kubernetes:core/v1:ConfigMap":                                  {Free: freeInCluster},
	"kubernetes:core/v1:ServiceAccount":                             {Free: freeInCluster},
	"kubernetes:core/v1:ResourceQuota":                              {Free: freeInCluster},
	"kubernetes:core/v1:LimitRange":                                 {Free: freeInCluster},
	"kubernetes:batch/v1:Job":                                       {Free: freeInCluster},
	"kubernetes:storage.k8s.io/v1:StorageClass":                     {Free: "volumes are priced where they are claimed (PersistentVolumeClaim, K8ssandraCluster)"},
	"kubernetes:policy/v1:PodDisruptionBudget":                      {Free: freeInCluster},
	"kubernetes:networking.k8s.io/v1:NetworkPolicy":                 {Free: freeInCluster},
	"kubernetes:autoscaling/v2:HorizontalPodAutoscaler":             {Free: freeInCluster},
	"kubernetes:config.k8ssandra.io/v1beta1:ClientConfig":           {Free: freeInCluster},
	"kubernetes:cert-manager.io/v1:Certificate":                     {Free: freeInCluster},
	"kubernetes:cert-manager.io/v1:Issuer":                          {Free: freeInCluster},
	"kubernetes:trust.cert-manager.io/v1alpha1:Bundle":              {Free: freeInCluster},
	"kubernetes:replication.k8ssandra.io/v1alpha1:ReplicatedSecret": {Free: freeInCluster},
	"kubernetes:rbac.authorization.k8s.io/v1:Role":                  {Free: freeInCluster},
	"kubernetes:rbac.authorization.k8s.io/v1:RoleBinding":           {Free: freeInCluster},
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRole":           {Free: freeInCluster},
	"kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding":    {Free: freeInCluster},
	// What a backup costs is its bucket's storage (priced with the bucket as usage) and, from a
	// data-plane region, the inter-region transfer of each upload to the control plane's region.
	"kubernetes:medusa.k8ssandra.io/v1alpha1:MedusaBackupSchedule": {Unpriced: "each backup's upload from a data-plane region is inter-region transfer (per GB, to the control plane's bucket), which depends on how much data changes between backups"},

	"random:index/randomPassword:RandomPassword": {Free: freeRandom},
	"random:index/randomId:RandomId":             {Free: freeRandom},
	"random:index/randomString:RandomString":     {Free: freeRandom},
}

// monthly prices one unit per month of a SKU in the resource's region.
func monthly(sku, what string) func(e *estimator, r *Resource) {
	return func(e *estimator, r *Resource) {
		region := e.ix.region(r)
		if strings.HasPrefix(sku, "route53:") || strings.HasPrefix(sku, "budgets:") {
			region = "us-east-1" // global services, billed in us-east-1
		}
		e.add(sku, region, 1, "1 "+what, false)
	}
}

func priceEKSCluster(e *estimator, r *Resource) {
	region := e.ix.region(r)
	e.hourly("eks:cluster", region, 1, "control plane, standard support")
	if logs := strs(r.Inputs["enabledClusterLogTypes"]); len(logs) > 0 && e.usage.EKSLogGB > 0 {
		e.add("logs:ingest", region, e.usage.EKSLogGB, fmt.Sprintf("control-plane logs (%s) ingested", strings.Join(logs, ", ")), true)
		e.add("logs:store", region, e.usage.EKSLogGB*e.usage.LogCompression, "control-plane logs stored (one month, compressed)", true)
	}
}

// nodeCount is the node group size the estimate uses.
func nodeCount(scaling map[string]any, scale string) float64 {
	key := map[string]string{ScaleMin: "minSize", ScaleDesired: "desiredSize", ScaleMax: "maxSize"}[scale]
	n, ok := num(scaling[key])
	if !ok && scale == ScaleDesired {
		n, _ = num(scaling["minSize"]) // desired defaults to min
	}
	return n
}

// priceNodeGroup: instances at the chosen scale (on-demand, or spot at the configured discount,
// priced as the first listed instance type) and their root volumes from the launch template.
func priceNodeGroup(e *estimator, r *Resource) {
	region := e.ix.region(r)
	scaling, _ := r.Inputs["scalingConfig"].(map[string]any)
	if scaling == nil { // eks:index:ManagedNodeGroup spells them at the top level too
		scaling = r.Inputs
	}
	n := nodeCount(scaling, e.usage.NodeScale)
	types := strs(r.Inputs["instanceTypes"])
	if len(types) == 0 {
		types = []string{"t3.medium"} // the EKS API's default
	}
	it := types[0]
	desc := fmt.Sprintf("%g x %s on-demand (%s size)", n, it, e.usage.NodeScale)
	sku := "ec2:" + it
	if str(r.Inputs["capacityType"]) == "SPOT" {
		desc = fmt.Sprintf("%g x %s spot at %g%% off on-demand (%s size; first of %s)", n, it, e.usage.SpotDiscount*100, e.usage.NodeScale, strings.Join(types, ", "))
		p, ok := e.prices.Lookup(sku, region)
		if ok {
			e.addPriced(p, region, n*e.prices.HoursPerMonth, p.USD*(1-e.usage.SpotDiscount), desc, false)
		} else {
			e.hourly(sku, region, n, desc)
		}
	} else {
		e.hourly(sku, region, n, desc)
	}
	gb := rootVolumeGB(e, r)
	e.add("ebs:gp3", region, n*gb, fmt.Sprintf("%g x %g GB gp3 root volumes", n, gb), false)
}

// addPriced adds a line at a unit price derived from a table price (spot, Valkey).
func (e *estimator) addPriced(p Price, region string, quantity, unitUSD float64, desc string, usage bool) {
	r := e.cur
	e.lines = append(e.lines, Line{
		Component: e.ix.component(r), Type: r.Type, Name: r.Name, Region: region,
		Description: desc, SKU: p.SKU, Quantity: quantity, Unit: p.Unit, UnitUSD: unitUSD,
		MonthlyUSD: cents(quantity * unitUSD), Usage: usage, PriceStatus: p.Status,
	})
}

// rootVolumeGB is the node group's root volume: its launch template's (declared beside it
// under the same name), else diskSize, else the EKS default of 20 GB.
func rootVolumeGB(e *estimator, r *Resource) float64 {
	if dig(r.Inputs, "launchTemplate") != nil {
		for _, lt := range e.g.Resources {
			if lt.Type == "aws:ec2/launchTemplate:LaunchTemplate" && lt.Name == r.Name && lt.Parent == r.Parent {
				if bdm, ok := lt.Inputs["blockDeviceMappings"].([]any); ok && len(bdm) > 0 {
					if gb, ok := num(dig(bdm[0], "ebs", "volumeSize")); ok {
						return gb
					}
				}
			}
		}
	}
	if gb, ok := num(r.Inputs["diskSize"]); ok {
		return gb
	}
	return 20
}

func priceNAT(e *estimator, r *Resource) {
	region := e.ix.region(r)
	e.hourly("nat:hour", region, 1, "NAT gateway")
	e.add("nat:data", region, e.usage.NATDataGB, "data processed", true)
}

func priceEIP(e *estimator, r *Resource) {
	e.hourly("ipv4:hour", e.ix.region(r), 1, "public IPv4 address")
}

func priceVPN(e *estimator, r *Resource) {
	e.hourly("vpn:hour", e.ix.region(r), 1, "Site-to-Site VPN connection (two tunnels)")
}

func priceVPCEndpoint(e *estimator, r *Resource) {
	if t := str(r.Inputs["vpcEndpointType"]); t != "Interface" && t != "GatewayLoadBalancer" {
		return // gateway endpoints (S3, DynamoDB) are free
	}
	region := e.ix.region(r)
	azs := float64(len(strs(r.Inputs["subnetIds"])))
	if azs == 0 {
		azs = 1
	}
	e.hourly("vpce:hour", region, azs, fmt.Sprintf("interface endpoint in %g AZ(s)", azs))
	e.add("vpce:data", region, e.usage.VPCEndpointGB, "data processed", true)
}

func priceFlowLog(e *estimator, r *Resource) {
	if t := str(r.Inputs["logDestinationType"]); t != "" && t != "cloud-watch-logs" {
		return // delivered to S3: within the bucket's usage
	}
	e.add("logs:ingest", e.ix.region(r), e.usage.FlowLogGB, "flow log records delivered (vended logs)", true)
}

func priceLoadBalancer(e *estimator, r *Resource) {
	region := e.ix.region(r)
	if t := str(r.Inputs["loadBalancerType"]); t != "" && t != "application" {
		e.add("nlb:hour", region, e.prices.HoursPerMonth, t+" load balancer", false) // no price: reported
		return
	}
	e.hourly("alb:hour", region, 1, "Application Load Balancer")
	e.add("alb:lcu", region, e.usage.ALBLCUs*e.prices.HoursPerMonth, fmt.Sprintf("%g LCUs on average", e.usage.ALBLCUs), true)
}

// isFlowLogGroup: a flow log delivers to this group (its records are priced on the flow log).
func isFlowLogGroup(e *estimator, r *Resource) bool {
	for _, fl := range e.g.Resources {
		if fl.Type == "aws:ec2/flowLog:FlowLog" && strings.Contains(str(fl.Inputs["logDestination"]), ":log-group:"+r.Name) {
			return true
		}
	}
	return false
}

func priceLogGroup(e *estimator, r *Resource) {
	region := e.ix.region(r)
	gb := e.usage.LogIngestGB
	what := "log events"
	if isFlowLogGroup(e, r) {
		gb, what = e.usage.FlowLogGB, "flow log records"
	} else {
		e.add("logs:ingest", region, gb, "log events ingested", true)
	}
	months := 1.0
	if days, ok := num(r.Inputs["retentionInDays"]); ok && days > 30 {
		months = days / 30 // steady state: this many months of ingestion are kept
	} else if !ok || days == 0 {
		months = 12 // never expire: a year's worth, and growing
	}
	e.add("logs:store", region, gb*months*e.usage.LogCompression, fmt.Sprintf("%s stored (%.3g months retained, compressed)", what, months), true)
}

func priceAMPWorkspace(e *estimator, r *Resource) {
	region := e.ix.region(r)
	e.add("amp:samples", region, e.usage.AMPSamplesMillion/10, fmt.Sprintf("%g M samples ingested", e.usage.AMPSamplesMillion), true)
	e.add("amp:storage", region, e.usage.AMPStorageGB, "metrics stored", true)
}

// IsGlobalSecondary: an Aurora cluster that joins a global database as a secondary (it names
// the global cluster but brings no master credentials; pkg/config's secondaries also set
// sourceRegion).
func IsGlobalSecondary(in map[string]any) bool {
	if str(in["globalClusterIdentifier"]) == "" {
		return false
	}
	return str(in["sourceRegion"]) != "" || (str(in["masterUsername"]) == "" && in["masterPassword"] == nil && in["manageMasterUserPassword"] == nil)
}

// priceAuroraCluster: storage (a global secondary stores a full copy), I/O (a secondary pays
// for the primary's write I/Os replicated to it, not for its own writes), backup storage.
func priceAuroraCluster(e *estimator, r *Resource) {
	region := e.ix.region(r)
	e.add("rds:aurora-storage", region, e.usage.AuroraStorageGB, "cluster volume", true)
	if IsGlobalSecondary(r.Inputs) {
		e.add("rds:aurora-replicated-write-io", region, e.usage.AuroraReplicatedIOMillion, "global database secondary: replicated write I/Os (millions)", true)
	} else {
		e.add("rds:aurora-io", region, e.usage.AuroraIOMillion, "I/O requests (millions)", true)
		e.add("rds:backup", region, e.usage.AuroraBackupGB, "backup storage beyond the volume size", true)
	}
}

func priceAuroraInstance(e *estimator, r *Resource) {
	class := str(r.Inputs["instanceClass"])
	engine := str(r.Inputs["engine"])
	if engine == "" {
		engine = "aurora-postgresql"
	}
	e.hourly("rds:"+engine+":"+class, e.ix.region(r), 1, class+" instance")
}

// valkeyDiscount: ElastiCache node-based Valkey is priced 20% below Redis OSS (the table
// holds Redis OSS rates).
const valkeyDiscount = 0.2

func priceCache(e *estimator, r *Resource) {
	region := e.ix.region(r)
	nodeType := str(r.Inputs["nodeType"])
	nodes, ok := num(r.Inputs["numCacheClusters"])
	if !ok {
		groups, gok := num(r.Inputs["numNodeGroups"])
		replicas, _ := num(r.Inputs["replicasPerNodeGroup"])
		if !gok {
			groups = 1
		}
		nodes = groups * (replicas + 1)
	}
	sku := "elasticache:" + nodeType
	engine := str(r.Inputs["engine"])
	if engine == "valkey" {
		if p, ok := e.prices.Lookup(sku, region); ok {
			e.addPriced(p, region, nodes*e.prices.HoursPerMonth, p.USD*(1-valkeyDiscount),
				fmt.Sprintf("%g x %s Valkey nodes (Redis OSS rate less %g%%)", nodes, nodeType, valkeyDiscount*100), false)
			return
		}
	}
	e.hourly(sku, region, nodes, fmt.Sprintf("%g x %s %s nodes", nodes, nodeType, engine))
}

var arnRegion = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):`)

// priceBackupPlan: each rule keeps its recovery points in its vault, and each copy action keeps
// a copy in the destination vault's region and transfers it there.
func priceBackupPlan(e *estimator, r *Resource) {
	region := e.ix.region(r)
	rules, _ := r.Inputs["rules"].([]any)
	for _, rule := range rules {
		name := str(dig(rule, "ruleName"))
		e.add("backup:aurora", region, e.usage.BackupStorageGB, "rule "+name+": recovery points", true)
		copies, _ := dig(rule, "copyActions").([]any)
		for _, c := range copies {
			m := arnRegion.FindStringSubmatch(str(dig(c, "destinationVaultArn")))
			if m == nil {
				continue
			}
			e.add("backup:aurora", m[1], e.usage.BackupStorageGB, "rule "+name+": copies in "+m[1], true)
			e.add("transfer:inter-region", region, e.usage.BackupCopyGB, "rule "+name+": copy transfer to "+m[1], true)
		}
	}
}

func priceBucket(e *estimator, r *Resource) {
	e.add("s3:standard", e.ix.region(r), e.usage.S3GB, "objects stored (S3 Standard)", true)
}

func priceRecord(e *estimator, r *Resource) {
	if dig(r.Inputs, "latencyRoutingPolicies") == nil {
		return // simple and alias records: alias queries to AWS resources are free
	}
	e.add("route53:latency-queries", "us-east-1", e.usage.DNSQueriesMillion, "latency-routed queries (millions)", true)
}

func priceHealthCheck(e *estimator, r *Resource) {
	e.add("route53:health-check", "us-east-1", 1, "health check (AWS endpoint)", false)
	var features []string
	if t := str(r.Inputs["type"]); strings.HasPrefix(t, "HTTPS") {
		features = append(features, "HTTPS")
	}
	if strings.HasSuffix(str(r.Inputs["type"]), "_STR_MATCH") || str(r.Inputs["searchString"]) != "" {
		features = append(features, "string matching")
	}
	if n, ok := num(r.Inputs["requestInterval"]); ok && n == 10 {
		features = append(features, "fast interval")
	}
	if b, _ := r.Inputs["measureLatency"].(bool); b {
		features = append(features, "latency measurement")
	}
	if len(features) > 0 {
		e.add("route53:health-check-feature", "us-east-1", float64(len(features)), "optional features: "+strings.Join(features, ", "), false)
	}
}

func priceWebACL(e *estimator, r *Resource) {
	region := e.ix.region(r)
	if str(r.Inputs["scope"]) == "CLOUDFRONT" {
		region = "us-east-1"
	}
	e.add("waf:acl", region, 1, "web ACL", false)
	if rules, _ := r.Inputs["rules"].([]any); len(rules) > 0 {
		e.add("waf:rule", region, float64(len(rules)), fmt.Sprintf("%d rules", len(rules)), false)
	}
	e.add("waf:requests", region, e.usage.WAFRequestsMillion, "requests inspected (millions)", true)
}

// quantityGiB reads a Kubernetes quantity in Gi/Ti/G (what the program declares).
func quantityGiB(q string) (float64, bool) {
	var n float64
	for suffix, mult := range map[string]float64{"Gi": 1, "Ti": 1024, "G": 1, "T": 1000} {
		if strings.HasSuffix(q, suffix) {
			if _, err := fmt.Sscanf(strings.TrimSuffix(q, suffix), "%g", &n); err == nil {
				return n * mult, true
			}
		}
	}
	return 0, false
}

var azSuffix = regexp.MustCompile(`^([a-z]+-[a-z]+-\d+)[a-z]$`)

// priceK8ssandra: each datacenter's data volumes (size x the claim, gp3) in the region its
// racks' zones name, and what it sends to the other datacenters. The K8ssandraCluster lives in
// the global stack, but its volumes are created in each region's cluster.
func priceK8ssandra(e *estimator, r *Resource) {
	dcs, _ := dig(r.Inputs, "spec", "cassandra", "datacenters").([]any)
	for _, dc := range dcs {
		name := str(dig(dc, "metadata", "name"))
		region := e.ix.region(r)
		if racks, _ := dig(dc, "racks").([]any); len(racks) > 0 {
			if m := azSuffix.FindStringSubmatch(str(dig(racks[0], "name"))); m != nil {
				region = m[1]
			}
		}
		size, _ := num(dig(dc, "size"))
		gib, ok := quantityGiB(str(dig(dc, "storageConfig", "cassandraDataVolumeClaimSpec", "resources", "requests", "storage")))
		if !ok {
			gib, ok = quantityGiB(str(dig(r.Inputs, "spec", "cassandra", "storageConfig", "cassandraDataVolumeClaimSpec", "resources", "requests", "storage")))
		}
		if ok {
			e.add("ebs:gp3", region, size*gib, fmt.Sprintf("datacenter %s: %g x %g GiB gp3 data volumes", name, size, gib), false)
		}
		if len(dcs) > 1 {
			e.add("transfer:inter-region", region, e.usage.CassandraInterRegionGB, "datacenter "+name+": replication to the other datacenters", true)
		}
	}
}

func pricePVC(e *estimator, r *Resource) {
	if gib, ok := quantityGiB(str(dig(r.Inputs, "spec", "resources", "requests", "storage"))); ok {
		e.add("ebs:gp3", e.ix.region(r), gib, fmt.Sprintf("%g GiB volume claim (gp3)", gib), false)
	}
}
