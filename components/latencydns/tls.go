package latencydns

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The public name's TLS. Clients of `<name>.<zone>` reach a region's load balancer with that
// name in SNI and Host; the region's own certificate covers only the region's name, so each
// region's HTTPS listener also carries a certificate for the public name (and for the latency
// set's name, which aliases the same load balancers). ACM certificates are regional: one per
// region, requested in that region. ACM asks for the same validation CNAME for a name in every
// region of one account (hashicorp/terraform-provider-aws#13653), so this component declares
// each name's validation record once, here; a region stack declaring it would delete it for
// the others when it is destroyed, and ACM needs it again at every renewal.

// names are the names the public certificate covers: the public name first.
func (a *Args) names() []string { return []string{a.FQDN(), a.latencyName()} }

// publicTLS requests the public name's certificate in every endpoint's region, validates them
// all through one record per name, and adds each to its region's HTTPS listener.
func publicTLS(ctx *pulumi.Context, name string, args *Args, parent pulumi.ResourceOption) error {
	if len(args.Endpoints) == 0 {
		return nil
	}
	certs := make([]*acm.Certificate, len(args.Endpoints))
	for i, e := range args.Endpoints {
		cert, err := acm.NewCertificate(ctx, fmt.Sprintf("%s-tls-%s", name, e.Code), &acm.CertificateArgs{
			DomainName:              pulumi.String(args.FQDN()),
			SubjectAlternativeNames: pulumi.ToStringArray(args.names()[1:]),
			ValidationMethod:        pulumi.String("DNS"),
			KeyAlgorithm:            pulumi.String("EC_prime256v1"),
			Tags:                    pulumi.StringMap{"Name": pulumi.String(args.FQDN() + " " + e.Code)},
		}, parent, pulumi.Provider(e.Provider))
		if err != nil {
			return err
		}
		certs[i] = cert
	}
	// One record per name, from the first region's request: every region's asks for the
	// same. Named by the name's position, not a region, so adding or removing a region
	// changes no record.
	var fqdns pulumi.StringArray
	for i := range args.names() {
		option := certs[0].DomainValidationOptions.Index(pulumi.Int(i))
		record, err := route53.NewRecord(ctx, fmt.Sprintf("%s-tls-validation-%d", name, i), &route53.RecordArgs{
			ZoneId:         pulumi.String(args.ZoneID),
			Name:           option.ResourceRecordName().Elem(),
			Type:           option.ResourceRecordType().Elem(),
			Records:        pulumi.StringArray{option.ResourceRecordValue().Elem()},
			Ttl:            pulumi.Int(300),
			AllowOverwrite: pulumi.Bool(true),
		}, parent)
		if err != nil {
			return err
		}
		fqdns = append(fqdns, record.Fqdn)
	}
	for i, e := range args.Endpoints {
		valid, err := acm.NewCertificateValidation(ctx, fmt.Sprintf("%s-tls-%s", name, e.Code), &acm.CertificateValidationArgs{
			CertificateArn:        certs[i].Arn,
			ValidationRecordFqdns: fqdns,
		}, parent, pulumi.Provider(e.Provider))
		if err != nil {
			return err
		}
		if _, err := lb.NewListenerCertificate(ctx, fmt.Sprintf("%s-tls-%s", name, e.Code), &lb.ListenerCertificateArgs{
			ListenerArn:    e.ListenerArn,
			CertificateArn: valid.CertificateArn,
		}, parent, pulumi.Provider(e.Provider)); err != nil {
			return err
		}
	}
	return nil
}
