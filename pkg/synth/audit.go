package synth

import (
	"fmt"
	"sort"
	"strings"
)

// Violation is one finding of the deploy-order audit: Holder cannot be created as declared
// because of Target.
type Violation struct {
	Rule   string // "order", "pods-need-nodes" or "duplicate"
	Holder string // URN of the resource at fault
	Path   string // its input path, where one applies
	Target string // URN of the resource it names, duplicates or lacks
	Msg    string
}

func (v Violation) String() string {
	if v.Path != "" {
		return fmt.Sprintf("%s: %s input %s: %s", v.Rule, v.Holder, v.Path, v.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", v.Rule, v.Holder, v.Msg)
}

// physicalNames are the inputs that name a resource of a type in AWS's APIs: another resource
// given that name (rather than the id or ARN) refers to it.
var physicalNames = map[string]string{
	"aws:eks/cluster:Cluster":                             "name",
	"aws:eks/nodeGroup:NodeGroup":                         "nodeGroupName",
	"aws:iam/role:Role":                                   "name",
	"aws:iam/instanceProfile:InstanceProfile":             "name",
	"aws:s3/bucketV2:BucketV2":                            "bucket",
	"aws:s3/bucket:Bucket":                                "bucket",
	"aws:cloudwatch/logGroup:LogGroup":                    "name",
	"aws:kms/alias:Alias":                                 "name",
	"aws:rds/cluster:Cluster":                             "clusterIdentifier",
	"aws:rds/clusterInstance:ClusterInstance":             "identifier",
	"aws:rds/globalCluster:GlobalCluster":                 "globalClusterIdentifier",
	"aws:rds/subnetGroup:SubnetGroup":                     "name",
	"aws:rds/clusterParameterGroup:ClusterParameterGroup": "name",
	"aws:elasticache/replicationGroup:ReplicationGroup":   "replicationGroupId",
	"aws:elasticache/subnetGroup:SubnetGroup":             "name",
	"aws:backup/vault:Vault":                              "name",
	"aws:secretsmanager/secret:Secret":                    "name",
	"aws:sns/topic:Topic":                                 "name",
	"aws:lb/loadBalancer:LoadBalancer":                    "name",
	"aws:lb/targetGroup:TargetGroup":                      "name",
}

// podMakers start pods: they need a node (and DNS) to become ready. EKS add-ons other than
// those a node needs to join (vpc-cni, kube-proxy) run pods too.
var podMakers = map[string]bool{
	"kubernetes:apps/v1:Deployment": true, "kubernetes:apps/v1:DaemonSet": true, "kubernetes:apps/v1:StatefulSet": true,
	"kubernetes:apps/v1:ReplicaSet": true, "kubernetes:batch/v1:Job": true, "kubernetes:batch/v1:CronJob": true,
	"kubernetes:core/v1:Pod": true, "kubernetes:helm.sh/v3:Release": true, "kubernetes:helm.sh/v4:Chart": true,
}

// podMakingKinds are custom resources whose operators start pods.
var podMakingKinds = []string{":K8ssandraCluster", ":CassandraDatacenter", ":Prometheus", ":Alertmanager"}

// nodeAddons run before nodes can join; every other add-on makes pods.
var nodeAddons = map[string]bool{"vpc-cni": true, "kube-proxy": true}

// dnsFreeAddons make pods that need no cluster DNS: CoreDNS itself and the Pod Identity agent
// (a host-network DaemonSet).
var dnsFreeAddons = map[string]bool{"coredns": true, "eks-pod-identity-agent": true}

func hostNetworkAddon(r Resource) bool {
	name, _ := r.Inputs["addonName"].(string)
	return r.Type == typeAddon && dnsFreeAddons[name]
}

const (
	typeNodeGroup = "aws:eks/nodeGroup:NodeGroup"
	typeAddon     = "aws:eks/addon:Addon"
	typeCluster   = "aws:eks/cluster:Cluster"
	typePodIdent  = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
	// typeStackReference is another stack's outputs, read before this stack's resources.
	typeStackReference = "pulumi:pulumi:StackReference"
)

// Audit checks that the graph can be created in the order Pulumi will create it, which comes
// only from dependencies, and that it declares nothing a remote component already creates:
//   - order: an input holding another resource's id, ARN or physical name (a cluster, role,
//     bucket, ... name; a Kubernetes namespace) must depend on that resource, directly or
//     through its dependencies, parents and provider;
//   - pods-need-nodes: a pod-making object must depend on a node group of its cluster and (but
//     for CoreDNS and host-network agents) on its CoreDNS add-on, and anything that uses Pod
//     Identity on the Pod Identity agent;
//   - duplicate: a registered resource must not be one that a remote component creates.
func Audit(g *Graph) []Violation {
	a := newAuditor(g)
	var out []Violation
	out = append(out, a.order()...)
	out = append(out, a.podsNeedNodes()...)
	out = append(out, a.duplicates()...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

type auditor struct {
	g          *Graph
	byURN      map[string]*Resource
	children   map[string][]string
	closures   map[string]map[string]bool
	inProgress map[string]bool
}

func newAuditor(g *Graph) *auditor {
	a := &auditor{g: g, byURN: map[string]*Resource{}, children: map[string][]string{}, closures: map[string]map[string]bool{},
		inProgress: map[string]bool{}}
	for i := range g.Resources {
		r := &g.Resources[i]
		a.byURN[r.URN] = r
		if r.Parent != "" {
			a.children[r.Parent] = append(a.children[r.Parent], r.URN)
		}
	}
	return a
}

// closure is every resource that exists before urn is created: its dependencies and provider,
// what those waited for in turn, every descendant of a component it depends on (a component is
// complete when its children are), its custom ancestors, and what its ancestors waited for
// (a child registers only once its parent has). Siblings are not in it: being in the same
// component orders nothing.
func (a *auditor) closure(urn string) map[string]bool {
	if c, ok := a.closures[urn]; ok {
		return c
	}
	if a.inProgress[urn] {
		return nil // dependencies are acyclic; this only guards against a malformed graph
	}
	a.inProgress[urn] = true
	defer delete(a.inProgress, urn)
	seen := map[string]bool{}
	var dep func(u string)
	dep = func(u string) {
		if u == "" || seen[u] {
			return
		}
		seen[u] = true
		for d := range a.closure(u) {
			seen[d] = true
		}
		if r := a.byURN[u]; r != nil && !r.Custom {
			for _, c := range a.descendants(u) {
				dep(c)
			}
		}
	}
	if r := a.byURN[urn]; r != nil {
		for _, d := range r.DependsOn {
			dep(d)
		}
		dep(r.Provider)
		for _, p := range r.Providers {
			dep(p)
		}
		for p := r.Parent; p != ""; {
			pr := a.byURN[p]
			if pr == nil {
				break
			}
			if pr.Custom {
				dep(p)
			} else {
				for d := range a.closure(p) {
					seen[d] = true
				}
			}
			p = pr.Parent
		}
	}
	a.closures[urn] = seen
	return seen
}

func (a *auditor) descendants(urn string) []string {
	var out []string
	for _, c := range a.children[urn] {
		out = append(out, c)
		out = append(out, a.descendants(c)...)
	}
	return out
}

func (a *auditor) isDescendant(urn, of string) bool {
	for r := a.byURN[urn]; r != nil && r.Parent != ""; r = a.byURN[r.Parent] {
		if r.Parent == of {
			return true
		}
	}
	return false
}

// identity is one value by which other resources refer to a resource.
type identity struct {
	target string // URN
	kind   string // "id", "arn", "name" or "namespace"
}

func (a *auditor) identities() map[string][]identity {
	ids := map[string][]identity{}
	add := func(v any, urn, kind string) {
		if s, ok := v.(string); ok && len(s) >= 3 && s != SecretMarker && s != "[unknown]" {
			ids[s] = append(ids[s], identity{urn, kind})
		}
	}
	for _, r := range a.g.Resources {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:") {
			continue
		}
		if strings.HasPrefix(r.Type, "aws:") {
			add(r.ID, r.URN, "id")
			add(r.State["arn"], r.URN, "arn")
			if key, ok := physicalNames[r.Type]; ok {
				v := r.Inputs[key]
				if v == nil {
					v = r.State[key]
				}
				add(v, r.URN, "name")
			}
		}
		if r.Type == "kubernetes:core/v1:Namespace" {
			if md, ok := r.Inputs["metadata"].(map[string]any); ok {
				add(md["name"], r.URN, "namespace")
			}
		}
	}
	// Attachments share the identity of what they attach to (a topic policy's id is the topic's
	// ARN, a bucket's configurations' ids are its name): of resources sharing a value, the one
	// the others already depend on is what the value names.
	for v, list := range ids {
		var roots []identity
		for _, id := range list {
			attached := false
			for _, other := range list {
				if other.target != id.target && a.closure(id.target)[other.target] {
					attached = true
					break
				}
			}
			if !attached {
				roots = append(roots, id)
			}
		}
		ids[v] = roots
	}
	return ids
}

// order is the rule that a reference by value carries a dependency.
func (a *auditor) order() []Violation {
	ids := a.identities()
	var out []Violation
	for _, r := range a.g.Resources {
		if r.Modelled || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		isK8s := strings.HasPrefix(r.Type, "kubernetes:")
		reported := map[string]bool{}
		walkStrings(r.Inputs, "", func(path, v string) {
			for _, id := range ids[v] {
				if reported[path+" "+id.target] {
					continue
				}
				if id.target == r.URN || a.isDescendant(id.target, r.URN) {
					continue
				}
				// A namespace is referred to by Kubernetes objects' namespace fields only.
				if id.kind == "namespace" && !(isK8s && (path == "metadata.namespace" || path == "namespace")) {
					continue
				}
				if a.closure(r.URN)[id.target] {
					continue
				}
				reported[path+" "+id.target] = true
				out = append(out, Violation{Rule: "order", Holder: r.URN, Path: path, Target: id.target,
					Msg: fmt.Sprintf("holds the %s of %s (%q) but does not depend on it, so Pulumi may create it first; "+
						"pass that resource's output instead of a string, or add DependsOn", id.kind, id.target, v)})
			}
		})
	}
	return out
}

// walkStrings calls fn for every string leaf of v with its dotted path, skipping tags (labels,
// not references).
func walkStrings(v any, path string, fn func(path, v string)) {
	switch t := v.(type) {
	case string:
		fn(path, t)
	case []any:
		for i, e := range t {
			walkStrings(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case map[string]any:
		for k, e := range t {
			if k == "tags" || k == "tagsAll" || k == "tagSpecifications" || k == "defaultTags" {
				continue
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			walkStrings(e, p, fn)
		}
	}
}

func (a *auditor) isPodMaker(r Resource) bool {
	if r.Modelled {
		return false
	}
	if podMakers[r.Type] {
		return true
	}
	if r.Type == typeAddon {
		name, _ := r.Inputs["addonName"].(string)
		return !nodeAddons[name]
	}
	for _, k := range podMakingKinds {
		if strings.HasPrefix(r.Type, "kubernetes:") && strings.HasSuffix(r.Type, k) {
			return true
		}
	}
	return false
}

// clusterOf is the name of the EKS cluster a resource runs in: an add-on's clusterName, or the
// one cluster a Kubernetes object's provider waits for.
func (a *auditor) clusterOf(r Resource) string {
	if r.Type == typeAddon {
		s, _ := r.Inputs["clusterName"].(string)
		if s == SecretMarker || s == "[unknown]" {
			return ""
		}
		return s
	}
	names := map[string]bool{}
	for u := range a.closure(r.URN) {
		if c := a.byURN[u]; c != nil && c.Type == typeCluster {
			if n, ok := c.Inputs["name"].(string); ok {
				names[n] = true
			}
		}
	}
	if len(names) == 1 {
		for n := range names {
			return n
		}
	}
	return ""
}

// referencedCluster reports whether a Kubernetes object's provider is a cluster another stack
// declares: its closure holds a StackReference (the kubeconfig comes from there) and no EKS
// cluster of this graph.
func (a *auditor) referencedCluster(r Resource) bool {
	provider := a.byURN[r.Provider]
	if provider == nil || provider.Type != "pulumi:providers:kubernetes" {
		return false
	}
	ref := false
	for u := range a.closure(provider.URN) {
		switch d := a.byURN[u]; {
		case d == nil:
		case d.Type == typeCluster:
			return false
		case d.Type == typeStackReference:
			ref = true
		}
	}
	return ref
}

func (a *auditor) podsNeedNodes() []Violation {
	var out []Violation
	for _, r := range a.g.Resources {
		if !a.isPodMaker(r) {
			continue
		}
		cluster := a.clusterOf(r)
		if cluster == "" && a.referencedCluster(r) {
			// The cluster of another stack (a client's home): its nodes and add-ons exist
			// before this stack deploys, which reads it and is ordered after it.
			continue
		}
		if cluster == "" {
			out = append(out, Violation{Rule: "pods-need-nodes", Holder: r.URN,
				Msg: "makes pods but waits for no single EKS cluster; give it the cluster's Kubernetes provider"})
			continue
		}
		closure := a.closure(r.URN)
		has := func(match func(Resource) bool) bool {
			for u := range closure {
				if d := a.byURN[u]; d != nil && match(*d) {
					return true
				}
			}
			return false
		}
		inCluster := func(d Resource) bool { return d.Inputs["clusterName"] == cluster }
		addon := func(name string) func(Resource) bool {
			return func(d Resource) bool { return d.Type == typeAddon && inCluster(d) && d.Inputs["addonName"] == name }
		}
		var missing []string
		if !has(func(d Resource) bool { return d.Type == typeNodeGroup && inCluster(d) }) {
			missing = append(missing, "a node group")
		}
		// Pods resolve names through CoreDNS, except CoreDNS itself and the host-network agents.
		if !hostNetworkAddon(r) && !has(addon("coredns")) {
			missing = append(missing, "the coredns add-on")
		}
		if has(func(d Resource) bool { return d.Type == typePodIdent }) && !has(addon("eks-pod-identity-agent")) {
			missing = append(missing, "the eks-pod-identity-agent add-on (it uses Pod Identity)")
		}
		if len(missing) > 0 {
			out = append(out, Violation{Rule: "pods-need-nodes", Holder: r.URN,
				Msg: fmt.Sprintf("makes pods in cluster %s but does not wait for %s; its pods would stay pending until "+
					"the create times out", cluster, strings.Join(missing, " or "))})
		}
	}
	return out
}

// duplicateKeys say what AWS allows only once: a second resource with the same key fails on
// create.
var duplicateKeys = map[string][]string{
	typeAddon:                         {"clusterName", "addonName"},
	"aws:eks/accessEntry:AccessEntry": {"clusterName", "principalArn"},
	"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {"url"},
	typeCluster: {"name"},
}

func (a *auditor) duplicates() []Violation {
	key := func(r Resource) string {
		fields, ok := duplicateKeys[r.Type]
		if !ok {
			return ""
		}
		parts := []string{r.Type}
		for _, f := range fields {
			v, _ := r.Inputs[f].(string)
			if v == "" {
				v, _ = r.State[f].(string)
			}
			if v == "" || v == "[unknown]" {
				return ""
			}
			parts = append(parts, v)
		}
		return strings.Join(parts, "|")
	}
	modelled := map[string]string{}
	for _, r := range a.g.Resources {
		if r.Modelled {
			if k := key(r); k != "" {
				modelled[k] = r.URN
			}
		}
	}
	var out []Violation
	for _, r := range a.g.Resources {
		if r.Modelled {
			continue
		}
		if m, ok := modelled[key(r)]; ok {
			out = append(out, Violation{Rule: "duplicate", Holder: r.URN, Target: m,
				Msg: fmt.Sprintf("declares what the remote component already creates (%s); AWS refuses the second one on create: "+
					"let one of them own it", m)})
		}
	}
	return out
}

// PhysicalName is the name a resource has in AWS's APIs (see physicalNames), as the mocks
// answered it when the program let AWS or Pulumi choose it.
type PhysicalName struct {
	Type, Name, URN string
}

// PhysicalNames lists the AWS names of the resources of g whose type has one.
func PhysicalNames(g *Graph) []PhysicalName {
	var out []PhysicalName
	for _, r := range g.Resources {
		key, ok := physicalNames[r.Type]
		if !ok {
			continue
		}
		v := r.Inputs[key]
		if v == nil {
			v = r.State[key]
		}
		if name, ok := v.(string); ok && name != "" {
			out = append(out, PhysicalName{Type: r.Type, Name: name, URN: r.URN})
		}
	}
	return out
}
