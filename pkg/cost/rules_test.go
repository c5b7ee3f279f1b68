package cost

import (
	"math"
	"strings"
	"testing"
)

// testGraph builds a graph of one stack whose resources use one aws provider in region.
func testGraph(region string, res ...Resource) *Graph {
	prov := Resource{URN: "urn:pulumi:t::p::pulumi:providers:aws::aws", Type: "pulumi:providers:aws", Name: "aws",
		Inputs: map[string]any{"region": region, "defaultTags": map[string]any{"tags": map[string]any{"environment": "production"}}}}
	g := &Graph{Project: "p", Stack: "t", Resources: []Resource{prov}}
	for i, r := range res {
		if r.URN == "" {
			r.URN = "urn:pulumi:t::p::" + r.Type + "::" + r.Name + strings.Repeat("'", i)
		}
		if r.Provider == "" && strings.HasPrefix(r.Type, "aws:") {
			r.Provider = prov.URN
		}
		g.Resources = append(g.Resources, r)
	}
	return g
}

func priceOf(t *testing.T, sku, region string) float64 {
	t.Helper()
	p, ok := PinnedPrices().Lookup(sku, region)
	if !ok {
		t.Fatalf("no pinned price for %s in %s", sku, region)
	}
	return p.USD
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.011 }

func linesOf(e *Estimate, sku string) []Line {
	var out []Line
	for _, l := range e.Lines {
		if l.SKU == sku {
			out = append(out, l)
		}
	}
	return out
}

func nodeGroup(capacity string, types []any, min, desired, max float64) []Resource {
	return []Resource{
		{Type: "aws:eks/nodeGroup:NodeGroup", Name: "ng", Inputs: map[string]any{
			"capacityType": capacity, "instanceTypes": types, "launchTemplate": map[string]any{"id": "lt-1"},
			"scalingConfig": map[string]any{"minSize": min, "desiredSize": desired, "maxSize": max}}},
		{Type: "aws:ec2/launchTemplate:LaunchTemplate", Name: "ng", Inputs: map[string]any{
			"blockDeviceMappings": []any{map[string]any{"ebs": map[string]any{"volumeSize": 100.0, "volumeType": "gp3"}}}}},
	}
}

// A node group is priced at the size the usage names: min, desired or max of its scalingConfig.
func TestNodeGroupScale(t *testing.T) {
	g := testGraph("eu-west-1", nodeGroup("ON_DEMAND", []any{"m5.2xlarge"}, 3, 5, 20)...)
	hourly, gp3 := priceOf(t, "ec2:m5.2xlarge", "eu-west-1"), priceOf(t, "ebs:gp3", "eu-west-1")
	for _, tc := range []struct {
		scale string
		nodes float64
	}{{ScaleMin, 3}, {ScaleDesired, 5}, {ScaleMax, 20}} {
		t.Run(tc.scale, func(t *testing.T) {
			u := DefaultUsage(KindRegion)
			u.NodeScale = tc.scale
			e := EstimateGraph(g, PinnedPrices(), u)
			inst := linesOf(e, "ec2:m5.2xlarge")
			if len(inst) != 1 || inst[0].Quantity != tc.nodes*730 || !near(inst[0].MonthlyUSD, tc.nodes*730*hourly) {
				t.Fatalf("instances: %+v; want %g nodes x 730 h x $%g", inst, tc.nodes, hourly)
			}
			if !strings.Contains(inst[0].Description, tc.scale+" size") {
				t.Errorf("description %q does not say which size is priced", inst[0].Description)
			}
			vol := linesOf(e, "ebs:gp3")
			if len(vol) != 1 || vol[0].Quantity != tc.nodes*100 || !near(vol[0].MonthlyUSD, tc.nodes*100*gp3) {
				t.Errorf("root volumes: %+v; want %g x 100 GB at $%g", vol, tc.nodes, gp3)
			}
			if !near(e.MonthlyUSD, tc.nodes*(730*hourly+100*gp3)) {
				t.Errorf("total %v", e.MonthlyUSD)
			}
		})
	}
}

