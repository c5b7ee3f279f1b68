// Package ingress is a region's public entry for the API: an internet-facing Application Load
// Balancer declared by Pulumi in the public subnets (HTTPS with an ACM certificate validated in
// Route 53; HTTP only redirects), access logs in an encrypted, non-public S3 bucket, an IP target
// group, a DNS name, and the AWS Load Balancer Controller binding the target group to the API
// Service (TargetGroupBinding) with a role that may only register targets.
package ingress

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	"github.com/global-sovereign/global-sovereign/components/sgrules"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
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
	Region    string
	AccountID string
	Partition string

	ClusterName            pulumi.StringOutput // the cluster's output, so what names it waits for it
	ClusterSecurityGroupID pulumi.StringInput  // what the pods' ENIs carry: the ALB must reach it
	Kubernetes             *kubernetes.Provider
	VpcID                  pulumi.StringInput
	VpcCIDR                string
	PublicSubnetIDs        pulumi.StringArrayInput

	ZoneID, Hostname       string
	HealthCheckPath        string
	AccessLogRetentionDays int
	// APIService, when set, is the Service the target group is bound to: its name and namespace
	// are read from its outputs, so the binding waits for it.
	APIService         *corev1.Service
	APIPort            int
	DeletionProtection bool
	Protect            bool
}

// Ingress is the component.
type Ingress struct {
	pulumi.ResourceState

	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	DNSName  pulumi.StringOutput `pulumi:"dnsName"`
}

// New declares the ingress. Pass the stack's regional aws provider with pulumi.Provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Ingress, error) {
	if args.Kubernetes == nil || args.ZoneID == "" {
		return nil, fmt.Errorf("ingress %s: a cluster, its Kubernetes provider and a hosted zone are required", name)
	}
	in := &Ingress{}
	if err := ctx.RegisterComponentResource(Type, name, in, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(in)
	n := func(s string) string { return name + "-" + s }

	logs, err := accessLogBucket(ctx, n("alb-logs"), args, parent)
	if err != nil {
		return nil, err
	}

	// The only security group open to the world: 80 (redirect) and 443, out only to the VPC on
	// the API port.
	sg, err := ec2.NewSecurityGroup(ctx, n("alb"), &ec2.SecurityGroupArgs{
		VpcId:       args.VpcID,
		Description: pulumi.String("API load balancer: HTTPS and HTTP redirect from the internet"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(n("alb"))},
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := sgrules.Ingress(ctx, sg.ID(), []sgrules.Rule{
		{Name: n("alb-https"), CIDR: "0.0.0.0/0", Port: 443, Description: "HTTPS from the internet"},
		{Name: n("alb-http"), CIDR: "0.0.0.0/0", Port: 80, Description: "HTTP from the internet (redirected to HTTPS)"},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, n("alb-to-pods"), &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		Description:     pulumi.String("to the API pods"),
		CidrIpv4:        pulumi.String(args.VpcCIDR),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(args.APIPort),
		ToPort:          pulumi.Int(args.APIPort),
	}, parent); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, n("pods-from-alb"), &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           args.ClusterSecurityGroupID,
		Description:               pulumi.String("API pods from the load balancer"),
		ReferencedSecurityGroupId: sg.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(args.APIPort),
		ToPort:                    pulumi.Int(args.APIPort),
	}, parent); err != nil {
		return nil, err
	}

	alb, err := lb.NewLoadBalancer(ctx, n("api"), &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		Subnets:                  args.PublicSubnetIDs,
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableDeletionProtection: pulumi.Bool(args.DeletionProtection),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket:  logs.Bucket,
			Prefix:  pulumi.String("api"),
			Enabled: pulumi.Bool(true),
		},
	}, parent, pulumi.DependsOn([]pulumi.Resource{logs.policy}))
	if err != nil {
		return nil, err
	}
	tg, err := lb.NewTargetGroup(ctx, n("api"), &lb.TargetGroupArgs{
		VpcId:               args.VpcID,
		TargetType:          pulumi.String("ip"),
		Protocol:            pulumi.String("HTTP"),
		Port:                pulumi.Int(args.APIPort),
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Path: pulumi.String(args.HealthCheckPath), Matcher: pulumi.String("200-399"),
			HealthyThreshold: pulumi.Int(2), UnhealthyThreshold: pulumi.Int(3), Interval: pulumi.Int(15),
		},
	}, parent)
	if err != nil {
		return nil, err
	}

	certArn, err := certificate(ctx, n("api"), args, parent)
	if err != nil {
		return nil, err
	}
	if _, err := lb.NewListener(ctx, n("https"), &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(TLSPolicy),
		CertificateArn:  certArn,
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: tg.Arn,
		}},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := lb.NewListener(ctx, n("http"), &lb.ListenerArgs{
		LoadBalancerArn: alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, parent); err != nil {
		return nil, err
	}
	if _, err := route53.NewRecord(ctx, n("api"), &route53.RecordArgs{
		ZoneId: pulumi.String(args.ZoneID),
		Name:   pulumi.String(args.Hostname),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name: alb.DnsName, ZoneId: alb.ZoneId, EvaluateTargetHealth: pulumi.Bool(true),
		}},
	}, parent); err != nil {
		return nil, err
	}

	if err := controller(ctx, name, args, tg, parent); err != nil {
		return nil, err
	}

	in.Endpoint = pulumi.Sprintf("https://%s", args.Hostname)
	in.DNSName = alb.DnsName
	return in, ctx.RegisterResourceOutputs(in, pulumi.Map{"endpoint": in.Endpoint, "dnsName": in.DNSName})
}

