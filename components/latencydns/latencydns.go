// Package latencydns is the fleet's one public API name: `<name>.<zone>` answers with the
// healthy region closest to the caller, and with a chosen default region when every region
// fails its health check.
//
// The tree: `<name>.<zone>` is a failover pair. Its PRIMARY aliases the latency set
// `latency.<name>.<zone>` with EvaluateTargetHealth, so it is healthy while any region is; the
// latency set holds one alias record per region, to that region's load balancer, carrying the
// region's Route 53 health check (HTTPS on the region's own name and health path, from several
// checker regions). The SECONDARY aliases the default region's load balancer without health
// evaluation: the answer when nothing is healthy, rather than Route 53's implicit fail-open over
// the whole set. Each health check alarms to the alerts topic (Route 53 publishes its metrics
// in us-east-1 only, so the component's provider must be there).
package latencydns

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type is the component's Pulumi type token.
const Type = "sovereign:latencydns:LatencyDNS"

// MetricsRegion is the only region where Route 53 publishes health-check metrics.
const MetricsRegion = "us-east-1"

// MinCheckerRegions is the fewest health-checker regions Route 53 accepts.
const MinCheckerRegions = 3

// Endpoint is one region's load balancer, as its region stack exports it.
type Endpoint struct {
	Code      string // region code: the record's set identifier
	AWSRegion string // the latency region
	Hostname  string // the region's own API name, which the health check requests
	// Serving: a workload answers there. Only a serving region's failing health check pages
	// (its alarm); a region not serving yet keeps the check, so DNS skips it, without an alarm.
	Serving bool
	DNSName pulumi.StringInput
	ZoneID  pulumi.StringInput // the load balancer's canonical hosted zone
	// ListenerArn is the load balancer's HTTPS listener: it gets the public name's
	// certificate, requested with Provider (an aws provider of the endpoint's region).
	ListenerArn pulumi.StringInput
	Provider    pulumi.ProviderResource
}

// Args configures the name.
type Args struct {
	Region         string // the provider's region; must be MetricsRegion
	ZoneID         string
	ZoneName       string
	Name           string // the label under the zone, e.g. "api"
	HealthPath     string
	CheckerRegions []string
	DefaultRegion  string // code of the region answered when every check fails
	Endpoints      []Endpoint
	AlarmTopicArn  pulumi.StringInput
}

// LatencyDNS is the component.
type LatencyDNS struct {
	pulumi.ResourceState

	Endpoint       pulumi.StringOutput    `pulumi:"endpoint"`
	HealthCheckIDs pulumi.StringMapOutput `pulumi:"healthCheckIds"`
}

// FQDN is the public name.
func (a *Args) FQDN() string { return a.Name + "." + a.ZoneName }

// latencyName is the name of the latency set the primary failover record aliases.
func (a *Args) latencyName() string { return "latency." + a.FQDN() }

// New declares the records, health checks and alarms. Pass the global stack's provider.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*LatencyDNS, error) {
	if err := args.check(); err != nil {
		return nil, fmt.Errorf("latency DNS %s: %w", name, err)
	}
	d := &LatencyDNS{}
	if err := ctx.RegisterComponentResource(Type, name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	checks := pulumi.StringMap{}
	var fallback *Endpoint
	var fallbackRecord pulumi.Resource
	for i, e := range args.Endpoints {
		if e.Code == args.DefaultRegion {
			fallback = &args.Endpoints[i]
		}
		hc, err := route53.NewHealthCheck(ctx, fmt.Sprintf("%s-%s", name, e.Code), &route53.HealthCheckArgs{
			Type:             pulumi.String("HTTPS"),
			Fqdn:             pulumi.String(e.Hostname),
			Port:             pulumi.Int(443),
			ResourcePath:     pulumi.String(args.HealthPath),
			EnableSni:        pulumi.Bool(true),
			RequestInterval:  pulumi.Int(30),
			FailureThreshold: pulumi.Int(3),
			MeasureLatency:   pulumi.Bool(true),
			Regions:          pulumi.ToStringArray(args.CheckerRegions),
			Tags:             pulumi.StringMap{"Name": pulumi.String(fmt.Sprintf("%s %s", args.FQDN(), e.Code))},
		}, parent)
		if err != nil {
			return nil, err
		}
		checks[e.Code] = hc.ID().ToStringOutput()
		if e.Serving {
			if err := healthAlarm(ctx, name, args, e, hc, parent); err != nil {
				return nil, err
			}
		}
		rec, err := route53.NewRecord(ctx, fmt.Sprintf("%s-latency-%s", name, e.Code), &route53.RecordArgs{
			ZoneId:                 pulumi.String(args.ZoneID),
			Name:                   pulumi.String(args.latencyName()),
			Type:                   pulumi.String("A"),
			SetIdentifier:          pulumi.String(e.Code),
			LatencyRoutingPolicies: route53.RecordLatencyRoutingPolicyArray{route53.RecordLatencyRoutingPolicyArgs{Region: pulumi.String(e.AWSRegion)}},
			HealthCheckId:          hc.ID(),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name: e.DNSName, ZoneId: e.ZoneID, EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, parent)
		if err != nil {
			return nil, err
		}
		if e.Code == args.DefaultRegion {
			fallbackRecord = rec
		}
	}

	// The primary aliases a name in the same zone: that name must exist first. One record makes
	// it exist; the default region's, so that a region added later changes nothing here.
	if _, err := route53.NewRecord(ctx, name+"-primary", &route53.RecordArgs{
		ZoneId:                  pulumi.String(args.ZoneID),
		Name:                    pulumi.String(args.FQDN()),
		Type:                    pulumi.String("A"),
		SetIdentifier:           pulumi.String("latency"),
		FailoverRoutingPolicies: route53.RecordFailoverRoutingPolicyArray{route53.RecordFailoverRoutingPolicyArgs{Type: pulumi.String("PRIMARY")}},
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name: pulumi.String(args.latencyName()), ZoneId: pulumi.String(args.ZoneID), EvaluateTargetHealth: pulumi.Bool(true),
		}},
	}, parent, pulumi.DependsOn([]pulumi.Resource{fallbackRecord})); err != nil {
		return nil, err
	}
	if _, err := route53.NewRecord(ctx, name+"-secondary", &route53.RecordArgs{
		ZoneId: pulumi.String(args.ZoneID),
		Name:   pulumi.String(args.FQDN()),
		Type:   pulumi.String("A"),
		// Stable whatever the default region: Route 53 refuses two SECONDARY records of one name,
		// and Pulumi creates a renamed identifier before deleting the old one.
		SetIdentifier:           pulumi.String("default"),
		FailoverRoutingPolicies: route53.RecordFailoverRoutingPolicyArray{route53.RecordFailoverRoutingPolicyArgs{Type: pulumi.String("SECONDARY")}},
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name: fallback.DNSName, ZoneId: fallback.ZoneID, EvaluateTargetHealth: pulumi.Bool(false),
		}},
	}, parent); err != nil {
		return nil, err
	}

	if err := publicTLS(ctx, name, args, parent); err != nil {
		return nil, err
	}

	d.Endpoint = pulumi.String("https://" + args.FQDN()).ToStringOutput()
	d.HealthCheckIDs = checks.ToStringMapOutput()
	return d, ctx.RegisterResourceOutputs(d, pulumi.Map{"endpoint": d.Endpoint, "healthCheckIds": d.HealthCheckIDs})
}

