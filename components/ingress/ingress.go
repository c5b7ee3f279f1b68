// Package ingress is a region's public entry for the API: an internet-facing Application Load
// Balancer declared by Pulumi in the public subnets (HTTPS with an ACM certificate validated in
// Route 53; HTTP only redirects), access logs in an encrypted, non-public S3 bucket, an IP target
// group, a DNS name, and the AWS Load Balancer Controller binding the target group to the API
// Service (TargetGroupBinding) with a role that may only register targets.
package ingress

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/scope"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:ingress:Ingress"

// TLSPolicy accepts TLS 1.2 and 1.3 with forward-secret ciphers only.
const TLSPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

const (
	controllerRepo    = "https://aws.github.io/eks-charts"
	controllerChart   = "aws-load-balancer-controller"
	controllerVersion = "1.13.2"
	controllerSA      = "aws-load-balancer-controller"
)

// Args configures the ingress.
type Args struct {
	Scope scope.Scope // partition, account and region of the provider; whether to protect

	ClusterName            pulumi.StringOutput // the cluster's output, so what names it waits for it
	ClusterSecurityGroupID pulumi.StringInput  // what the pods' ENIs carry: the ALB must reach it
	Kubernetes             *kubernetes.Provider
	VpcID                  pulumi.StringInput
	PublicSubnetIDs        pulumi.StringArrayInput

	ZoneID, Hostname       string
	HealthCheckPath        string
	AccessLogRetentionDays int
	// WAFRateLimit is how many requests one client IP may send in RateWindowSeconds before the
	// web ACL blocks it; WAFLogRetentionDays keeps the web ACL's logs (a CloudWatch Logs
	// retention value).
	WAFRateLimit        int
	WAFLogRetentionDays int
	// APIService, when set, is the Service the target group is bound to: its name and namespace
	// are read from its outputs, so the binding waits for it. Nil (no image in config: the
	// application's pipeline deploys the API): the binding names the Service api/api, port 80,
	// which the pipeline creates; the controller binds it as soon as it exists.
	APIService *corev1.Service
	// APINamespace is the API's namespace (it carries the readiness-gate label); the binding
	// waits for it.
	APINamespace *corev1.Namespace
	APIPort      int
}

// Ingress is the component.
type Ingress struct {
	pulumi.ResourceState

	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	DNSName  pulumi.StringOutput `pulumi:"dnsName"`
	// ZoneID is the load balancer's canonical hosted zone: what an alias record to it names.
	ZoneID pulumi.StringOutput `pulumi:"zoneId"`
	// HTTPSListenerArn is the HTTPS listener: the global stack adds the public name's
	// certificate to it.
	HTTPSListenerArn pulumi.StringOutput `pulumi:"httpsListenerArn"`
	// TargetGroupArn is the API's IP target group, exported for application pipelines (bound to
	// the Service api/api already: the controller allows one binding per target group).
	TargetGroupArn pulumi.StringOutput `pulumi:"targetGroupArn"`
}

// New declares the ingress. Pass the stack's regional aws provider with pulumi.Provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Ingress, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("ingress %s: %w", name, err)
	}
	in := &Ingress{}
	if err := ctx.RegisterComponentResource(Type, name, in, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: args, parent: pulumi.Parent(in)}
	steps := []func() error{b.accessLogs, b.securityGroup, b.loadBalancer, b.waf, b.targetGroup, b.listeners, b.dnsRecord, b.controller}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}

	in.Endpoint = pulumi.Sprintf("https://%s", args.Hostname)
	in.DNSName = b.alb.DnsName
	in.ZoneID = b.alb.ZoneId
	in.HTTPSListenerArn = b.https.Arn
	in.TargetGroupArn = b.tg.Arn
	return in, ctx.RegisterResourceOutputs(in, pulumi.Map{"endpoint": in.Endpoint, "dnsName": in.DNSName, "zoneId": in.ZoneID,
		"httpsListenerArn": in.HTTPSListenerArn, "targetGroupArn": in.TargetGroupArn})
}

// check guards against Args the program's config validation would have refused.
func (a *Args) check() error {
	if a.Kubernetes == nil || a.ZoneID == "" || a.Hostname == "" {
		return fmt.Errorf("a cluster, its Kubernetes provider, a hosted zone and a hostname are required")
	}
	if a.APIPort < 1 || a.APIPort > 65535 {
		return fmt.Errorf("API port %d is not a TCP port (1-65535)", a.APIPort)
	}
	if a.WAFRateLimit < 10 || a.WAFRateLimit > 2000000000 {
		return fmt.Errorf("WAF rate limit %d: AWS WAF takes 10 to 2000000000 requests", a.WAFRateLimit)
	}
	return nil
}

// builder declares the ingress's resources step by step; each step keeps what later ones use.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	parent pulumi.ResourceOption

	logs  *logBucket
	sg    *ec2.SecurityGroup
	alb   *lb.LoadBalancer
	tg    *lb.TargetGroup
	https *lb.Listener
}

func (b *builder) n(s string) string { return b.name + "-" + s }

func (b *builder) accessLogs() (err error) {
	b.logs, err = accessLogBucket(b.ctx, b.n("alb-logs"), b.args, b.parent)
	return err
}

// controller installs the AWS Load Balancer Controller and binds the target group.
func (b *builder) controller() error {
	return controller(b.ctx, b.name, b.args, b.tg, b.parent)
}
