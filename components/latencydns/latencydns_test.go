package latencydns_test

import (
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
			args.Endpoints = append(args.Endpoints, latencydns.Endpoint{Code: e[0], AWSRegion: e[1], Hostname: "api-" + e[0] + ".example.io",
				DNSName: pulumi.String(e[0] + "-alb.elb.amazonaws.com"), ZoneID: pulumi.String(e[2])})
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

func TestLatencyDNS(t *testing.T) {
	r, err := synth.Run(fixture(nil), "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := r.Graph
	checks := g.ByType("aws:route53/healthCheck:HealthCheck")
	alarms := g.ByType("aws:cloudwatch/metricAlarm:MetricAlarm")
	records := g.ByType("aws:route53/record:Record")
	if len(checks) != 2 || len(alarms) != 2 || len(records) != 4 {
		t.Fatalf("%d checks, %d alarms, %d records; want 2, 2, 4", len(checks), len(alarms), len(records))
	}
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
			if alias["name"] != "ams-alb.elb.amazonaws.com" || alias["evaluateTargetHealth"] != false {
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
		{"endpoint without load balancer", func(a *latencydns.Args) { a.Endpoints[0].DNSName = nil }, `endpoint "ams": code, AWS region, hostname and load balancer are required`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := synth.Run(fixture(tc.edit), "test", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
