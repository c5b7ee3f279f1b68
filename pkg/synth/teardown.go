package synth

import (
	"fmt"
	"sort"
	"strings"
)

// What keeps `pulumi destroy` from finishing, and what AWS keeps after it has: the two halves of
// a stack's create/destroy/create cycle that the mocks cannot run (there is no AWS provider
// here), checked on the synthesized graph instead.

// destroyBlockers are the inputs with which AWS refuses to delete a resource.
var destroyBlockers = map[string]string{
	"aws:rds/globalCluster:GlobalCluster":     "deletionProtection",
	"aws:rds/cluster:Cluster":                 "deletionProtection",
	"aws:rds/clusterInstance:ClusterInstance": "deletionProtection",
	"aws:lb/loadBalancer:LoadBalancer":        "enableDeletionProtection",
}

// mustForceDestroy are the containers AWS refuses to delete while they hold something the
// stack never declared (objects, recovery points), unless forceDestroy empties them first.
var mustForceDestroy = map[string]string{
	"aws:s3/bucketV2:BucketV2": "objects (access logs)",
	"aws:s3/bucket:Bucket":     "objects",
	"aws:backup/vault:Vault":   "recovery points",
}

// DestroyAudit lists what would stop `pulumi destroy` of the graph's stack from finishing:
// resources protected from Pulumi (rule "protected"), AWS deletion protection switched on
// ("deletion-protection"), a bucket or backup vault that is not emptied on delete
// ("force-destroy"), and an Aurora cluster that must take a final snapshot without a name for it
// ("final-snapshot"). A throwaway stack (global-sovereign:stack.protect false) has none; a
// protected production stack lists every resource that guards its data.
func DestroyAudit(g *Graph) []Violation {
	var out []Violation
	for _, r := range g.Resources {
		if r.Modelled {
			continue
		}
		if r.Protect {
			out = append(out, Violation{Rule: "protected", Holder: r.URN,
				Msg: "pulumi.Protect: destroy refuses to delete it (set global-sovereign:stack.protect: false and run up first)"})
		}
		if key, ok := destroyBlockers[r.Type]; ok && r.Inputs[key] == true {
			out = append(out, Violation{Rule: "deletion-protection", Holder: r.URN, Path: key,
				Msg: "AWS refuses to delete it while " + key + " is true"})
		}
		if what, ok := mustForceDestroy[r.Type]; ok && r.Inputs["forceDestroy"] != true {
			out = append(out, Violation{Rule: "force-destroy", Holder: r.URN, Path: "forceDestroy",
				Msg: "AWS refuses to delete it while it holds " + what + "; forceDestroy is not true"})
		}
		if r.Type == "aws:rds/cluster:Cluster" && r.Inputs["skipFinalSnapshot"] != true {
			if id, _ := r.Inputs["finalSnapshotIdentifier"].(string); id == "" {
				out = append(out, Violation{Rule: "final-snapshot", Holder: r.URN, Path: "finalSnapshotIdentifier",
					Msg: "takes a final snapshot on delete but names none"})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// RetainedName is a physical name that AWS keeps after Pulumi deleted (or while deleting) the
// resource that used it: creating something of the same kind with that name fails until AWS lets
// it go.
type RetainedName struct {
	Kind    string // what AWS keeps, e.g. "RDS DB cluster snapshot"
	Scope   string // where the name must be unique: an AWS region, or "global"
	Name    string
	URN     string // the resource that leaves it behind
	Release string // when AWS lets the name go
}

func (n RetainedName) String() string {
	return fmt.Sprintf("%s %q in %s (left by %s; %s)", n.Kind, n.Name, n.Scope, n.URN, n.Release)
}

// RetainedNames lists the physical names the graph's stack leaves behind in AWS when it is
// destroyed: the final snapshot of every Aurora cluster (kept until someone deletes it), the name
// of every Secrets Manager secret deleted with a recovery window (kept for the window), the final
// snapshot of a cache that takes one, and every S3 bucket name (AWS may take a while to free it).
// Names AWS frees at once (KMS aliases, log groups, clusters, vaults, IAM roles, ...) are not
// listed. KMS keys wait 30 days for deletion but have no name.
func RetainedNames(g *Graph) []RetainedName {
	regions := providerRegions(g)
	var out []RetainedName
	for _, r := range g.Resources {
		scope := regions[r.Provider]
		name := func(key string) string {
			if v, _ := r.Inputs[key].(string); v != "" {
				return v
			}
			v, _ := r.State[key].(string) // auto-named: what the provider chose
			return v
		}
		switch r.Type {
		case "aws:rds/cluster:Cluster":
			if r.Inputs["skipFinalSnapshot"] != true {
				if id := name("finalSnapshotIdentifier"); id != "" {
					out = append(out, RetainedName{Kind: "RDS DB cluster snapshot", Scope: scope, Name: id, URN: r.URN,
						Release: "kept until deleted by hand"})
				}
			}
		case "aws:elasticache/replicationGroup:ReplicationGroup":
			if id := name("finalSnapshotIdentifier"); id != "" {
				out = append(out, RetainedName{Kind: "ElastiCache snapshot", Scope: scope, Name: id, URN: r.URN,
					Release: "kept until deleted by hand"})
			}
		case "aws:secretsmanager/secret:Secret":
			days := 30 // the provider's default
			if v, ok := r.Inputs["recoveryWindowInDays"].(float64); ok {
				days = int(v)
			}
			if n := name("name"); n != "" && days > 0 {
				out = append(out, RetainedName{Kind: "Secrets Manager secret", Scope: scope, Name: n, URN: r.URN,
					Release: fmt.Sprintf("kept for its %d-day recovery window", days)})
			}
		case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
			if n := name("bucket"); n != "" {
				out = append(out, RetainedName{Kind: "S3 bucket name", Scope: "global", Name: n, URN: r.URN,
					Release: "may stay taken for a while after deletion"})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// NameCollisions lists the names a later generation of a stack (next) would create that AWS still
// keeps from an earlier one (prev, destroyed): each would fail on create.
func NameCollisions(prev, next *Graph) []RetainedName {
	retained := map[string]RetainedName{}
	for _, n := range RetainedNames(prev) {
		retained[n.Kind+"\x00"+n.Scope+"\x00"+n.Name] = n
	}
	var out []RetainedName
	for _, n := range usedNames(next) {
		if old, ok := retained[n.Kind+"\x00"+n.Scope+"\x00"+n.Name]; ok {
			out = append(out, old)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// usedNames are the names of the kinds RetainedNames knows that a graph creates or takes on
// delete, whatever its recovery settings.
func usedNames(g *Graph) []RetainedName {
	regions := providerRegions(g)
	var out []RetainedName
	for _, r := range g.Resources {
		scope := regions[r.Provider]
		get := func(key string) string {
			if v, _ := r.Inputs[key].(string); v != "" {
				return v
			}
			v, _ := r.State[key].(string)
			return v
		}
		add := func(kind, scope, name string) {
			if name != "" {
				out = append(out, RetainedName{Kind: kind, Scope: scope, Name: name, URN: r.URN})
			}
		}
		switch r.Type {
		case "aws:rds/cluster:Cluster":
			add("RDS DB cluster snapshot", scope, get("finalSnapshotIdentifier"))
		case "aws:elasticache/replicationGroup:ReplicationGroup":
			add("ElastiCache snapshot", scope, get("finalSnapshotIdentifier"))
		case "aws:secretsmanager/secret:Secret":
			add("Secrets Manager secret", scope, get("name"))
		case "aws:s3/bucketV2:BucketV2", "aws:s3/bucket:Bucket":
			add("S3 bucket name", "global", get("bucket"))
		}
	}
	return out
}

// providerRegions maps each aws provider of the graph to its region.
func providerRegions(g *Graph) map[string]string {
	out := map[string]string{}
	for _, p := range g.ByType("pulumi:providers:aws") {
		if region, _ := p.Inputs["region"].(string); region != "" {
			out[p.URN] = region
		}
	}
	return out
}

// FormatViolations renders findings one per line, for test and command output.
func FormatViolations(vs []Violation) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}
