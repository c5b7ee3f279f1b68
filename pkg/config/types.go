// Package config is the typed configuration of every stack of the global-sovereign project: the
// structs read from each Pulumi.<stack>.yaml, the strict decoder that fills them, and the
// validation that runs before any resource is declared, per stack and across all stack files.
//
// It imports no Pulumi or AWS SDK so that its tests, the `sovereign validate` command and the
// deploy planner stay fast.
package config

// Project is the Pulumi project name; stack config keys live in its namespace.
const Project = "global-sovereign"

// The config keys of the project namespace, as written in a stack file
// (`global-sovereign:network:`). Each holds one structured object.
const (
	KeyStack    = "stack"
	KeyNetwork  = "network"
	KeyVPN      = "vpn"
	KeyAlerts   = "alerts"
	KeyTags     = "tags"
	KeyDatabase = "database"
	KeyCache    = "cache"
	KeyBackup   = "backup"
	KeyCluster  = "cluster"
	KeyIngress  = "ingress"
)

// Keys lists the project config keys in the order they are documented.
var Keys = []string{KeyStack, KeyNetwork, KeyVPN, KeyDatabase, KeyCache, KeyBackup, KeyCluster, KeyIngress, KeyAlerts, KeyTags}

// Stack kinds.
const (
	KindRegion = "region" // a regional stack: network, data, compute in one AWS region
	KindGlobal = "global" // the cross-region stack: aggregates the region stacks
)

// Environments.
const (
	EnvProduction  = "production"
	EnvStaging     = "staging"
	EnvDevelopment = "development"
)

// NAT gateway layouts.
const (
	NATPerAZ  = "perAz"  // one NAT gateway per AZ: an AZ outage never cuts egress of the others
	NATSingle = "single" // one NAT gateway for the VPC: cheaper, for non-production only
)

// Stack is the whole configuration of one stack.
type Stack struct {
	Name     string            // stack name, from the file name Pulumi.<name>.yaml
	File     string            // file the values came from, for messages
	Settings Settings          // global-sovereign:stack
	Network  *Network          // global-sovereign:network (region stacks)
	VPN      *VPN              // global-sovereign:vpn (region stacks, optional)
	Database *Database         // global-sovereign:database (region stacks, optional)
	Cache    *Cache            // global-sovereign:cache (region stacks, optional)
	Backup   *Backup           // global-sovereign:backup (region stacks with a database)
	Cluster  *Cluster          // global-sovereign:cluster (region stacks, optional)
	Ingress  *Ingress          // global-sovereign:ingress (region stacks with a cluster)
	Alerts   Alerts            // global-sovereign:alerts
	Tags     map[string]string // global-sovereign:tags: added to the provider's default tags

	// DisableDefaultProviders is pulumi:disable-default-providers as read from the file.
	DisableDefaultProviders []string

	lines lineIndex
	raw   map[string]any // the project keys as read, for EngineConfig
}

// Settings says what a stack is.
type Settings struct {
	Kind              string   `json:"kind"`
	Code              string   `json:"code"`
	AWSRegion         string   `json:"awsRegion"`
	Environment       string   `json:"environment"`
	NamePrefix        string   `json:"namePrefix,omitempty"`
	Protect           *bool    `json:"protect,omitempty"`
	AllowedAccountIDs []string `json:"allowedAccountIds,omitempty"`
	// SecretRecoveryDays is how long Secrets Manager keeps a deleted secret (RecoveryWindowInDays):
	// 0 deletes it at once (throwaway stacks), 7-30 keeps it recoverable. Default 30.
	SecretRecoveryDays *int `json:"secretRecoveryDays,omitempty"`
}

// Network is the VPC of a region stack.
type Network struct {
	VPCCIDR           string          `json:"vpcCidr"`
	AvailabilityZones []string        `json:"availabilityZones"`
	NATGateways       string          `json:"natGateways,omitempty"`
	FlowLogs          FlowLogs        `json:"flowLogs"`
	Subnets           *SubnetOverride `json:"subnets,omitempty"`
}

// FlowLogs configures VPC flow logs.
type FlowLogs struct {
	RetentionDays int    `json:"retentionDays,omitempty"`
	TrafficType   string `json:"trafficType,omitempty"`
}

