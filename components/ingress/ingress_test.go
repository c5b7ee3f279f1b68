package ingress_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/ingress"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

var ams = scope.Scope{Partition: "aws", AccountID: "111122223333", Region: "eu-west-1", Protect: true}

// fixture builds the ingress alone with a Kubernetes provider and, unless noService, an API
// Service to bind; edit changes the Args before New.
func fixture(s scope.Scope, noService bool, edit func(*ingress.Args)) (*synth.Result, error) {
	return synth.RunComponent(s.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		k8s, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{Kubeconfig: pulumi.String("{}")})
		if err != nil {
			return err
		}
		args := &ingress.Args{
			Scope: s, ClusterName: pulumi.String("gs-test").ToStringOutput(), ClusterSecurityGroupID: pulumi.String("sg-0cluster"),
			Kubernetes: k8s, VpcID: pulumi.String("vpc-0a"),
			PublicSubnetIDs: pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}),
			ZoneID:          "Z0123456789ABC", Hostname: "api-ams.example.io", HealthCheckPath: "/health",
			AccessLogRetentionDays: 90, APIPort: 8080, WAFRateLimit: 1500, WAFLogRetentionDays: 30,
		}
		if !noService {
			svc, err := corev1.NewService(ctx, "api", &corev1.ServiceArgs{
				Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("api"), Namespace: pulumi.String("api")},
			}, pulumi.Provider(k8s))
			if err != nil {
				return err
			}
			args.APIService = svc
		}
		if edit != nil {
			edit(args)
		}
		in, err := ingress.New(ctx, "gs-test", args, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("endpoint", in.Endpoint)
		ctx.Export("dnsName", in.DNSName)
		ctx.Export("zoneId", in.ZoneID)
		return nil
	})
}

func TestIngress(t *testing.T) {
	for _, tc := range []struct {
		name      string
		scope     scope.Scope
		noService bool
	}{
		{"protected, bound", ams, false},
		{"throwaway, no API yet", scope.Scope{Partition: "aws-us-gov", AccountID: "111122223333", Region: "us-gov-west-1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := fixture(tc.scope, tc.noService, nil)
			if err != nil {
				t.Fatal(err)
			}
			g := r.Graph
			for _, p := range synth.ChildProblems(g, ingress.Type, func(res synth.Resource) string {
				if strings.HasPrefix(res.Type, "kubernetes:") {
					return "k8s"
				}
				return synth.ProviderName(tc.scope.Region)
			}, "api") {
				t.Error(p)
			}
			alb := g.ByType("aws:lb/loadBalancer:LoadBalancer")
			if len(alb) != 1 || alb[0].Inputs["internal"] != false || alb[0].Inputs["dropInvalidHeaderFields"] != true ||
				alb[0].Inputs["enableDeletionProtection"] != tc.scope.Protect {
				t.Fatalf("load balancer: %v", alb)
			}
			bucket := g.ByType("aws:s3/bucketV2:BucketV2")
			if len(bucket) != 1 || bucket[0].Protect != tc.scope.Protect || bucket[0].Inputs["forceDestroy"] != !tc.scope.Protect {
				t.Errorf("access log bucket: %v", bucket)
			}
			listeners := map[any]map[string]any{}
			for _, l := range g.ByType("aws:lb/listener:Listener") {
				listeners[l.Inputs["port"]] = l.Inputs
			}
			if https := listeners[float64(443)]; https == nil || https["sslPolicy"] != ingress.TLSPolicy || https["certificateArn"] == nil {
				t.Errorf("HTTPS listener: %v", https)
			}
			if http := listeners[float64(80)]; http == nil || !strings.Contains(mustString(http["defaultActions"]), "redirect") {
				t.Errorf("HTTP listener must only redirect: %v", http)
			}
			open := 0
			for _, rule := range g.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
				if rule.Inputs["cidrIpv4"] == "0.0.0.0/0" {
					open++
					if p := rule.Inputs["fromPort"]; p != float64(443) && p != float64(80) {
						t.Errorf("world-open port %v", p)
					}
				}
			}
			if open != 2 {
				t.Errorf("%d world-open rules, want 443 and 80", open)
			}
			// The load balancer sends only to the cluster's security group (what the API pods'
			// ENIs carry), not to the VPC's CIDR, which the staging and development clusters on
			// the region's network share.
			egress := g.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
			if len(egress) != 1 || egress[0].Inputs["referencedSecurityGroupId"] != "sg-0cluster" || egress[0].Inputs["cidrIpv4"] != nil ||
				egress[0].Inputs["fromPort"] != float64(8080) || egress[0].Inputs["toPort"] != float64(8080) {
				t.Errorf("load balancer egress %v, want the API port to the cluster security group only", egress)
			}
			bindings := g.ByType("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding")
			if (len(bindings) == 1) == tc.noService {
				t.Errorf("%d target group bindings with a Service %v", len(bindings), !tc.noService)
			}
			if !strings.Contains(mustString(g.ByType("aws:iam/rolePolicy:RolePolicy")), "elasticloadbalancing:RegisterTargets") {
				t.Error("the controller role cannot register targets")
			}
			checkWAF(t, g, alb[0])
			if r.Graph.Outputs["endpoint"] != "https://api-ams.example.io" || r.Graph.Outputs["zoneId"] == "" || r.Graph.Outputs["dnsName"] == "" {
				t.Errorf("outputs %v", r.Graph.Outputs)
			}
		})
	}
}

