package program_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

func TestIngress(t *testing.T) {
	for name, g := range regionGraphs(t) {
		alb := one(t, g, name, "aws:lb/loadBalancer:LoadBalancer")
		in := alb.Inputs
		logs := in["accessLogs"].(map[string]any)
		if in["internal"] != false || in["loadBalancerType"] != "application" || in["dropInvalidHeaderFields"] != true || logs["enabled"] != true {
			t.Errorf("%s: load balancer %v", name, in)
		}
		if mustJSON(in["subnets"]) != mustJSON(g.Outputs[program.OutPublicSubnetIDs]) {
			t.Errorf("%s: load balancer in %v, want the public subnets %v", name, in["subnets"], g.Outputs[program.OutPublicSubnetIDs])
		}
		listeners := map[any]map[string]any{}
		for _, l := range g.ByType("aws:lb/listener:Listener") {
			listeners[l.Inputs["port"]] = l.Inputs
		}
		https, http := listeners[float64(443)], listeners[float64(80)]
		if https == nil || https["protocol"] != "HTTPS" || !strings.HasPrefix(https["sslPolicy"].(string), "ELBSecurityPolicy-TLS13") ||
			!strings.Contains(https["certificateArn"].(string), ":certificate/") {
			t.Errorf("%s: HTTPS listener %v", name, https)
		}
		if http == nil || http["defaultActions"].([]any)[0].(map[string]any)["type"] != "redirect" {
			t.Errorf("%s: HTTP must only redirect: %v", name, http)
		}
		tg := one(t, g, name, "aws:lb/targetGroup:TargetGroup")
		if tg.Inputs["targetType"] != "ip" || tg.Inputs["port"] != float64(config.DefaultAPIPort) {
			t.Errorf("%s: target group %v", name, tg.Inputs)
		}
		// The access-log bucket: the Cassandra control plane's region also holds the backup bucket.
		pab := outside(t, g, name, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "BackupStore").Inputs
		for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
			if pab[k] != true {
				t.Errorf("%s: access-log bucket %s = %v", name, k, pab[k])
			}
		}
		outside(t, g, name, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "BackupStore")
		if p := outside(t, g, name, "aws:s3/bucketPolicy:BucketPolicy", "BackupStore").Inputs["policy"].(string); !strings.Contains(p, `"aws:SecureTransport":"false"`) {
			t.Errorf("%s: bucket policy does not refuse plain HTTP: %s", name, p)
		}
		if !strings.HasPrefix(g.Outputs[program.OutLoadBalancerEndpoint].(string), "https://api-"+name+".") {
			t.Errorf("%s: loadBalancerEndpoint %v", name, g.Outputs[program.OutLoadBalancerEndpoint])
		}
		mustFind(t, g, name, "AWS Load Balancer Controller Helm release", withInput("kubernetes:helm.sh/v3:Release", "chart", "aws-load-balancer-controller"))
		for _, p := range mustFind(t, g, name, "lb-controller role policy", named("aws:iam/rolePolicy:RolePolicy", "lb-controller")) {
			if !strings.Contains(p.Inputs["policy"].(string), `"Resource":["arn:aws:elasticloadbalancing:`) {
				t.Errorf("%s: controller may register targets beyond its target group: %s", name, p.Inputs["policy"])
			}
		}
		// No image in the committed config: the binding still names the Service api/api that
		// the application's pipeline creates, in the namespace that injects readiness gates,
		// and the target group is exported for pipelines that bind their own.
		tgb := one(t, g, name, "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")
		ns := mustFind(t, g, name, "the API namespace", func(r synth.Resource) bool {
			md, _ := r.Inputs["metadata"].(map[string]any)
			return r.Type == "kubernetes:core/v1:Namespace" && md["name"] == "api"
		})[0]
		spec := tgb.Inputs["spec"].(map[string]any)
		if meta := tgb.Inputs["metadata"].(map[string]any); meta["name"] != "api" || meta["namespace"] != "api" ||
			spec["serviceRef"].(map[string]any)["name"] != "api" || spec["targetType"] != "ip" || !slices.Contains(tgb.DependsOn, ns.URN) {
			t.Errorf("%s: binding %v %v depends on %v", name, meta, spec, tgb.DependsOn)
		}
		if labels := ns.Inputs["metadata"].(map[string]any)["labels"].(map[string]any); labels["elbv2.k8s.aws/pod-readiness-gate-inject"] != "enabled" {
			t.Errorf("%s: API namespace labels %v", name, labels)
		}
		if arn := g.Outputs[program.OutLoadBalancerTargetGroupArn]; arn != spec["targetGroupARN"] {
			t.Errorf("%s: exported target group %v, bound %v", name, arn, spec["targetGroupARN"])
		}
	}
}

// With an API image configured, the Deployment and Service exist and the target group is bound
// to the Service.
func TestAPIWorkloadIsBound(t *testing.T) {
	g, iad := synthEdited(t, "iad", map[string]synth.StackOutputs{"ams": synthAll(t)["ams"].Outputs},
		fleettest.Edit{File: "Pulumi.iad.yaml", Old: "    copyRegion: us-west-2\n", New: "    copyRegion: us-west-2\n  global-sovereign:cluster:\n    api:\n      image: ghcr.io/global-sovereign/api:1.4.2\n"})
	// With the workload, the graph still deploys in order (the binding lives in its namespace).
	for _, v := range synth.Audit(g) {
		t.Errorf("iad with an API image: %s", v)
	}
	dep := one(t, g, "iad", "kubernetes:apps/v1:Deployment")
	if c := dep.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any); c["image"] != "ghcr.io/global-sovereign/api:1.4.2" {
		t.Errorf("deployment container %v", c)
	}
	if strings.Join(dep.IgnoreChanges, ",") != "spec.replicas" {
		t.Errorf("the HPA must own the replica count: ignoreChanges %v", dep.IgnoreChanges)
	}
	one(t, g, "iad", "kubernetes:core/v1:Service")
	// The Deployment joins the objects that start pods, under the name the test expects.
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	if d := podMakerDiff(g, fleet, iad); d != "" {
		t.Errorf("iad with an API image: %s", d)
	}
	tgb := one(t, g, "iad", "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")
	spec := tgb.Inputs["spec"].(map[string]any)
	if spec["serviceRef"].(map[string]any)["name"] != "api" || !strings.Contains(spec["targetGroupARN"].(string), ":targetgroup/") {
		t.Errorf("binding %v", spec)
	}
	// Rollouts: the pod waits out its target's deregistration before it stops.
	pod := dep.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	sleep, _ := c["lifecycle"].(map[string]any)["preStop"].(map[string]any)["sleep"].(map[string]any)
	if sleep["seconds"] != float64(15) || pod["terminationGracePeriodSeconds"] != float64(60) {
		t.Errorf("pre-stop %v, grace %v", c["lifecycle"], pod["terminationGracePeriodSeconds"])
	}
}