// SubnetOverride replaces the planned subnet CIDRs of a tier; each list has one CIDR per AZ.
type SubnetOverride struct {
	Public   []string `json:"public,omitempty"`
	Private  []string `json:"private,omitempty"`
	Database []string `json:"database,omitempty"`
}

// VPN is the site-to-site VPN to the office.
type VPN struct {
	// BGPASN is the office side's ASN. Set: dynamic (BGP) routing. Unset: static routes to
	// every customer gateway's client CIDRs.
	BGPASN *int64 `json:"bgpAsn,omitempty"`
	// AmazonSideASN is the virtual private gateway's ASN (AWS's default is 64512).
	AmazonSideASN *int64 `json:"amazonSideAsn,omitempty"`
	// CustomerGateways are the office's VPN endpoints, each a VPN connection with two tunnels.
	CustomerGateways []CustomerGateway `json:"customerGateways"`
	// OfficeIngressPorts are the TCP ports the office security group admits from client CIDRs.
	OfficeIngressPorts []int `json:"officeIngressPorts,omitempty"`
}

// CustomerGateway is one office VPN endpoint.
type CustomerGateway struct {
	Name        string   `json:"name"`
	IPAddress   string   `json:"ipAddress"`
	ClientCIDRs []string `json:"clientCidrs"`
}

// Alerts is where a stack's alarms go.
type Alerts struct {
	Emails []string `json:"emails,omitempty"`
}

// Defaults applied after decoding, before validation.
const (
	DefaultFlowLogRetentionDays = 365
	DefaultFlowLogTrafficType   = "ALL"
	DefaultAmazonSideASN        = 64512
	// DefaultSecretRecoveryDays is AWS's own default and longest recovery window.
	DefaultSecretRecoveryDays = 30
)

// DefaultOfficeIngressPorts are what the office security group admits when config names none:
// HTTPS only (private Kubernetes API endpoint, internal load balancers).
var DefaultOfficeIngressPorts = []int{443}

func (s *Stack) applyDefaults() {
	if s.Settings.SecretRecoveryDays == nil {
		days := DefaultSecretRecoveryDays
		s.Settings.SecretRecoveryDays = &days
	}
	if s.Settings.NamePrefix == "" && s.Settings.Code != "" {
		s.Settings.NamePrefix = "gs-" + s.Settings.Code
		if s.Settings.Environment != "" && s.Settings.Environment != EnvProduction {
			s.Settings.NamePrefix += "-" + s.Settings.Environment
		}
	}
	if s.Network != nil {
		if s.Network.NATGateways == "" {
			s.Network.NATGateways = NATPerAZ
		}
		if s.Network.FlowLogs.RetentionDays == 0 {
			s.Network.FlowLogs.RetentionDays = DefaultFlowLogRetentionDays
		}
		if s.Network.FlowLogs.TrafficType == "" {
			s.Network.FlowLogs.TrafficType = DefaultFlowLogTrafficType
		}
	}
	s.Database.applyDefaults(s.Settings.Environment)
	s.Cache.applyDefaults()
	s.Backup.applyDefaults()
	s.Cluster.applyDefaults()
	s.Ingress.applyDefaults(s.Settings.Code)
	if s.VPN != nil {
		if s.VPN.AmazonSideASN == nil {
			asn := int64(DefaultAmazonSideASN)
			s.VPN.AmazonSideASN = &asn
		}
		if s.VPN.OfficeIngressPorts == nil {
			s.VPN.OfficeIngressPorts = append([]int(nil), DefaultOfficeIngressPorts...)
		}
	}
}

// Protected says whether stateful resources get pulumi.Protect (default true).
func (s *Stack) Protected() bool {
	return s.Settings.Protect == nil || *s.Settings.Protect
}

// SecretRecoveryDays is the recovery window of every Secrets Manager secret of the stack: how
// long AWS keeps a deleted secret (and its name) before it is gone. 0 deletes at once.
func (s *Stack) SecretRecoveryDays() int {
	if s.Settings.SecretRecoveryDays == nil {
		return DefaultSecretRecoveryDays
	}
	return *s.Settings.SecretRecoveryDays
}

// IsRegion reports whether s is a regional stack.
func (s *Stack) IsRegion() bool { return s.Settings.Kind == KindRegion }
