package cassandracluster

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
)

// Repair is the cluster's Reaper configuration (config.CassandraRepair).
type Repair struct {
	RepairType                 string
	PercentUnrepairedThreshold int
	ScheduleSpreadPeriod       string
	ExcludedKeyspaces          []string
}

// ReaperSpec is the K8ssandraCluster's spec.reaper (k8ssandra-operator v1.32.5
// apis/reaper/v1alpha1 ReaperClusterTemplate): one Reaper (deploymentMode SINGLE, which the
// operator places in the first datacenter, the control plane's), keeping its state in the
// cluster it repairs (storageType cassandra, keyspace reaper_db, which the operator creates and
// replicates to every datacenter), with auto-scheduling: every user keyspace gets a repair
// schedule of its own, made and dropped with it (pkg/reaper/deployment.go turns autoScheduling
// into REAPER_AUTO_SCHEDULING_* variables). Its UI and REST API keep the operator's generated
// credentials (uiUserSecretRef unset: `<cluster>-reaper-ui`, pkg/reaper/resource.go). When the
// cluster has client encryption, Reaper uses the cluster's clientEncryptionStores
// (K8ssandraClusterSpec.Cassandra.ClientEncryptionStores: "used by Cassandra and Reaper"), so
// nothing is set here for it.
//
// Reaper reaches the nodes through the management API (httpManagement, which the CRD turns on
// by default: apis/reaper/v1alpha1 HttpManagement +kubebuilder:default=true; JMX stays local to
// the pod), and that API demands a client certificate of the cluster's CA (managementApiAuth,
// encryption.go): keystores names the Secret of JKS stores the control plane's region issues
// for Reaper (components/cassandra ReaperManagementSecret). Stated here, not left to the
// default, so that a CRD default changing cannot silently move Reaper to JMX.
func ReaperSpec(r *Repair) pulumi.Map {
	auto := pulumi.Map{
		"enabled":              pulumi.Bool(true),
		"repairType":           pulumi.String(r.RepairType),
		"scheduleSpreadPeriod": pulumi.String(r.ScheduleSpreadPeriod),
	}
	if r.RepairType == "INCREMENTAL" || r.RepairType == "AUTO" {
		auto["percentUnrepairedThreshold"] = pulumi.Int(r.PercentUnrepairedThreshold)
	}
	if len(r.ExcludedKeyspaces) > 0 {
		auto["excludedKeyspaces"] = pulumi.ToStringArray(r.ExcludedKeyspaces)
	}
	return pulumi.Map{
		"deploymentMode": pulumi.String("SINGLE"),
		"storageType":    pulumi.String("cassandra"),
		"autoScheduling": auto,
		"httpManagement": pulumi.Map{
			"enabled":   pulumi.Bool(true),
			"keystores": pulumi.Map{"name": pulumi.String(cassandra.ReaperManagementSecret)},
		},
		// On the control plane's Cassandra nodes, like the operator: Reaper calls every
		// datacenter's management API and metrics port, and the other datacenters admit only
		// the control plane's Cassandra tier (apis/reaper/v1alpha1 ReaperTemplate Tolerations,
		// Affinity; the template has no nodeSelector).
		"tolerations": cassandra.CassandraTolerations(),
		"affinity": pulumi.Map{"nodeAffinity": pulumi.Map{
			"requiredDuringSchedulingIgnoredDuringExecution": pulumi.Map{
				"nodeSelectorTerms": pulumi.Array{pulumi.Map{"matchExpressions": pulumi.Array{pulumi.Map{
					"key": pulumi.String(cassandra.NodeLabel), "operator": pulumi.String("In"),
					"values": pulumi.StringArray{pulumi.String(cassandra.NodeValue)},
				}}}},
			},
		}},
	}
}