// A spot node group costs the first instance type's on-demand price less the configured discount.
func TestSpotDiscount(t *testing.T) {
	g := testGraph("us-east-1", nodeGroup("SPOT", []any{"m5.large", "m5a.large"}, 2, 5, 50)...)
	od := priceOf(t, "ec2:m5.large", "us-east-1")
	for _, d := range []float64{0, 0.6, 0.7} {
		u := DefaultUsage(KindRegion)
		u.SpotDiscount = d
		l := linesOf(EstimateGraph(g, PinnedPrices(), u), "ec2:m5.large")
		if len(l) != 1 || !near(l[0].MonthlyUSD, 5*730*od*(1-d)) {
			t.Fatalf("discount %g: %+v; want 5 x 730 h x $%g x %g", d, l, od, 1-d)
		}
		if !strings.Contains(l[0].Description, "spot at") {
			t.Errorf("description %q does not state the spot discount", l[0].Description)
		}
	}
}

// A global database secondary pays storage and replicated write I/O, not its own I/O or backups;
// a primary pays storage, I/O and backups.
func TestAuroraGlobalSecondary(t *testing.T) {
	u := DefaultUsage(KindRegion)
	for _, tc := range []struct {
		name     string
		inputs   map[string]any
		want     []string
		wantNone []string
	}{
		{"primary", map[string]any{"globalClusterIdentifier": "g", "masterUsername": "admin", "masterPassword": "[secret]", "engine": "aurora-postgresql"},
			[]string{"rds:aurora-storage", "rds:aurora-io", "rds:backup"}, []string{"rds:aurora-replicated-write-io"}},
		{"secondary", map[string]any{"globalClusterIdentifier": "g", "sourceRegion": "eu-west-1", "engine": "aurora-postgresql"},
			[]string{"rds:aurora-storage", "rds:aurora-replicated-write-io"}, []string{"rds:aurora-io", "rds:backup"}},
		{"secondary without sourceRegion", map[string]any{"globalClusterIdentifier": "g", "engine": "aurora-postgresql"},
			[]string{"rds:aurora-replicated-write-io"}, []string{"rds:aurora-io"}},
		{"standalone", map[string]any{"masterUsername": "admin", "engine": "aurora-postgresql"},
			[]string{"rds:aurora-io", "rds:backup"}, []string{"rds:aurora-replicated-write-io"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := testGraph("us-east-1",
				Resource{Type: "aws:rds/cluster:Cluster", Name: "db", Inputs: tc.inputs},
				Resource{Type: "aws:rds/clusterInstance:ClusterInstance", Name: "db-1", Inputs: map[string]any{"instanceClass": "db.r6i.2xlarge", "engine": "aurora-postgresql"}})
			e := EstimateGraph(g, PinnedPrices(), u)
			for _, sku := range tc.want {
				if len(linesOf(e, sku)) != 1 {
					t.Errorf("no %s line: %+v", sku, e.Lines)
				}
			}
			for _, sku := range tc.wantNone {
				if len(linesOf(e, sku)) != 0 {
					t.Errorf("unexpected %s line", sku)
				}
			}
			inst := linesOf(e, "rds:aurora-postgresql:db.r6i.2xlarge")
			if len(inst) != 1 || !near(inst[0].MonthlyUSD, 730*priceOf(t, "rds:aurora-postgresql:db.r6i.2xlarge", "us-east-1")) {
				t.Errorf("instance: %+v", inst)
			}
		})
	}
}

// A NAT gateway per AZ costs three times one shared gateway (hours, data and its address).
func TestNATPerAZ(t *testing.T) {
	nats := func(n int) *Graph {
		var res []Resource
		for i := 0; i < n; i++ {
			az := string(rune('a' + i))
			res = append(res, Resource{Type: "aws:ec2/natGateway:NatGateway", Name: "nat-" + az, Inputs: map[string]any{}},
				Resource{Type: "aws:ec2/eip:Eip", Name: "nat-" + az, Inputs: map[string]any{}})
		}
		return testGraph("ap-southeast-2", res...)
	}
	u := DefaultUsage(KindRegion)
	one, three := EstimateGraph(nats(1), PinnedPrices(), u), EstimateGraph(nats(3), PinnedPrices(), u)
	want := 730*priceOf(t, "nat:hour", "ap-southeast-2") + u.NATDataGB*priceOf(t, "nat:data", "ap-southeast-2") + 730*priceOf(t, "ipv4:hour", "ap-southeast-2")
	if !near(one.MonthlyUSD, want) {
		t.Errorf("one NAT gateway: %v, want %v", one.MonthlyUSD, want)
	}
	if !near(three.MonthlyUSD, 3*one.MonthlyUSD) {
		t.Errorf("three NAT gateways: %v, want 3 x %v", three.MonthlyUSD, one.MonthlyUSD)
	}
	if !near(one.UsageUSD, u.NATDataGB*priceOf(t, "nat:data", "ap-southeast-2")) {
		t.Errorf("usage share: %v: only the data processed rests on usage", one.UsageUSD)
	}
}