// certificate requests the API's certificate and validates it through DNS in the zone.
func certificate(ctx *pulumi.Context, name string, args *Args, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	cert, err := acm.NewCertificate(ctx, name, &acm.CertificateArgs{
		DomainName:       pulumi.String(args.Hostname),
		ValidationMethod: pulumi.String("DNS"),
		KeyAlgorithm:     pulumi.String("EC_prime256v1"),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	option := cert.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(ctx, name+"-cert-validation", &route53.RecordArgs{
		ZoneId:         pulumi.String(args.ZoneID),
		Name:           option.ResourceRecordName().Elem(),
		Type:           option.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{option.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(300),
		AllowOverwrite: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	validation, err := acm.NewCertificateValidation(ctx, name, &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return validation.CertificateArn, nil
}

// ControllerPolicy lets the AWS Load Balancer Controller do what a TargetGroupBinding needs and
// nothing more: the load balancer, target group and security groups are Pulumi's, so the
// controller only reads and registers or deregisters pod IPs in this cluster's target group.
func ControllerPolicy(targetGroupArn string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("Describe", []string{
			"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
			"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeListeners",
			"elasticloadbalancing:DescribeTags", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeAvailabilityZones",
		}, []string{"*"}),
		iampolicy.Allow("RegisterTargets", []string{
			"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
		}, []string{targetGroupArn}),
	)
}

// controller installs the AWS Load Balancer Controller with its Pod Identity role and binds the
// target group to the API Service.
func controller(ctx *pulumi.Context, name string, args *Args, tg *lb.TargetGroup, parent pulumi.ResourceOption) error {
	policy := tg.Arn.ApplyT(func(arn string) string { return ControllerPolicy(arn).JSON() }).(pulumi.StringOutput)
	_, assoc, err := cluster.PodIdentityRole(ctx, name+"-lb-controller", args.ClusterName, "kube-system", controllerSA,
		"AWS Load Balancer Controller of "+name, policy, parent)
	if err != nil {
		return err
	}
	inCluster := []pulumi.ResourceOption{parent, pulumi.Provider(args.Kubernetes)}
	release, err := helmv3.NewRelease(ctx, name+"-lb-controller", &helmv3.ReleaseArgs{
		Name:           pulumi.String("aws-load-balancer-controller"),
		Namespace:      pulumi.String("kube-system"),
		Chart:          pulumi.String(controllerChart),
		Version:        pulumi.String(controllerVersion),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(controllerRepo)},
		Values: pulumi.Map{
			"clusterName":    args.ClusterName,
			"region":         pulumi.String(args.Region),
			"vpcId":          args.VpcID,
			"serviceAccount": pulumi.Map{"create": pulumi.Bool(true), "name": pulumi.String(controllerSA)},
			// Pulumi owns the load balancer: the controller must not create any from Services.
			"enableServiceMutatorWebhook": pulumi.Bool(false),
		},
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{assoc}))...)
	if err != nil {
		return err
	}
	if args.APIService == nil {
		return nil
	}
	serviceName := args.APIService.Metadata.Name().Elem()
	_, err = apiextensions.NewCustomResource(ctx, name+"-api-binding", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("elbv2.k8s.aws/v1beta1"),
		Kind:       pulumi.String("TargetGroupBinding"),
		Metadata:   &metav1.ObjectMetaArgs{Name: serviceName, Namespace: args.APIService.Metadata.Namespace().Elem()},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"serviceRef":     pulumi.Map{"name": serviceName, "port": pulumi.Int(80)},
			"targetGroupARN": tg.Arn,
			"targetType":     pulumi.String("ip"),
		}},
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{release}))...)
	return err
}
