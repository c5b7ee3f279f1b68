package program_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

// Every graph can be created in the order Pulumi derives from it, and declares nothing a remote
// component already creates (the audit `sovereign synth` runs too).
func TestDeployOrderAuditOfEveryStack(t *testing.T) {
	results := synthAll(t)
	if len(results) == 0 {
		t.Fatal("no stacks")
	}
	for name, r := range results {
		for _, v := range synth.Audit(r.Graph) {
			t.Errorf("%s: %s", name, v)
		}
	}
}

// Every pod-making object of a region waits for the node groups and the add-ons pods need; the
// audit checks it, and this names the objects it must have looked at, so a rename cannot make
// it pass by finding nothing.
func TestPodMakersWaitForNodes(t *testing.T) {
	for name, g := range regionGraphs(t) {
		releases := map[string]bool{}
		for _, r := range g.ByType("kubernetes:helm.sh/v3:Release") {
			releases[r.Inputs["chart"].(string)] = true
		}
		for _, want := range []string{"cluster-autoscaler", "metrics-server", "aws-load-balancer-controller"} {
			if !releases[want] {
				t.Errorf("%s: no %s release (have %v)", name, want, releases)
			}
		}
		k8s := ownKubernetesProvider(t, g, name)
		deps := strings.Join(k8s.DependsOn, " ")
		for _, want := range []string{"aws:eks/nodeGroup:NodeGroup::", "addon-coredns", "addon-eks-pod-identity-agent"} {
			if !strings.Contains(deps, want) {
				t.Errorf("%s: the Kubernetes provider does not wait for %s: %v", name, want, k8s.DependsOn)
			}
		}
	}
}

// Every Aurora member has IAM authentication, so a promoted secondary keeps it.
func TestIAMAuthOnEveryAuroraMember(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range regionGraphs(t) {
		if fleet.Stack(name).Database == nil {
			continue
		}
		for _, c := range mustFind(t, g, name, "Aurora cluster", ofType("aws:rds/cluster:Cluster")) {
			if c.Inputs["iamDatabaseAuthenticationEnabled"] != true {
				t.Errorf("%s: %s without IAM database authentication", name, c.Name)
			}
		}
	}
}

// Policies keep only the conditions AWS documents for each service principal: none on the
// CloudWatch statement of the alerts key or on the AWS Backup trust; aws:SourceAccount and
// aws:SourceArn (this region's alarms) on the topic policy.
func TestServicePrincipalConditions(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for name, g := range regionGraphs(t) {
		for _, k := range mustFind(t, g, name, "alerts KMS key", named("aws:kms/key:Key", "alerts")) {
			if strings.Contains(k.Inputs["policy"].(string), "SourceAccount") {
				t.Errorf("%s: alerts key policy has an undocumented condition: %s", name, k.Inputs["policy"])
			}
		}
		backupTrust := func(r synth.Resource) bool {
			return r.Type == "aws:iam/role:Role" && strings.Contains(asString(r.Inputs["assumeRolePolicy"]), "backup.amazonaws.com")
		}
		if fleet.Stack(name).Backup != nil && fleet.Stack(name).IsPrimary() { // only the writer's region runs the plan
			for _, r := range mustFind(t, g, name, "role AWS Backup assumes", backupTrust) {
				if strings.Contains(r.Inputs["assumeRolePolicy"].(string), "Condition") {
					t.Errorf("%s: backup role trust has a condition: %s", name, r.Inputs["assumeRolePolicy"])
				}
			}
		}
		tp := alertsTopicPolicy(t, g, name).Inputs["policy"].(string)
		if !strings.Contains(tp, `"aws:SourceAccount":"123456789012"`) || !strings.Contains(tp, `"aws:SourceArn":"arn:aws:cloudwatch:`) {
			t.Errorf("%s: topic policy without the documented conditions: %s", name, tp)
		}
	}
}

// ARNs are built from the account's partition, never a literal arn:aws:.
func TestClusterAdminPolicyPartition(t *testing.T) {
	for _, partition := range []string{"aws", "aws-us-gov", "aws-cn"} {
		want := "arn:" + partition + ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
		if got := cluster.ClusterAdminPolicy(scope.Scope{Partition: partition}); got != want {
			t.Errorf("%s: %s, want %s", partition, got, want)
		}
	}
}

// Every role EKS Pod Identity hands out trusts exactly the association that hands it out: the
// session tags Pod Identity sets (cluster, namespace, service account) are conditions of its trust,
// with the account, so an association made elsewhere cannot obtain it. Checked for every
// association of every stack, the ones inside an add-on included.
func TestPodIdentityRolesTrustOnlyTheirAssociation(t *testing.T) {
	type assoc struct{ role, cluster, namespace, sa string }
	checked := 0
	for name, r := range synthAll(t) {
		g := r.Graph
		roles := map[string]synth.Resource{}
		for _, role := range g.ByType("aws:iam/role:Role") {
			if arn, _ := role.State["arn"].(string); arn != "" {
				roles[arn] = role
			}
		}
		var all []assoc
		for _, a := range g.ByType("aws:eks/podIdentityAssociation:PodIdentityAssociation") {
			all = append(all, assoc{asString(a.Inputs["roleArn"]), asString(a.Inputs["clusterName"]), asString(a.Inputs["namespace"]), asString(a.Inputs["serviceAccount"])})
		}
		for _, ad := range g.ByType("aws:eks/addon:Addon") {
			for _, p := range asList(ad.Inputs["podIdentityAssociations"]) {
				p := p.(map[string]any)
				// EKS add-ons run their controllers in kube-system.
				all = append(all, assoc{asString(p["roleArn"]), asString(ad.Inputs["clusterName"]), "kube-system", asString(p["serviceAccount"])})
			}
		}
		for _, a := range all {
			role, ok := roles[a.role]
			if !ok {
				continue // a role of another stack: its own stack's graph checks it
			}
			var doc iampolicy.Document
			if err := json.Unmarshal([]byte(asString(role.Inputs["assumeRolePolicy"])), &doc); err != nil || len(doc.Statement) != 1 {
				t.Errorf("%s: %s trust %v (%v)", name, role.Name, role.Inputs["assumeRolePolicy"], err)
				continue
			}
			want := map[string]string{"aws:SourceAccount": synth.Account, "aws:RequestTag/eks-cluster-name": a.cluster,
				"aws:RequestTag/kubernetes-namespace": a.namespace, "aws:RequestTag/kubernetes-service-account": a.sa}
			if got := doc.Statement[0].Condition["StringEquals"]; mustJSON(got) != mustJSON(want) {
				t.Errorf("%s: %s is handed to %s/%s in %s but trusts %v", name, role.Name, a.namespace, a.sa, a.cluster, got)
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("only %d Pod Identity roles checked", checked)
	}
}
