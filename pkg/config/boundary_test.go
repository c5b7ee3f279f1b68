package config

import (
	"fmt"
	"strings"
	"testing"
)

// Boundary tables: every numeric rule of the stack config, with the values on both sides of each
// edge. A value goes into a stack file at the {v} marker and the file is loaded the way
// `sovereign validate` loads it (Parse, then Validate). An accepted value leaves the whole file
// without a problem; a rejected one gives exactly one problem, in the file, at the marker's line,
// on the rule's key path, with the whole message: the value and what is allowed.

const marker = "{v}"

// boundary is one numeric rule.
type boundary struct {
	name string
	tmpl string // a valid stack file with {v} where the value goes
	path string // key path of the rule's problem; {v} is replaced by the value
	// render turns a value into its YAML text (a count into a list of that many items); nil
	// writes the value as it is.
	render func(v string) string
	msg    func(v string) string // the message for a rejected value
	ok     []string
	bad    []string
}

// msgf is a message with the value in it as %[1]s.
func msgf(format string) func(string) string {
	return func(v string) string { return fmt.Sprintf(format, v) }
}

// fixed is a message that does not show the value.
func fixed(msg string) func(string) string { return func(string) string { return msg } }

// mark returns base with old replaced by new (which holds the {v} marker); the table is stale
// if base no longer holds old.
func mark(t *testing.T, base, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("stale template: %q is not in the base file", old)
	}
	return strings.Replace(base, old, new, 1)
}

func staging(text string) string {
	return strings.Replace(text, "environment: production", "environment: staging", 1)
}

func (b boundary) check(t *testing.T) {
	t.Helper()
	line := 0
	for i, l := range strings.Split(b.tmpl, "\n") {
		if strings.Contains(l, marker) {
			line = i + 1
			break
		}
	}
	if line == 0 {
		t.Fatalf("%s: template has no %s marker", b.name, marker)
	}
	fill := func(v string) string {
		text := v
		if b.render != nil {
			text = b.render(v)
		}
		return strings.Replace(b.tmpl, marker, text, 1)
	}
	label := func(v string) string {
		if len(v) > 24 {
			return fmt.Sprintf("%d chars", len(v))
		}
		return v
	}
	for _, v := range b.ok {
		t.Run(b.name+"/"+label(v)+" accepted", func(t *testing.T) {
			if ps := problemsOf(t, fill(v)); len(ps) > 0 {
				t.Fatalf("%s = %s rejected:\n%v", b.path, label(v), ps.Error())
			}
		})
	}
	for _, v := range b.bad {
		t.Run(b.name+"/"+label(v)+" rejected", func(t *testing.T) {
			ps := problemsOf(t, fill(v))
			want := Problem{File: "Pulumi.iad.yaml", Line: line, Path: strings.Replace(b.path, marker, v, 1), Msg: b.msg(v), Stack: "iad"}
			if len(ps) != 1 || ps[0] != want {
				t.Fatalf("%s = %s: want exactly\n  %v\ngot:\n%v", b.path, label(v), want, ps.Error())
			}
		})
	}
}