// check refuses Args a real Route 53 would refuse, or that answer nothing.
func (a *Args) check() error {
	if a.Region != MetricsRegion {
		return fmt.Errorf("the provider is in %s: Route 53 publishes health-check metrics in %s only, so the alarms must be there", a.Region, MetricsRegion)
	}
	if a.ZoneID == "" || a.ZoneName == "" || a.Name == "" || a.AlarmTopicArn == nil {
		return fmt.Errorf("a zone id, zone name, record name and alarm topic are required")
	}
	if len(a.CheckerRegions) < MinCheckerRegions {
		return fmt.Errorf("%d health-checker regions; Route 53 needs at least %d", len(a.CheckerRegions), MinCheckerRegions)
	}
	if len(a.Endpoints) == 0 {
		return fmt.Errorf("no regional endpoints")
	}
	seen := map[string]bool{}
	found := false
	for _, e := range a.Endpoints {
		if e.Code == "" || e.AWSRegion == "" || e.Hostname == "" || e.DNSName == nil || e.ZoneID == nil || e.ListenerArn == nil || e.Provider == nil {
			return fmt.Errorf("endpoint %q: code, AWS region, hostname, load balancer, HTTPS listener and the region's provider are required", e.Code)
		}
		if seen[e.AWSRegion] {
			return fmt.Errorf("two endpoints in %s: a latency set holds one record per AWS region", e.AWSRegion)
		}
		seen[e.AWSRegion] = true
		found = found || e.Code == a.DefaultRegion
	}
	if !found {
		return fmt.Errorf("default region %q has no endpoint", a.DefaultRegion)
	}
	return nil
}

// healthAlarm pages the alerts topic when a serving region's health check fails.
func healthAlarm(ctx *pulumi.Context, name string, args *Args, e Endpoint, hc *route53.HealthCheck, parent pulumi.ResourceOption) error {
	_, err := cloudwatch.NewMetricAlarm(ctx, fmt.Sprintf("%s-%s-unhealthy", name, e.Code), &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.String(fmt.Sprintf("https://%s%s fails its Route 53 health check: %s leaves %s", e.Hostname, args.HealthPath, e.Code, args.FQDN())),
		Namespace:          pulumi.String("AWS/Route53"),
		MetricName:         pulumi.String("HealthCheckStatus"),
		Dimensions:         pulumi.StringMap{"HealthCheckId": hc.ID()},
		Statistic:          pulumi.String("Minimum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(3),
		ComparisonOperator: pulumi.String("LessThanThreshold"),
		Threshold:          pulumi.Float64(1),
		// Missing data is no evidence either way: a new check publishes its first point
		// minutes after creation, and an alarm breaching on it would page on every up.
		TreatMissingData: pulumi.String("missing"),
		AlarmActions:     pulumi.Array{args.AlarmTopicArn},
		OkActions:        pulumi.Array{args.AlarmTopicArn},
	}, parent)
	return err
}