// mustString is v printed, for substring checks on nested inputs.
func mustString(v any) string { return fmt.Sprint(v) }

func TestIngressRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*ingress.Args)
		want string
	}{
		{"no Kubernetes provider", func(a *ingress.Args) { a.Kubernetes = nil }, "a cluster, its Kubernetes provider, a hosted zone and a hostname are required"},
		{"no zone", func(a *ingress.Args) { a.ZoneID = "" }, "a hosted zone and a hostname are required"},
		{"no hostname", func(a *ingress.Args) { a.Hostname = "" }, "a hosted zone and a hostname are required"},
		{"port", func(a *ingress.Args) { a.APIPort = 0 }, "API port 0 is not a TCP port (1-65535)"},
		{"WAF rate limit", func(a *ingress.Args) { a.WAFRateLimit = 9 }, "WAF rate limit 9: AWS WAF takes 10 to 2000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fixture(ams, false, tc.edit)
			if err == nil || !strings.Contains(err.Error(), "ingress gs-test: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// checkWAF: the load balancer sits behind a regional web ACL with the rate limit first and the
// managed rule groups after it, logging to an aws-waf-logs- group with credentials redacted.
func checkWAF(t *testing.T, g *synth.Graph, alb synth.Resource) {
	t.Helper()
	acls := g.ByType("aws:wafv2/webAcl:WebAcl")
	if len(acls) != 1 || acls[0].Inputs["scope"] != "REGIONAL" {
		t.Fatalf("web ACLs: %v", acls)
	}
	rules := acls[0].Inputs["rules"].([]any)
	if len(rules) != 1+len(ingress.ManagedRuleGroups) {
		t.Fatalf("%d rules", len(rules))
	}
	rate := rules[0].(map[string]any)["statement"].(map[string]any)["rateBasedStatement"].(map[string]any)
	if rate["limit"] != float64(1500) || rate["aggregateKeyType"] != "IP" || rules[0].(map[string]any)["priority"] != float64(0) {
		t.Errorf("rate rule: %v", rules[0])
	}
	for i, group := range ingress.ManagedRuleGroups {
		m := rules[i+1].(map[string]any)["statement"].(map[string]any)["managedRuleGroupStatement"].(map[string]any)
		if m["name"] != group || m["vendorName"] != "AWS" {
			t.Errorf("rule %d: %v", i+1, m)
		}
		if group == "AWSManagedRulesCommonRuleSet" && !strings.Contains(mustString(m["ruleActionOverrides"]), "SizeRestrictions_BODY") {
			t.Errorf("the common rule set blocks every API body over 8 KB: %v", m["ruleActionOverrides"])
		}
	}
	assoc := g.ByType("aws:wafv2/webAclAssociation:WebAclAssociation")
	if len(assoc) != 1 || assoc[0].Inputs["resourceArn"] != alb.ID || assoc[0].Inputs["webAclArn"] != acls[0].State["arn"] {
		t.Errorf("association %v (load balancer %s, acl %s)", assoc, alb.ID, acls[0].ID)
	}
	logging := g.ByType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
	groups := g.ByType("aws:cloudwatch/logGroup:LogGroup")
	if len(logging) != 1 || len(groups) != 1 || !strings.HasPrefix(groups[0].Inputs["namePrefix"].(string), "aws-waf-logs-") ||
		groups[0].Inputs["kmsKeyId"] == nil || groups[0].Inputs["retentionInDays"] != float64(30) ||
		!strings.Contains(mustString(logging[0].Inputs["redactedFields"]), "authorization") {
		t.Errorf("logging %v to %v", logging, groups)
	}
}