// Valkey nodes cost 20% less than the Redis OSS rate the table holds.
func TestValkeyNodes(t *testing.T) {
	for _, tc := range []struct {
		engine string
		factor float64
	}{{"valkey", 0.8}, {"redis", 1}} {
		g := testGraph("eu-west-1", Resource{Type: "aws:elasticache/replicationGroup:ReplicationGroup", Name: "c",
			Inputs: map[string]any{"engine": tc.engine, "nodeType": "cache.r7g.large", "numCacheClusters": 3.0}})
		l := linesOf(EstimateGraph(g, PinnedPrices(), DefaultUsage(KindRegion)), "elasticache:cache.r7g.large")
		if len(l) != 1 || !near(l[0].MonthlyUSD, 3*730*priceOf(t, "elasticache:cache.r7g.large", "eu-west-1")*tc.factor) {
			t.Errorf("%s: %+v", tc.engine, l)
		}
	}
}

// Cassandra volumes are priced in the region their racks' zones name, at size x claim.
func TestK8ssandraVolumes(t *testing.T) {
	dc := func(name, az string) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": name}, "size": 3.0,
			"racks":         []any{map[string]any{"name": az}},
			"storageConfig": map[string]any{"cassandraDataVolumeClaimSpec": map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": "500Gi"}}}}}
	}
	g := testGraph("us-east-1", Resource{Type: "kubernetes:k8ssandra.io/v1alpha1:K8ssandraCluster", Name: "k",
		Inputs: map[string]any{"spec": map[string]any{"cassandra": map[string]any{"datacenters": []any{dc("ams", "eu-west-1a"), dc("syd", "ap-southeast-2b")}}}}})
	e := EstimateGraph(g, PinnedPrices(), DefaultUsage(KindGlobal))
	vols := linesOf(e, "ebs:gp3")
	if len(vols) != 2 || vols[0].Region != "eu-west-1" || vols[1].Region != "ap-southeast-2" || vols[0].Quantity != 1500 {
		t.Fatalf("volumes: %+v", vols)
	}
	if len(linesOf(e, "transfer:inter-region")) != 2 {
		t.Errorf("no inter-region replication lines: %+v", e.Lines)
	}
}

// Health checks pay for their optional features.
func TestHealthCheckFeatures(t *testing.T) {
	g := testGraph("us-east-1", Resource{Type: "aws:route53/healthCheck:HealthCheck", Name: "h",
		Inputs: map[string]any{"type": "HTTPS_STR_MATCH", "searchString": "ok", "requestInterval": 10.0, "measureLatency": true}})
	l := linesOf(EstimateGraph(g, PinnedPrices(), DefaultUsage(KindGlobal)), "route53:health-check-feature")
	if len(l) != 1 || l[0].Quantity != 4 {
		t.Errorf("features: %+v; want HTTPS, string matching, fast interval, latency", l)
	}
}

// A type no rule knows is reported, never priced at zero silently.
func TestUnknownTypeReported(t *testing.T) {
	g := testGraph("us-east-1", Resource{Type: "aws:quantum/computer:Computer", Name: "q"})
	e := EstimateGraph(g, PinnedPrices(), DefaultUsage(KindRegion))
	if e.Unclassified["aws:quantum/computer:Computer"] != 1 {
		t.Errorf("unclassified: %v", e.Unclassified)
	}
}

// A SKU the table lacks in a region is a visible line, not a silent zero.
func TestMissingPriceVisible(t *testing.T) {
	g := testGraph("mars-north-1", Resource{Type: "aws:kms/key:Key", Name: "k"})
	e := EstimateGraph(g, PinnedPrices(), DefaultUsage(KindRegion))
	if len(e.Lines) != 1 || !e.Lines[0].NoPrice || !strings.Contains(e.Lines[0].Description, "no price for kms:key in mars-north-1") {
		t.Errorf("lines: %+v", e.Lines)
	}
}
