package orchestrate

import (
	"fmt"
	"io"
	"strings"
)

// Step is one resource an operation changes or, in a preview, would change.
type Step struct {
	// Op is create, update, replace, delete or import.
	Op   string `json:"operation"`
	Type string `json:"type"`
	Name string `json:"name"`
	URN  string `json:"urn"`
	// Protected: the resource is protected in the stack's state or the program (pulumi.Protect).
	Protected bool `json:"protected,omitempty"`
	// Stateful: the resource holds data that a replacement or a deletion loses (StatefulTypes).
	Stateful bool `json:"stateful,omitempty"`
	// Keys are the properties that differ, when the provider says (update, replace).
	Keys []string `json:"keys,omitempty"`
}

// StatefulTypes are the resource types whose replacement or deletion loses data or identity
// others depend on: the types this program protects (pkg/scope Protect) and the storage the
// clusters hold. A step on one is called out even when its protection was turned off.
var StatefulTypes = map[string]bool{
	"aws:kms/key:Key":                                               true,
	"aws:cloudwatch/logGroup:LogGroup":                              true,
	"aws:backup/vault:Vault":                                        true,
	"aws:secretsmanager/secret:Secret":                              true,
	"aws:s3/bucketV2:BucketV2":                                      true,
	"aws:s3/bucket:Bucket":                                          true,
	"aws:rds/cluster:Cluster":                                       true,
	"aws:rds/clusterInstance:ClusterInstance":                       true,
	"aws:rds/globalCluster:GlobalCluster":                           true,
	"aws:elasticache/replicationGroup:ReplicationGroup":             true,
	"aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": true,
	"aws:amp/workspace:Workspace":                                   true,
	"aws:dynamodb/table:Table":                                      true,
	"aws:ebs/volume:Volume":                                         true,
	"kubernetes:core/v1:PersistentVolumeClaim":                      true,
	"kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster":             true,
}

// Dangerous reports whether the step loses something that is hard to get back: a replacement
// or deletion of a protected or stateful resource.
func (s Step) Dangerous() bool {
	return (s.Op == "replace" || s.Op == "delete") && (s.Protected || s.Stateful)
}

// stepSymbols are Pulumi's own marks for each kind of step.
var stepSymbols = map[string]string{"create": "+", "update": "~", "replace": "+-", "delete": "-", "import": "=", "read": ">"}

// WriteDiff prints, per stack, every resource the operation changes (by operation, type and
// name) and then calls out each replacement or deletion of a protected or stateful resource.
// It reports how many steps were dangerous.
func WriteDiff(w io.Writer, s *Summary) (dangerous int, err error) {
	var b strings.Builder
	var callouts []string
	for _, r := range s.Stacks {
		switch {
		case r.Status == New:
			fmt.Fprintf(&b, "%s: not deployed yet: its first up creates every resource of it\n", r.Stack)
			continue
		case r.Status == Waiting:
			fmt.Fprintf(&b, "%s: %s\n", r.Stack, r.Error)
			continue
		case !r.Status.OK():
			fmt.Fprintf(&b, "%s: %s: %s\n", r.Stack, r.Status, r.Error)
			continue
		case len(r.Steps) == 0:
			fmt.Fprintf(&b, "%s: no changes\n", r.Stack)
			continue
		}
		c := r.Changes
		fmt.Fprintf(&b, "%s: %d to create, %d to update, %d to replace, %d to delete\n", r.Stack, c.Create, c.Update, c.Replace, c.Delete)
		for _, st := range r.Steps {
			mark := stepSymbols[st.Op]
			line := fmt.Sprintf("  %-2s %-8s %s %s", mark, st.Op, st.Type, st.Name)
			if len(st.Keys) > 0 && st.Op != "create" && st.Op != "delete" {
				line += " (" + strings.Join(st.Keys, ", ") + ")"
			}
			if st.Dangerous() {
				line += "  !! " + what(st)
				callouts = append(callouts, fmt.Sprintf("%s: %s %s %s (%s)", r.Stack, st.Op, st.Type, st.Name, what(st)))
			}
			b.WriteString(line + "\n")
		}
	}
	if len(callouts) > 0 {
		fmt.Fprintf(&b, "\n!! %d replacement(s) or deletion(s) of protected or stateful resources:\n", len(callouts))
		for _, c := range callouts {
			b.WriteString("   " + c + "\n")
		}
	}
	_, err = io.WriteString(w, b.String())
	return len(callouts), err
}

func what(st Step) string {
	var parts []string
	if st.Protected {
		parts = append(parts, "protected: the engine refuses until its protection is removed")
	}
	if st.Stateful {
		parts = append(parts, "stateful: its data is lost")
	}
	return strings.Join(parts, "; ")
}
