package ingress

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/sgrules"
)

// securityGroup is the only security group open to the world: 80 (redirect) and 443 in, out
// only to the VPC on the API port; the pods admit the load balancer on that port.
func (b *builder) securityGroup() (err error) {
	a := b.args
	b.sg, err = ec2.NewSecurityGroup(b.ctx, b.n("alb"), &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.String("API load balancer: HTTPS and HTTP redirect from the internet"),
		Tags:        pulumi.StringMap{"Name": pulumi.String(b.n("alb"))},
	}, b.parent)
	if err != nil {
		return err
	}
	if err := sgrules.Ingress(b.ctx, b.sg.ID(), []sgrules.Rule{
		{Name: b.n("alb-https"), CIDR: "0.0.0.0/0", Port: 443, Description: "HTTPS from the internet"},
		{Name: b.n("alb-http"), CIDR: "0.0.0.0/0", Port: 80, Description: "HTTP from the internet (redirected to HTTPS)"},
	}, b.parent); err != nil {
		return err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(b.ctx, b.n("alb-to-pods"), &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: b.sg.ID(),
		Description:     pulumi.String("to the API pods"),
		// The cluster's security group, not the VPC CIDR: the staging and development
		// clusters share the region's network, and their pods are not this ALB's targets.
		ReferencedSecurityGroupId: a.ClusterSecurityGroupID,
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(a.APIPort),
		ToPort:                    pulumi.Int(a.APIPort),
	}, b.parent); err != nil {
		return err
	}
	_, err = vpc.NewSecurityGroupIngressRule(b.ctx, b.n("pods-from-alb"), &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           a.ClusterSecurityGroupID,
		Description:               pulumi.String("API pods from the load balancer"),
		ReferencedSecurityGroupId: b.sg.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(a.APIPort),
		ToPort:                    pulumi.Int(a.APIPort),
	}, b.parent)
	return err
}

// loadBalancer is internet-facing in the public subnets; it logs only once the bucket policy
// lets the region's log delivery write.
func (b *builder) loadBalancer() (err error) {
	b.alb, err = lb.NewLoadBalancer(b.ctx, b.n("api"), &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		Subnets:                  b.args.PublicSubnetIDs,
		SecurityGroups:           pulumi.StringArray{b.sg.ID()},
		DropInvalidHeaderFields:  pulumi.Bool(true),
		EnableDeletionProtection: pulumi.Bool(b.args.Scope.Protect),
		AccessLogs: &lb.LoadBalancerAccessLogsArgs{
			Bucket:  b.logs.Bucket,
			Prefix:  pulumi.String("api"),
			Enabled: pulumi.Bool(true),
		},
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.logs.policy}))
	return err
}

// targetGroup holds the API pods' IPs, registered by the controller's TargetGroupBinding.
func (b *builder) targetGroup() (err error) {
	b.tg, err = lb.NewTargetGroup(b.ctx, b.n("api"), &lb.TargetGroupArgs{
		VpcId:               b.args.VpcID,
		TargetType:          pulumi.String("ip"),
		Protocol:            pulumi.String("HTTP"),
		Port:                pulumi.Int(b.args.APIPort),
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Path: pulumi.String(b.args.HealthCheckPath), Matcher: pulumi.String("200-399"),
			HealthyThreshold: pulumi.Int(2), UnhealthyThreshold: pulumi.Int(3), Interval: pulumi.Int(15),
		},
	}, b.parent)
	return err
}

// listeners: HTTPS with the validated certificate forwards to the pods; HTTP only redirects.
func (b *builder) listeners() error {
	certArn, err := certificate(b.ctx, b.n("api"), b.args, b.parent)
	if err != nil {
		return err
	}
	if b.https, err = lb.NewListener(b.ctx, b.n("https"), &lb.ListenerArgs{
		LoadBalancerArn: b.alb.Arn,
		Port:            pulumi.Int(443),
		Protocol:        pulumi.String("HTTPS"),
		SslPolicy:       pulumi.String(TLSPolicy),
		CertificateArn:  certArn,
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: b.tg.Arn,
		}},
	}, b.parent); err != nil {
		return err
	}
	_, err = lb.NewListener(b.ctx, b.n("http"), &lb.ListenerArgs{
		LoadBalancerArn: b.alb.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301"),
			},
		}},
	}, b.parent)
	return err
}

// dnsRecord points the API's hostname at the load balancer.
func (b *builder) dnsRecord() error {
	_, err := route53.NewRecord(b.ctx, b.n("api"), &route53.RecordArgs{
		ZoneId: pulumi.String(b.args.ZoneID),
		Name:   pulumi.String(b.args.Hostname),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name: b.alb.DnsName, ZoneId: b.alb.ZoneId, EvaluateTargetHealth: pulumi.Bool(true),
		}},
	}, b.parent)
	return err
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
