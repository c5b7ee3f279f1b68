package program

// Stack outputs of a region stack. Other stacks read them through StackReferences, so the
// names are a contract: the global stack and the orchestrator use these constants.
const (
	OutAWSRegion             = "awsRegion"
	OutRegionCode            = "regionCode"
	OutEnvironment           = "environment"
	OutVpcID                 = "vpcId"
	OutVpcCIDR               = "vpcCidr"
	OutAvailabilityZones     = "availabilityZones"
	OutPublicSubnetIDs       = "publicSubnetIds"
	OutPrivateSubnetIDs      = "privateSubnetIds"
	OutDatabaseSubnetIDs     = "databaseSubnetIds"
	OutPrivateRouteTableIDs  = "privateRouteTableIds"
	OutNatPublicIPs          = "natPublicIps"
	OutVpnGatewayID          = "vpnGatewayId"
	OutVpnConnections        = "vpnConnections"
	OutOfficeSecurityGroupID = "officeSecurityGroupId"
	OutAlertsTopicArn        = "alertsTopicArn"
	OutNetworkStack          = "networkStack" // an environment stack: the region stack whose network it uses

	OutRDSEndpoints          = "rdsEndpoints" // {writer, reader}
	OutAuroraClusterArn      = "auroraClusterArn"
	OutAuroraGlobalClusterID = "auroraGlobalClusterId" // the database home only: set once its instances exist
	OutAuroraSecretArn       = "auroraSecretArn"
	// Of a stack that holds its environment's database writer: the endpoint clients write to
	// (a global database's writer endpoint follows a switchover), and where client stacks create
	// their databases ({namespace, secret} of the provisioning role in this stack's cluster).
	OutClientWriterEndpoint = "clientWriterEndpoint"
	OutDatabaseProvisioning = "databaseProvisioning"
	OutCacheEndpoints       = "cacheEndpoints" // {primary, reader, port}
	OutCacheSecretArn       = "cacheSecretArn"
	OutBackupVaultArn       = "backupVaultArn"
	OutBackupCopyVaultArn   = "backupCopyVaultArn"

	OutEKSCluster = "eksCluster" // {name, endpoint, certificateAuthority, region}
	OutKubeconfig = "kubeconfig" // secret
	// OutOIDCProviderArn is the cluster's IAM OIDC provider: what an IRSA role of another stack
	// (the fleet's Grafana) trusts.
	OutOIDCProviderArn = "oidcProviderArn"

	// OutCassandraClientConfigSecret (data-plane regions only) names the Secret the region
	// wrote into the Cassandra control plane's cluster: the kubeconfig its ClientConfig uses.
	// Only the name: no stack output carries a cluster credential.
	OutCassandraClientConfigSecret = "cassandraClientConfigSecret"
	// OutCassandraBackup (the control plane's region only) is the cluster's Medusa bucket:
	// {bucket, bucketArn, keyArn, region}; every region's pods write there, and the global
	// stack names it in the K8ssandraCluster.
	OutCassandraBackup = "cassandraBackup"
	// OutCassandraPodServiceAccount is the service account the region's Cassandra (and Medusa)
	// pods run as, made once its Pod Identity association exists: the global stack names it in
	// the datacenter, so the datacenter waits for it.
	OutCassandraPodServiceAccount = "cassandraPodServiceAccount"
	// OutCassandraClientNamespaces are the namespaces of the region's cluster that may reach CQL
	// (9042) in its datacenter: those of the client stacks homed here with a keyspace
	// (global-sovereign:client.cassandra). The Cassandra namespace's NetworkPolicy admits these
	// and the Cassandra namespace itself, nothing else of the cluster.
	OutCassandraClientNamespaces = "cassandraClientNamespaces"
	// OutAMPWorkspace is the region's Prometheus workspace: {id, arn, endpoint, region}.
	OutAMPWorkspace = "ampWorkspace"

	OutLoadBalancerEndpoint = "loadBalancerEndpoint" // https://<hostname>
	OutLoadBalancerDNSName  = "loadBalancerDnsName"
	OutLoadBalancerZoneID   = "loadBalancerZoneId" // the load balancer's canonical hosted zone, for aliases
	// OutLoadBalancerListenerArn is the HTTPS listener, where the global stack adds the public
	// name's certificate.
	OutLoadBalancerListenerArn = "loadBalancerHttpsListenerArn"
	// OutLoadBalancerTargetGroupArn is the API's IP target group, for an application pipeline's
	// checks. The platform binds it to the Service api/api on port 80; the controller refuses a
	// second TargetGroupBinding of the same target group, so a pipeline creates that Service.
	OutLoadBalancerTargetGroupArn = "loadBalancerTargetGroupArn"
)

// Outputs of the global stack.
const (
	OutRegions                = "regions"                // region code -> the region stack outputs the peering mesh needs
	OutEKSClusters            = "eksClusters"            // region code -> eksCluster
	OutLoadBalancerEndpoints  = "loadBalancerEndpoints"  // region code -> loadBalancerEndpoint
	OutCassandraContactPoints = "cassandraContactPoints" // region code -> contact points
	// OutCassandraCluster (a global stack with the cluster) is {name, superuserSecret}: set once
	// the keyspace Job has run, so a client stack that reads it (to create its keyspace and
	// role) runs after the cluster is up.
	OutCassandraCluster     = "cassandraCluster"
	OutAPIEndpoint          = "apiEndpoint"          // https://<dns.name>.<dns.zoneName>
	OutHealthCheckIDs       = "healthCheckIds"       // region code -> Route 53 health check id
	OutPeeringConnectionIDs = "peeringConnectionIds" // "<a>-<b>" -> pcx id
	OutBudgetNames          = "budgetNames"          // environment -> budget name
	// OutRDSEndpoints and OutAlertsTopicArn are reused: region code -> rdsEndpoints, and the
	// global alerts topic.
)

// peeringOutputs are the region outputs the global stack aggregates: what a VPC peering mesh
// and cross-region routing need from each region.
var peeringOutputs = []string{OutAWSRegion, OutEnvironment, OutVpcID, OutVpcCIDR, OutPrivateRouteTableIDs}
