package latencydns_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/latencydns"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

func fixture(edit func(*latencydns.Args)) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "global", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		args := &latencydns.Args{
			Region: "us-east-1", ZoneID: "Z0123456789ABC", ZoneName: "example.io", Name: "api", HealthPath: "/health",
			CheckerRegions: []string{"us-east-1", "eu-west-1", "ap-southeast-1"}, DefaultRegion: "ams",
			AlarmTopicArn: pulumi.String("arn:aws:sns:us-east-1:123456789012:alerts"),
		}
		for _, e := range [][3]string{{"ams", "eu-west-1", "Z32O12XQLNTSW2"}, {"iad", "us-east-1", "Z35SXDOTRQ7X7K"}} {
			regional := p
			if e[1] != "us-east-1" {
				if regional, err = aws.NewProvider(ctx, e[1], &aws.ProviderArgs{Region: pulumi.String(e[1])}); err != nil {
					return err
				}
			}
			args.Endpoints = append(args.Endpoints, latencydns.Endpoint{Code: e[0], AWSRegion: e[1], Hostname: "api-" + e[0] + ".example.io",
				DNSName: pulumi.String(e[0] + "-alb.elb.amazonaws.com"), ZoneID: pulumi.String(e[2]),
				ListenerArn: pulumi.String("arn:aws:elasticloadbalancing:" + e[1] + ":123456789012:listener/app/" + e[0] + "/https"),
				Provider:    regional, Serving: true})
		}
		if edit != nil {
			edit(args)
		}
		d, err := latencydns.New(ctx, "dns", args, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("endpoint", d.Endpoint)
		return nil
	}
}

