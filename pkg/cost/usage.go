package cost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Node group sizes an estimate can price.
const (
	ScaleMin     = "min"
	ScaleDesired = "desired"
	ScaleMax     = "max"
)

// Usage is what the graph cannot say: how big, how busy. Every quantity is per month. Lines
// priced from a usage value are marked, and the estimate says what share of its total rests
// on them. The defaults per stack kind are in DefaultUsage (and docs/cost.md).
type Usage struct {
	// NodeScale is which node group size is priced: min, desired (default) or max. The
	// cluster autoscaler moves between min and max; desired is the size a deploy creates.
	NodeScale string `json:"nodeScale" yaml:"nodeScale"`
	// SpotDiscount is the fraction off the on-demand price assumed for SPOT node groups
	// (0.6: a spot node costs 40% of on-demand). Spot prices move; this is an assumption.
	SpotDiscount float64 `json:"spotDiscount" yaml:"spotDiscount"`
	// NATDataGB is the data processed by each NAT gateway.
	NATDataGB float64 `json:"natDataGb" yaml:"natDataGb"`
	// ALBLCUs is the average number of load balancer capacity units each ALB uses.
	ALBLCUs float64 `json:"albLcus" yaml:"albLcus"`
	// LogIngestGB is what each CloudWatch log group ingests (slow logs, Aurora logs, ...).
	LogIngestGB float64 `json:"logIngestGb" yaml:"logIngestGb"`
	// FlowLogGB is what each VPC flow log delivers to CloudWatch Logs.
	FlowLogGB float64 `json:"flowLogGb" yaml:"flowLogGb"`
	// EKSLogGB is what each cluster's control-plane logs ingest (the log group EKS creates).
	EKSLogGB float64 `json:"eksLogGb" yaml:"eksLogGb"`
	// LogCompression is the stored size of a logged GB (CloudWatch bills storage compressed).
	LogCompression float64 `json:"logCompression" yaml:"logCompression"`
	// AMPSamplesMillion is the metric samples each Prometheus workspace ingests, in millions.
	AMPSamplesMillion float64 `json:"ampSamplesMillion" yaml:"ampSamplesMillion"`
	// AMPStorageGB is what each workspace stores.
	AMPStorageGB float64 `json:"ampStorageGb" yaml:"ampStorageGb"`
	// AuroraStorageGB is each Aurora cluster's volume (a global secondary stores a full copy).
	AuroraStorageGB float64 `json:"auroraStorageGb" yaml:"auroraStorageGb"`
	// AuroraIOMillion is the I/O requests of each primary or standalone cluster, in millions.
	AuroraIOMillion float64 `json:"auroraIoMillion" yaml:"auroraIoMillion"`
	// AuroraReplicatedIOMillion is the write I/Os replicated to each global secondary, in millions.
	AuroraReplicatedIOMillion float64 `json:"auroraReplicatedIoMillion" yaml:"auroraReplicatedIoMillion"`
	// AuroraBackupGB is each cluster's backup storage beyond its volume size (retention).
	AuroraBackupGB float64 `json:"auroraBackupGb" yaml:"auroraBackupGb"`
	// BackupStorageGB is what each AWS Backup rule keeps in its vault and in each copy vault.
	BackupStorageGB float64 `json:"backupStorageGb" yaml:"backupStorageGb"`
	// BackupCopyGB is what each cross-region copy action transfers.
	BackupCopyGB float64 `json:"backupCopyGb" yaml:"backupCopyGb"`
	// S3GB is what each bucket stores (access logs, client buckets).
	S3GB float64 `json:"s3Gb" yaml:"s3Gb"`
	// CassandraInterRegionGB is what each Cassandra datacenter sends to the others.
	CassandraInterRegionGB float64 `json:"cassandraInterRegionGb" yaml:"cassandraInterRegionGb"`
	// DNSQueriesMillion is the queries each latency-routed record answers, in millions.
	DNSQueriesMillion float64 `json:"dnsQueriesMillion" yaml:"dnsQueriesMillion"`
	// WAFRequestsMillion is the requests each web ACL inspects, in millions.
	WAFRequestsMillion float64 `json:"wafRequestsMillion" yaml:"wafRequestsMillion"`
	// VPCEndpointGB is the data each interface endpoint processes.
	VPCEndpointGB float64 `json:"vpcEndpointGb" yaml:"vpcEndpointGb"`
}

// production is the busy default: the region stacks serve the platform's traffic.
var production = Usage{
	NodeScale: ScaleDesired, SpotDiscount: 0.6,
	NATDataGB: 1000, ALBLCUs: 10, LogIngestGB: 20, FlowLogGB: 200, EKSLogGB: 100, LogCompression: 0.15,
	AMPSamplesMillion: 8000, AMPStorageGB: 100,
	AuroraStorageGB: 1000, AuroraIOMillion: 2000, AuroraReplicatedIOMillion: 500, AuroraBackupGB: 1000,
	BackupStorageGB: 1000, BackupCopyGB: 1000, S3GB: 100,
	CassandraInterRegionGB: 500, DNSQueriesMillion: 50, WAFRequestsMillion: 500, VPCEndpointGB: 100,
}