// count renders a count n as a flow list of n items made by item(i).
func count(item func(i int) string) func(string) string {
	return func(v string) string {
		var n int
		fmt.Sscan(v, &n)
		items := make([]string, n)
		for i := range items {
			items[i] = item(i)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
}

func TestSettingsBoundaries(t *testing.T) {
	afterEnv := func(line string) string {
		return mark(t, validRegion, "    environment: production\n", "    environment: production\n"+line+"\n")
	}
	for _, b := range []boundary{
		{
			name: "secretRecoveryDays 0 or 7-30", tmpl: afterEnv("    secretRecoveryDays: {v}"), path: "global-sovereign:stack.secretRecoveryDays",
			msg: msgf("%s: Secrets Manager allows 0 (delete at once, for throwaway stacks) or 7 to 30 days"),
			ok:  []string{"0", "7", "8", "29", "30"}, bad: []string{"-1", "1", "6", "31"},
		},
		{
			name: "code 2-10 characters", tmpl: mark(t, validRegion, "code: iad", "code: {v}"), path: "global-sovereign:stack.code",
			msg: msgf(`"%s": want 2-10 lowercase letters or digits starting with a letter, e.g. ams`),
			ok:  []string{"ab", "abcdefghij"}, bad: []string{"a", "abcdefghijk"},
		},
		{
			name: "namePrefix 2-20 characters", tmpl: afterEnv("    namePrefix: {v}"), path: "global-sovereign:stack.namePrefix",
			msg: msgf(`"%s": want 2-20 lowercase letters, digits or dashes starting with a letter`),
			ok:  []string{"ab", "a" + strings.Repeat("b", 19)}, bad: []string{"a", "a" + strings.Repeat("b", 20)},
		},
		{
			name: "account id 12 digits", tmpl: afterEnv(`    allowedAccountIds: ["{v}"]`), path: "global-sovereign:stack.allowedAccountIds[0]",
			msg: msgf(`"%s" is not a 12-digit AWS account id`),
			ok:  []string{"111122223333"}, bad: []string{"11112222333", "1111222233334"},
		},
	} {
		b.check(t)
	}
}

func TestNetworkBoundaries(t *testing.T) {
	azs := count(func(i int) string { return "us-east-1" + string(rune('a'+i)) })
	subnets := func(line string) string {
		return mark(t, validRegion, "    flowLogs:\n", "    subnets:\n"+line+"\n    flowLogs:\n")
	}
	for _, b := range []boundary{
		{
			name: "VPC prefix /16 to /20", tmpl: mark(t, validRegion, "vpcCidr: 10.2.0.0/16", "vpcCidr: 10.2.0.0/{v}"), path: "global-sovereign:network.vpcCidr",
			msg: msgf("10.2.0.0/%s: prefix must be /16 to /20"),
			ok:  []string{"16", "20"}, bad: []string{"15", "21"},
		},
		{
			name: "2 to 6 AZs", tmpl: mark(t, validRegion, "availabilityZones: [us-east-1a, us-east-1b, us-east-1c]", "availabilityZones: {v}"),
			path: "global-sovereign:network.availabilityZones", render: azs,
			msg: msgf("%s AZs listed; want 2 to 6 so that an AZ outage leaves capacity"),
			ok:  []string{"2", "6"}, bad: []string{"0", "1", "7"},
		},
		{
			// 0 reads as unset: the default, 365.
			name: "flow log retention CloudWatch periods", tmpl: mark(t, validRegion, "retentionDays: 365", "retentionDays: {v}"),
			path: "global-sovereign:network.flowLogs.retentionDays",
			msg:  msgf("%s: CloudWatch Logs allows " + fmt.Sprint(logRetentionDays)),
			ok:   []string{"0", "1", "3", "3653"}, bad: []string{"-1", "2", "4", "3654"},
		},
		{
			name: "subnet override /28 or larger", tmpl: subnets("      database: [10.2.224.0/{v}, 10.2.225.0/24, 10.2.226.0/24]"),
			path: "global-sovereign:network.subnets.database[0]", msg: msgf("10.2.224.0/%s: AWS subnets are /28 or larger"),
			ok: []string{"24", "28"}, bad: []string{"29", "32"},
		},
		{
			name: "subnet override one per AZ", tmpl: subnets("      database: {v}"), path: "global-sovereign:network.subnets.database",
			render: count(func(i int) string { return fmt.Sprintf("10.2.%d.0/24", 224+i) }),
			msg:    msgf("%s CIDRs for 3 availability zones; want one per AZ"),
			ok:     []string{"3"}, bad: []string{"2", "4"},
		},
	} {
		b.check(t)
	}
}

func TestVPNBoundaries(t *testing.T) {
	const asnMsg = "%s is not a private ASN; allowed: 64512-65534 or 4200000000-4294967294, e.g. 65000"
	// Both private ranges (RFC 6996), each edge from both sides.
	asnOK := []string{"64512", "65000", "65534", "4200000000", "4294967294"}
	asnBad := []string{"-64512", "0", "1", "64511", "65535", "4199999999", "4294967295", "9223372036854775807"}
	gateways := count(func(i int) string {
		return fmt.Sprintf("{name: g%d, ipAddress: 198.51.100.%d, clientCidrs: [198.51.100.%d/32], tunnelSlot: %d}", i, 10+i, 10+i, i%4)
	})
	for _, b := range []boundary{
		{
			name: "bgpAsn private", tmpl: mark(t, validRegion, "bgpAsn: 65000", "bgpAsn: {v}\n    amazonSideAsn: 65001"),
			path: "global-sovereign:vpn.bgpAsn", msg: msgf(asnMsg), ok: asnOK, bad: asnBad,
		},
		{
			name: "amazonSideAsn private", tmpl: mark(t, validRegion, "bgpAsn: 65000", "bgpAsn: 65001\n    amazonSideAsn: {v}"),
			path: "global-sovereign:vpn.amazonSideAsn", msg: msgf(asnMsg), ok: asnOK, bad: asnBad,
		},
		{
			name: "1 to 4 customer gateways",
			tmpl: mark(t, validRegion, validRegion[strings.Index(validRegion, "    customerGateways:"):strings.Index(validRegion, "  global-sovereign:tags:")],
				"    customerGateways: {v}\n    tunnelInsideBlock: 169.254.8.32/27\n"),
			path: "global-sovereign:vpn.customerGateways", render: gateways,
			msg: msgf("%s gateways; want 1 to 4 (primary and secondary office endpoints)"),
			ok:  []string{"1", "4"}, bad: []string{"0", "5"},
		},
		{
			name: "office ports 1-65535", tmpl: mark(t, validRegion, "    bgpAsn: 65000\n", "    bgpAsn: 65000\n    officeIngressPorts: [{v}]\n"),
			path: "global-sovereign:vpn.officeIngressPorts[0]", msg: msgf("%s is not a TCP port (1-65535)"),
			ok: []string{"1", "443", "65535"}, bad: []string{"-1", "0", "65536"},
		},
		{
			name: "gateway name 1-32 characters", tmpl: mark(t, validRegion, "name: primary", "name: {v}"),
			path: "global-sovereign:vpn.customerGateways[0].name", msg: msgf(`"%s": want lowercase letters, digits or dashes, e.g. primary`),
			ok: []string{"a", "a" + strings.Repeat("b", 31)}, bad: []string{"a" + strings.Repeat("b", 32)},
		},
	} {
		b.check(t)
	}
}

func TestTagBoundaries(t *testing.T) {
	for _, b := range []boundary{
		{
			name: "tag key 1-128 characters", tmpl: mark(t, validRegion, "owner: platform", `"{v}": platform`),
			path: "global-sovereign:tags.{v}", msg: fixed("tag keys are 1 to 128 characters"),
			ok: []string{"k", strings.Repeat("k", 128)}, bad: []string{"", strings.Repeat("k", 129)},
		},
		{
			name: "tag value at most 256 characters", tmpl: mark(t, validRegion, "owner: platform", `owner: "{v}"`),
			path: "global-sovereign:tags.owner", msg: fixed("tag values are at most 256 characters"),
			ok: []string{"", strings.Repeat("v", 256)}, bad: []string{strings.Repeat("v", 257)},
		},
	} {
		b.check(t)
	}
}

func TestDataBoundaries(t *testing.T) {
	primary := func(old, new string) string { return withData(mark(t, primaryData, old, new)) }
	afterInstances := func(line string) string { return primary("    instances: 3\n", "    instances: 3\n"+line+"\n") }
	secondary := func(old, new string) string { return withData(mark(t, secondaryData, old, new)) }
	afterReplicas := func(line string) string { return primary("    replicas: 2\n", "    replicas: 2\n"+line+"\n") }
	ident := func(n int) string { return "a" + strings.Repeat("b", n-1) }
	for _, b := range []boundary{
		{
			name: "instances 1-16", tmpl: staging(primary("instances: 3", "instances: {v}")), path: "global-sovereign:database.instances",
			msg: msgf("%s: want 1 to 16"), ok: []string{"1", "16"}, bad: []string{"-1", "0", "17"},
		},
		{
			name: "instances 1-16 on a secondary", tmpl: secondary("instances: 1", "instances: {v}"), path: "global-sovereign:database.instances",
			msg: msgf("%s: want 1 to 16"), ok: []string{"1", "16"}, bad: []string{"0", "17"},
		},
		{
			name: "instances 2-16 on a production primary", tmpl: primary("instances: 3", "instances: {v}"), path: "global-sovereign:database.instances",
			msg: msgf("%s: a production primary needs a writer and at least one reader in another AZ to fail over to"),
			ok:  []string{"2", "16"}, bad: []string{"1"},
		},
		{
			// 0 reads as unset: the default, 5000.
			name: "replication lag alarm 100-600000 ms", tmpl: afterInstances("    replicationLagAlarmMs: {v}"),
			path: "global-sovereign:database.replicationLagAlarmMs", msg: msgf("%s: want 100 to 600000 milliseconds"),
			ok: []string{"0", "100", "600000"}, bad: []string{"-1", "99", "600001"},
		},
		{
			// 0 reads as unset: the default, 35.
			name: "backup retention 1-35 days", tmpl: afterInstances("    backupRetentionDays: {v}"),
			path: "global-sovereign:database.backupRetentionDays", msg: msgf("%s: Aurora keeps automated backups 1 to 35 days"),
			ok: []string{"0", "1", "35"}, bad: []string{"-1", "36"},
		},
		{
			name: "databaseName 1-63 characters", tmpl: afterInstances("    databaseName: {v}"), path: "global-sovereign:database.databaseName",
			msg: msgf(`"%s": want lowercase letters, digits and underscores, starting with a letter`),
			ok:  []string{"a", ident(63)}, bad: []string{ident(64)},
		},
		{
			name: "masterUsername 1-63 characters, not rdsadmin", tmpl: afterInstances("    masterUsername: {v}"), path: "global-sovereign:database.masterUsername",
			msg: msgf(`"%s": want lowercase letters, digits and underscores, starting with a letter (not rdsadmin)`),
			ok:  []string{"a", ident(63), "rdsadmin2"}, bad: []string{ident(64), "rdsadmin"},
		},
		{
			name: "globalClusterIdentifier 1-63 characters", tmpl: afterInstances("    globalClusterIdentifier: {v}"),
			path: "global-sovereign:database.globalClusterIdentifier",
			msg:  msgf(`"%s": want lowercase letters, digits and dashes, starting with a letter`),
			ok:   []string{"a", ident(63)}, bad: []string{ident(64)},
		},
		{
			name: "cache replicas 1-5", tmpl: primary("replicas: 2", "replicas: {v}"), path: "global-sovereign:cache.replicas",
			msg: msgf("%s: want 1 to 5 replicas (automatic failover needs at least one)"), ok: []string{"1", "5"}, bad: []string{"-1", "0", "6"},
		},
		{
			name: "cache snapshots 0-35 days", tmpl: staging(afterReplicas("    snapshotRetentionDays: {v}")),
			path: "global-sovereign:cache.snapshotRetentionDays", msg: msgf("%s: want 0 to 35"),
			ok: []string{"0", "35"}, bad: []string{"-1", "36"},
		},
		{
			name: "cache snapshots 1-35 days in production", tmpl: afterReplicas("    snapshotRetentionDays: {v}"),
			path: "global-sovereign:cache.snapshotRetentionDays", msg: msgf("%s turns snapshots off; production keeps at least 1 day"),
			ok: []string{"1", "35"}, bad: []string{"0"},
		},
		{
			// 0 reads as unset: the default, 35.
			name: "backup plan retention 1-3650 days", tmpl: primary("copyRegion: us-west-2", "copyRegion: us-west-2\n    retentionDays: {v}"),
			path: "global-sovereign:backup.retentionDays", msg: msgf("%s: want 1 to 3650"),
			ok: []string{"0", "1", "3650"}, bad: []string{"-1", "3651"},
		},
	} {
		b.check(t)
	}
}

func TestClusterBoundaries(t *testing.T) {
	cluster := func(old, new string) string { return withCluster(mark(t, clusterData, old, new)) }
	groups := clusterData[strings.Index(clusterData, "    nodeGroups:\n"):strings.Index(clusterData, "    api:\n")]
	// A third group in flow style, all on the marker's line.
	extraGroup := func(fields string) string {
		return cluster("    api:\n", "      - {name: edge, instanceTypes: [m5.large], "+fields+"}\n    api:\n")
	}
	// sizes renders "min/desired/max".
	sizes := func(v string) string {
		var lo, d, hi int
		fmt.Sscanf(v, "%d/%d/%d", &lo, &d, &hi)
		return fmt.Sprintf("minSize: %d, desiredSize: %d, maxSize: %d", lo, d, hi)
	}
	api := func(fields string) string { return cluster("      image:", fields+"\n      image:") }
	const ng2 = "global-sovereign:cluster.nodeGroups[2]"
	for _, b := range []boundary{
		{
			name: "Kubernetes versions of the table", tmpl: cluster(`"1.33"`, `"{v}"`), path: "global-sovereign:cluster.kubernetesVersion",
			msg: msgf(`"%s": want one of 1.33, 1.34, 1.35, quoted (the versions whose add-on versions pkg/config/kubernetes.go pins)`),
			ok:  []string{"1.33", "1.34", "1.35"}, bad: []string{"1.32"},
		},
		{
			name: "1 to 10 node groups", tmpl: cluster(groups, "    nodeGroups: {v}\n"), path: "global-sovereign:cluster.nodeGroups",
			render: count(func(i int) string {
				return fmt.Sprintf("{name: g%d, instanceTypes: [m5.large], minSize: 1, desiredSize: 1, maxSize: 1}", i)
			}),
			msg: msgf("%s node groups; want 1 to 10"), ok: []string{"1", "10"}, bad: []string{"0", "11"},
		},
		{
			name: "minSize >= 0, maxSize 1-450", tmpl: extraGroup("{v}"), path: ng2 + ".maxSize", render: sizes,
			msg: func(v string) string {
				var lo, d, hi int
				fmt.Sscanf(v, "%d/%d/%d", &lo, &d, &hi)
				return fmt.Sprintf("sizes %d..%d: want minSize >= 0 and maxSize 1 to 450", lo, hi)
			},
			ok: []string{"0/0/1", "0/1/450", "450/450/450"}, bad: []string{"-1/0/1", "0/0/0", "0/0/451"},
		},
		{
			name: "min <= desired <= max", tmpl: extraGroup("{v}"), path: ng2 + ".desiredSize", render: sizes,
			msg: func(v string) string {
				var lo, d, hi int
				fmt.Sscanf(v, "%d/%d/%d", &lo, &d, &hi)
				return fmt.Sprintf("min %d, desired %d, max %d: want min <= desired <= max", lo, d, hi)
			},
			ok: []string{"1/1/1", "1/2/3", "2/2/3", "1/3/3"}, bad: []string{"2/1/3", "1/4/3", "4/4/3"},
		},
		{
			// 0 reads as unset: the default, 100.
			name: "disk 20-16384 GiB", tmpl: extraGroup("minSize: 1, desiredSize: 1, maxSize: 1, diskSizeGiB: {v}"),
			path: ng2 + ".diskSizeGiB", msg: msgf("%s: want 20 to 16384"),
			ok: []string{"0", "20", "16384"}, bad: []string{"-1", "19", "16385"},
		},
		{
			name: "spot group 2 or more types",
			tmpl: cluster("    api:\n", "      - {name: spot, instanceTypes: {v}, capacityType: SPOT, minSize: 0, desiredSize: 0, maxSize: 1}\n    api:\n"),
			path: ng2 + ".instanceTypes", render: count(func(i int) string { return []string{"m5.large", "m5a.large", "m6i.large"}[i] }),
			msg: fixed("a spot group needs several interchangeable types: one type's spot pool can run dry"),
			ok:  []string{"2", "3"}, bad: []string{"1"},
		},
		{
			name: "node group name 1-31 characters", tmpl: cluster("name: general-2xlarge", "name: {v}"), path: "global-sovereign:cluster.nodeGroups[0].name",
			msg: msgf(`"%s": want a unique name of lowercase letters, digits and dashes`),
			ok:  []string{"g", "g" + strings.Repeat("x", 30)}, bad: []string{"g" + strings.Repeat("x", 31)},
		},
		{
			name: "label name 1-63 characters", tmpl: cluster("labels: {workload: batch}", "labels: {{v}: batch}"),
			path: "global-sovereign:cluster.nodeGroups[1].labels.{v}", msg: fixed("not a Kubernetes label key"),
			ok: []string{"w", "w" + strings.Repeat("x", 62), "example.com/w"}, bad: []string{"w" + strings.Repeat("x", 63)},
		},
		{
			// 0 reads as unset: the default, 3. Below 2 fails in production only.
			name: "API minReplicas 2 or more in production", tmpl: api("      minReplicas: {v}"), path: "global-sovereign:cluster.api.minReplicas",
			msg: msgf("%s: production keeps at least 2 replicas so a disruption budget can hold one"),
			ok:  []string{"0", "2", "30"}, bad: []string{"1"},
		},
		{
			name: "API minReplicas 1 or more", tmpl: staging(api("      minReplicas: {v}")), path: "global-sovereign:cluster.api.minReplicas",
			msg: msgf("%s: want at least 1 (the HorizontalPodAutoscaler's minimum)"),
			ok:  []string{"0", "1", "2"}, bad: []string{"-1"},
		},
		{
			// 0 reads as unset: the default, 30.
			name: "API maxReplicas >= minReplicas", tmpl: api("      minReplicas: 3\n      maxReplicas: {v}"), path: "global-sovereign:cluster.api.maxReplicas",
			msg: msgf("%s is below minReplicas 3"), ok: []string{"0", "3", "4"}, bad: []string{"-1", "2"},
		},
		{
			// 0 reads as unset: the default, 70.
			name: "API target CPU 10-95%", tmpl: api("      targetCpuPercent: {v}"), path: "global-sovereign:cluster.api.targetCpuPercent",
			msg: msgf("%s: want 10 to 95"), ok: []string{"0", "10", "95"}, bad: []string{"-1", "9", "96"},
		},
		{
			// 0 reads as unset: the default, 4000.
			name: "API port 1-65535", tmpl: api("      port: {v}"), path: "global-sovereign:cluster.api.port",
			msg: msgf("%s is not a TCP port"), ok: []string{"0", "1", "65535"}, bad: []string{"-1", "65536"},
		},
		{
			name: "public endpoint narrower than /0", tmpl: cluster("    adminRoleArns:", "    endpointPublicCidrs: [{v}]\n    adminRoleArns:"),
			path: "global-sovereign:cluster.endpointPublicCidrs[0]",
			msg:  fixed("0.0.0.0/0 opens the Kubernetes API to the internet; list the networks that need it"),
			ok:   []string{"198.51.100.0/24", "0.0.0.0/1", "128.0.0.0/1"}, bad: []string{"0.0.0.0/0"},
		},
		{
			name: "deployer narrower than /0", tmpl: cluster("    nodeGroups:\n", "    deployer: {cidrs: [{v}]}\n    nodeGroups:\n"),
			path: "global-sovereign:cluster.deployer.cidrs[0]",
			msg:  fixed("0.0.0.0/0 opens the Kubernetes API to the internet; list the deployer's egress addresses"),
			ok:   []string{"198.51.100.7/32", "198.51.100.0/24"}, bad: []string{"0.0.0.0/0"},
		},
	} {
		b.check(t)
	}
}

func TestIngressBoundaries(t *testing.T) {
	const ingress = "  global-sovereign:ingress:\n    zoneId: Z0ABCDEF123456\n    zoneName: global-sovereign.example\n"
	in := func(old, new string) string { return withCluster(clusterData + mark(t, ingress, old, new)) }
	label := func(n int) string { return "a" + strings.Repeat("b", n-1) }
	for _, b := range []boundary{
		{
			// 0 reads as unset: the default, 365.
			name: "access log retention 1-3650 days", tmpl: in("zoneName: global-sovereign.example\n", "zoneName: global-sovereign.example\n    accessLogRetentionDays: {v}\n"),
			path: "global-sovereign:ingress.accessLogRetentionDays", msg: msgf("%s: want 1 to 3650"),
			ok: []string{"0", "1", "3650"}, bad: []string{"-1", "3651"},
		},
		{
			name: "zone id Z and 5-31 characters", tmpl: in("Z0ABCDEF123456", "{v}"), path: "global-sovereign:ingress.zoneId",
			msg: msgf(`"%s" is not a Route 53 hosted zone id (Z followed by letters and digits)`),
			ok:  []string{"Z12345", "Z" + strings.Repeat("1", 31)}, bad: []string{"Z1234", "Z" + strings.Repeat("1", 32)},
		},
		{
			name: "hostname labels 1-63 characters",
			tmpl: in("zoneName: global-sovereign.example\n", "zoneName: global-sovereign.example\n    hostname: {v}.global-sovereign.example\n"),
			path: "global-sovereign:ingress.hostname",
			msg: func(v string) string {
				return fmt.Sprintf(`"%s.global-sovereign.example": want a name inside the zone global-sovereign.example, e.g. api-iad.global-sovereign.example`, v)
			},
			ok: []string{"a", label(63)}, bad: []string{label(64)},
		},
	} {
		b.check(t)
	}
}