// A region with no workload bound yet answers 503: its health check keeps DNS off it, but no
// alarm pages for it; a serving region's alarm stays.
func TestHealthAlarmOnlyWhereServing(t *testing.T) {
	r, err := synth.Run(fixture(func(a *latencydns.Args) { a.Endpoints[1].Serving = false }), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := r.Graph.ByType("aws:route53/healthCheck:HealthCheck")
	alarms := r.Graph.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	if len(checks) != 2 || len(alarms) != 1 || alarms[0].Name != "dns-ams-unhealthy" {
		var names []string
		for _, a := range alarms {
			names = append(names, a.Name)
		}
		t.Errorf("%d health checks, alarms %v; want 2 and only dns-ams-unhealthy", len(checks), names)
	}
}

func TestLatencyDNS(t *testing.T) {
	r, err := synth.Run(fixture(nil), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	checks := g.ByType("aws:route53/healthCheck:HealthCheck")
	alarms := g.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	records := g.ByType("aws:route53/record:Record")
	if len(checks) != 2 || len(alarms) != 2 || len(records) != 6 {
		t.Fatalf("%d checks, %d alarms, %d records; want 2, 2, 6 (4 routing, 2 validation)", len(checks), len(alarms), len(records))
	}
	var routing []synth.Resource
	for _, rec := range records {
		if rec.Inputs["aliases"] != nil {
			routing = append(routing, rec)
		}
	}
	records = routing
	ids := map[string]string{} // health check id -> fqdn
	for _, hc := range checks {
		ids[hc.ID] = hc.Inputs["fqdn"].(string)
		if hc.Inputs["type"] != "HTTPS" || hc.Inputs["resourcePath"] != "/health" || len(hc.Inputs["regions"].([]any)) != 3 || hc.Inputs["enableSni"] != true {
			t.Errorf("health check %v", hc.Inputs)
		}
	}
	for _, a := range alarms {
		id := a.Inputs["dimensions"].(map[string]any)["HealthCheckId"].(string)
		if ids[id] == "" || a.Inputs["namespace"] != "AWS/Route53" || a.Inputs["alarmActions"].([]any)[0] != "arn:aws:sns:us-east-1:123456789012:alerts" {
			t.Errorf("alarm %s: %v", a.Name, a.Inputs)
		}
	}
	var primary, secondary int
	for _, rec := range records {
		alias := rec.Inputs["aliases"].([]any)[0].(map[string]any)
		switch {
		case rec.Inputs["latencyRoutingPolicies"] != nil:
			code := rec.Inputs["setIdentifier"].(string)
			if rec.Inputs["name"] != "latency.api.example.io" || alias["name"] != code+"-alb.elb.amazonaws.com" || alias["evaluateTargetHealth"] != true ||
				ids[rec.Inputs["healthCheckId"].(string)] != "api-"+code+".example.io" {
				t.Errorf("latency record %s: %v", code, rec.Inputs)
			}
		case rec.Inputs["failoverRoutingPolicies"].([]any)[0].(map[string]any)["type"] == "PRIMARY":
			primary++
			if rec.Inputs["name"] != "api.example.io" || alias["name"] != "latency.api.example.io" || alias["zoneId"] != "Z0123456789ABC" || len(rec.DependsOn) != 1 {
				t.Errorf("primary %v (depends on %v)", rec.Inputs, rec.DependsOn)
			}
		default:
			secondary++
			if alias["name"] != "ams-alb.elb.amazonaws.com" || alias["evaluateTargetHealth"] != false || rec.Inputs["setIdentifier"] != "default" {
				t.Errorf("secondary %v", rec.Inputs)
			}
		}
	}
	if primary != 1 || secondary != 1 || r.Graph.Outputs["endpoint"] != "https://api.example.io" {
		t.Errorf("%d primary, %d secondary, endpoint %v", primary, secondary, r.Graph.Outputs["endpoint"])
	}
}

func TestLatencyDNSRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*latencydns.Args)
		want string
	}{
		{"not in us-east-1", func(a *latencydns.Args) { a.Region = "eu-west-1" }, "health-check metrics in us-east-1 only"},
		{"two checker regions", func(a *latencydns.Args) { a.CheckerRegions = a.CheckerRegions[:2] }, "Route 53 needs at least 3"},
		{"no endpoints", func(a *latencydns.Args) { a.Endpoints = nil }, "no regional endpoints"},
		{"two in one AWS region", func(a *latencydns.Args) { a.Endpoints[1].AWSRegion = "eu-west-1" }, "one record per AWS region"},
		{"unknown default", func(a *latencydns.Args) { a.DefaultRegion = "syd" }, `default region "syd" has no endpoint`},
		{"no zone", func(a *latencydns.Args) { a.ZoneID = "" }, "a zone id, zone name, record name and alarm topic are required"},
		{"endpoint without load balancer", func(a *latencydns.Args) { a.Endpoints[0].DNSName = nil }, `endpoint "ams": code, AWS region, hostname, load balancer`},
		{"endpoint without listener", func(a *latencydns.Args) { a.Endpoints[0].ListenerArn = nil }, `HTTPS listener and the region's provider are required`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := synth.Run(fixture(tc.edit), "test", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestPublicNameTLS: every region's HTTPS listener gets a certificate for the public name (and
// the latency set's name), requested in that region; the names' validation records are declared
// once, and every region's validation waits for all of them.
func TestPublicNameTLS(t *testing.T) {
	r, err := synth.Run(fixture(nil), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	certs := g.ByType("aws:acm/certificate:Certificate")
	listenerCerts := g.ByType("aws:lb/listenerCertificate:ListenerCertificate")
	validations := g.ByType("aws:acm/certificateValidation:CertificateValidation")
	if len(certs) != 2 || len(listenerCerts) != 2 || len(validations) != 2 {
		t.Fatalf("%d certificates, %d listener certificates, %d validations; want one each per region", len(certs), len(listenerCerts), len(validations))
	}
	var validationRecords []string
	for _, rec := range g.ByType("aws:route53/record:Record") {
		if rec.Inputs["type"] == "CNAME" {
			validationRecords = append(validationRecords, rec.Inputs["name"].(string))
		}
	}
	if len(validationRecords) != 2 {
		t.Errorf("validation records %v: want one per name, not one per region", validationRecords)
	}
	regionOf := map[string]string{} // certificate ARN -> provider
	for _, c := range certs {
		if c.Inputs["domainName"] != "api.example.io" || fmt.Sprint(c.Inputs["subjectAlternativeNames"]) != "[latency.api.example.io]" {
			t.Errorf("certificate %s covers %v %v", c.Name, c.Inputs["domainName"], c.Inputs["subjectAlternativeNames"])
		}
		regionOf[c.ID] = c.Provider
	}
	for _, lc := range listenerCerts {
		if regionOf[lc.Inputs["certificateArn"].(string)] != lc.Provider {
			t.Errorf("listener certificate %s: certificate of another region (%v)", lc.Name, lc.Inputs)
		}
	}
	for _, v := range validations {
		if n := len(v.Inputs["validationRecordFqdns"].([]any)); n != 2 {
			t.Errorf("validation %s waits for %d records, want both names'", v.Name, n)
		}
	}
}