// small is an environment stack's (staging, development) or a client's: a tenth of the traffic.
var small = Usage{
	NodeScale: ScaleDesired, SpotDiscount: 0.6,
	NATDataGB: 100, ALBLCUs: 1, LogIngestGB: 2, FlowLogGB: 20, EKSLogGB: 10, LogCompression: 0.15,
	AMPSamplesMillion: 800, AMPStorageGB: 10,
	AuroraStorageGB: 50, AuroraIOMillion: 100, AuroraReplicatedIOMillion: 0, AuroraBackupGB: 50,
	BackupStorageGB: 50, BackupCopyGB: 50, S3GB: 10,
	CassandraInterRegionGB: 0, DNSQueriesMillion: 1, WAFRequestsMillion: 10, VPCEndpointGB: 10,
}

// DefaultUsage is the usage assumed for a stack kind when no usage file says otherwise.
func DefaultUsage(kind string) Usage {
	switch kind {
	case KindRegion, KindGlobal:
		return production
	}
	return small
}

// UsageFile overrides the defaults: per stack kind, then per stack. Keys are Usage's json names.
//
//	defaults:
//	  region: {natDataGb: 2500}
//	stacks:
//	  ams: {nodeScale: max}
type UsageFile struct {
	Defaults map[string]map[string]any `yaml:"defaults"`
	Stacks   map[string]map[string]any `yaml:"stacks"`
	path     string
}

// ReadUsageFile reads and checks a usage file (YAML or JSON).
func ReadUsageFile(path string) (*UsageFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f UsageFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w (top-level keys: defaults, stacks)", path, err)
	}
	f.path = path
	for _, kind := range sortedKeys(f.Defaults) {
		if kind != KindRegion && kind != KindEnvironment && kind != KindClient && kind != KindGlobal {
			return nil, fmt.Errorf("%s: defaults.%s: unknown stack kind; allowed: %s, %s, %s, %s", path, kind, KindRegion, KindEnvironment, KindClient, KindGlobal)
		}
		if _, err := f.apply(DefaultUsage(kind), f.Defaults[kind], "defaults."+kind); err != nil {
			return nil, err
		}
	}
	for _, stack := range sortedKeys(f.Stacks) {
		if _, err := f.apply(DefaultUsage(KindRegion), f.Stacks[stack], "stacks."+stack); err != nil {
			return nil, err
		}
	}
	return &f, nil
}

// For returns the usage of a stack: the kind's defaults, the file's defaults for the kind,
// then the file's values for the stack.
func (f *UsageFile) For(stack, kind string) Usage {
	u := DefaultUsage(kind)
	if f == nil {
		return u
	}
	u, _ = f.apply(u, f.Defaults[kind], "")
	u, _ = f.apply(u, f.Stacks[stack], "")
	return u
}

// apply overlays values on u; keys and values were checked by ReadUsageFile.
func (f *UsageFile) apply(u Usage, values map[string]any, path string) (Usage, error) {
	if len(values) == 0 {
		return u, nil
	}
	allowed := usageKeys()
	var base map[string]any
	data, _ := json.Marshal(u)
	_ = json.Unmarshal(data, &base)
	for _, k := range sortedKeys(values) {
		if _, ok := base[k]; !ok {
			return u, fmt.Errorf("%s: %s.%s: unknown usage key; allowed: %s", f.path, path, k, strings.Join(allowed, ", "))
		}
		base[k] = values[k]
	}
	data, _ = json.Marshal(base)
	var out Usage
	if err := json.Unmarshal(data, &out); err != nil {
		return u, fmt.Errorf("%s: %s: %w", f.path, path, err)
	}
	if err := out.check(); err != nil {
		return u, fmt.Errorf("%s: %s.%w", f.path, path, err)
	}
	return out, nil
}

func (u Usage) check() error {
	if u.NodeScale != ScaleMin && u.NodeScale != ScaleDesired && u.NodeScale != ScaleMax {
		return fmt.Errorf("nodeScale: %q; allowed: %s, %s, %s", u.NodeScale, ScaleMin, ScaleDesired, ScaleMax)
	}
	if u.SpotDiscount < 0 || u.SpotDiscount >= 1 {
		return fmt.Errorf("spotDiscount: %v; want a fraction in [0, 1), e.g. 0.6 for 60%% off on-demand", u.SpotDiscount)
	}
	return nil
}

func usageKeys() []string {
	var m map[string]any
	data, _ := json.Marshal(Usage{})
	_ = json.Unmarshal(data, &m)
	keys := sortedKeys(m)
	sort.Strings(keys)
	return keys
}
