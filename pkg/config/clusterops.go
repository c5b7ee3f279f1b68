package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Node group kinds: what a group is for decides whether a CPU alarm on it means anything and
// whether the platform's add-ons wait for it.
const (
	// NodeKindGeneral: on-demand groups without a NoSchedule/NoExecute taint, where the platform's
	// own pods (CoreDNS, controllers, the API) run. The cluster's add-ons and its Kubernetes
	// provider wait for these groups only.
	NodeKindGeneral = "general"
	// NodeKindSpot: spot groups, built to run their CPU hot.
	NodeKindSpot = "spot"
	// NodeKindDedicated: on-demand groups tainted for one workload (batch, say).
	NodeKindDedicated = "dedicated"
	// NodeKindCassandra: the Cassandra datacenter's fixed-size groups.
	NodeKindCassandra = "cassandra"
)

// nodeKinds are the kinds nodeCpuAlarmPercent may name.
var nodeKinds = []string{NodeKindGeneral, NodeKindSpot, NodeKindDedicated, NodeKindCassandra}

// defaultNodeCPUAlarmPercent: sustained CPU on general nodes means the autoscaler is not keeping
// up; spot and dedicated batch nodes are meant to run hot; Cassandra nodes run compaction and
// repair at high CPU, so only a higher, sustained level means anything.
var defaultNodeCPUAlarmPercent = map[string]int{NodeKindGeneral: 80, NodeKindSpot: 0, NodeKindDedicated: 0, NodeKindCassandra: 85}

// Kind is the group's kind (general, spot or dedicated; the Cassandra groups are the program's).
func (g NodeGroup) Kind() string {
	if g.CapacityType == CapacitySpot {
		return NodeKindSpot
	}
	for _, t := range g.Taints {
		if t.Effect == TaintNoSchedule || t.Effect == TaintNoExecute {
			return NodeKindDedicated
		}
	}
	return NodeKindGeneral
}

// validateClusterOps checks the day-2 keys: who creates the cluster, log retention, alarms, and
// that a general group exists for the platform's add-ons to run on.
func validateClusterOps(is *issues, c *Cluster) {
	if arn := c.CreatorRoleArn; arn != "" {
		p := keyPath(KeyCluster, "creatorRoleArn")
		if !roleArnRE.MatchString(arn) {
			is.add(p, "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", arn)
		}
		for _, list := range []struct {
			key  string
			arns []string
		}{{"adminRoleArns", c.AdminRoleArns}, {"viewerRoleArns", c.ViewerRoleArns}, {"auditorRoleArns", c.AuditorRoleArns}} {
			if i := slices.IndexFunc(list.arns, func(a string) bool { return sameRole(a, arn) }); i >= 0 {
				is.addPair(fmt.Sprintf("%s[%d]", keyPath(KeyCluster, list.key), i), p,
					"%s creates the cluster, and EKS gives the creator an admin access entry of its own (pulumi-eks sets "+
						"bootstrapClusterCreatorAdminPermissions); a second entry for it fails with ResourceInUseException: remove it here", arn)
			}
		}
	}
	if !slices.Contains(logRetentionDays, c.ControlPlaneLogRetentionDays) {
		is.add(keyPath(KeyCluster, "controlPlaneLogRetentionDays"), "%d: CloudWatch Logs allows %v", c.ControlPlaneLogRetentionDays, logRetentionDays)
	}
	for _, kind := range slices.Sorted(maps.Keys(c.NodeCPUAlarmPercent)) {
		p := keyPath(KeyCluster, "nodeCpuAlarmPercent", kind)
		switch pct := c.NodeCPUAlarmPercent[kind]; {
		case !slices.Contains(nodeKinds, kind):
			is.add(p, "unknown node group kind; want one of %s", strings.Join(nodeKinds, ", "))
		case pct < 0 || pct > 100:
			is.add(p, "%d: want 1 to 100, or 0 for no alarm", pct)
		}
	}
	general := false
	for _, g := range c.NodeGroups {
		general = general || g.Kind() == NodeKindGeneral
	}
	if len(c.NodeGroups) > 0 && !general {
		is.add(keyPath(KeyCluster, "nodeGroups"), "no general group (on-demand, without a NoSchedule/NoExecute taint): "+
			"CoreDNS, the Pod Identity agent, the EBS CSI controller and the platform's controllers run there, and wait for it")
	}
}

// sameRole says whether two IAM role ARNs name one role: IAM role names are unique in an account
// whatever their path, so roles compare by partition, account and name (as awscheck.SameRole
// compares a caller with a role).
func sameRole(a, b string) bool {
	return roleIdentity(a) == roleIdentity(b)
}

// roleIdentity is what names an IAM role: partition, account and name, without the path, the
// name in lower case (IAM role names are unique in an account whatever their case); the ARN
// itself when it is not one.
func roleIdentity(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) != 6 || p[5] == "" {
		return arn
	}
	return p[1] + ":" + p[4] + ":" + strings.ToLower(p[5][strings.LastIndex(p[5], "/")+1:])
}
