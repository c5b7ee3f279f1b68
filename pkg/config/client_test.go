package config

import (
	"slices"
	"strings"
	"testing"
)

func TestClientDefaults(t *testing.T) {
	s := parseValid(t, "Pulumi.iad-ezra.yaml", minimalClient)
	c := s.Client
	if c.Namespace != "client-ezra" || c.ServiceAccount != DefaultClientServiceAccount || !c.Database.DatabaseEnabled() ||
		c.Database.Name != "ezra" || c.Database.User != "ezra_app" || c.Bucket.NoncurrentVersionDays != DefaultNoncurrentVersionDays {
		t.Errorf("defaults %+v", c)
	}
	if s.Settings.NamePrefix != "gs-iad-c-ezra" || s.Client.Database.ConnectionLimit != DefaultClientConnectionLimit {
		t.Errorf("name prefix %q, connection limit %d", s.Settings.NamePrefix, s.Client.Database.ConnectionLimit)
	}
	set := parseValid(t, "Pulumi.iad-ezra.yaml", minimalClient+`    namespace: ezra
    serviceAccount: worker
    database: {enabled: false, name: ezra_db, user: ezra_owner}
    bucket: {noncurrentVersionDays: 7}
`)
	c = set.Client
	if c.Namespace != "ezra" || c.ServiceAccount != "worker" || c.Database.DatabaseEnabled() || c.Database.Name != "ezra_db" ||
		c.Database.User != "ezra_owner" || c.Bucket.NoncurrentVersionDays != 7 {
		t.Errorf("explicit values replaced: %+v", c)
	}
}

// Only the reserved prefixes and names are refused: a user that merely starts with "rds" or "pg"
// is the client's.
func TestClientUserNotReserved(t *testing.T) {
	for _, u := range []string{"rdsx_app", "pgadmin", "postgres2"} {
		if s := parseValid(t, "Pulumi.iad-ezra.yaml", minimalClient+"    database: {user: "+u+"}\n"); s.Client.Database.User != u {
			t.Errorf("user %q became %q", u, s.Client.Database.User)
		}
	}
}

// clientBoundary is a boundary of the client block: the minimal client stack with {v} at old.
func clientBoundary(t *testing.T, name, old, new, path string, msg func(string) string, ok, bad []string) boundary {
	return boundary{name: name, tmpl: mark(t, minimalClient, old, new), path: path, msg: msg, ok: ok, bad: bad}
}

func TestClientBoundaries(t *testing.T) {
	for _, b := range []boundary{
		clientBoundary(t, "pods", "pods: 20", "pods: {v}", "global-sovereign:client.quota.pods",
			msgf("%s: want 1 to 1000"), []string{"1", "1000"}, []string{"0", "-1", "1001"}),
		clientBoundary(t, "noncurrent days", "      pods: 20\n", "      pods: 20\n    bucket: {noncurrentVersionDays: {v}}\n",
			"global-sovereign:client.bucket.noncurrentVersionDays",
			msgf("%s: want 1 to 3650 days"), []string{"0", "1", "3650"}, []string{"-1", "3651"}),
		// A CPU quantity: at least 1m, millicores without a fraction, and the request within the limit ("4").
		clientBoundary(t, "requests cpu", `requestsCpu: "2"`, `requestsCpu: "{v}"`, "global-sovereign:client.quota.requestsCpu",
			func(v string) string {
				switch v {
				case "0", "0m", "0.0001":
					if v == "0.0001" {
						return `"0.0001": want a CPU quantity such as 2, 0.5 or 500m`
					}
					return `"` + v + `": want more than zero CPU (at least 1m)`
				case "4001m", "4.001":
					return v + " is more than global-sovereign:client.quota.limitsCpu's 4"
				}
				return `"` + v + `": want a CPU quantity such as 2, 0.5 or 500m`
			},
			[]string{"1m", "0.001", "0.5", "4", "4000m"}, []string{"0", "0m", "0.0001", "4001m", "4.001", "1.5m", "2 cores", "-1", ""}),
		// A memory quantity: at least 1Mi, the request within the limit (8Gi).
		clientBoundary(t, "requests memory", `requestsMemory: 4Gi`, `requestsMemory: "{v}"`, "global-sovereign:client.quota.requestsMemory",
			func(v string) string {
				switch v {
				case "1048575", "1023Ki":
					return `"` + v + `": want at least 1Mi`
				case "8193Mi", "9Gi", "8589934593":
					return v + " is more than global-sovereign:client.quota.limitsMemory's 8Gi"
				}
				return `"` + v + `": want a memory quantity such as 512Mi, 8Gi or 1G (suffixes Ki, Mi, Gi, Ti, k, M, G, T)`
			},
			[]string{"1Mi", "1048576", "1024Ki", "8Gi", "8192Mi", "8589934592", "1G"},
			[]string{"1048575", "1023Ki", "8193Mi", "9Gi", "8589934593", "1.5Gi", "4gi", "4 Gi", "4GB"}),
		// Each container's default limit within the namespace's limit.
		clientBoundary(t, "default limit cpu", "defaultLimitCpu: 500m", `defaultLimitCpu: "{v}"`, "global-sovereign:client.limitRange.defaultLimitCpu",
			msgf("%s is more than global-sovereign:client.quota.limitsCpu's 4"), []string{"100m", "4", "4000m"}, []string{"4001m", "5"}),
		// Each container's default request within its default limit.
		clientBoundary(t, "default request memory", "defaultRequestMemory: 128Mi", "defaultRequestMemory: {v}",
			"global-sovereign:client.limitRange.defaultRequestMemory",
			msgf("%s is more than global-sovereign:client.limitRange.defaultLimitMemory's 512Mi"), []string{"1Mi", "512Mi"}, []string{"513Mi", "1Gi"}),
	} {
		b.check(t)
	}
}

func TestClientRules(t *testing.T) {
	withClient := func(extra string) string { return minimalClient + extra }
	tests := []struct {
		name, text, path, inMsg string
		line                    int
	}{
		{"kube namespace", withClient("    namespace: kube-tenants\n"), "global-sovereign:client.namespace", "belongs to the cluster or the platform", 21},
		{"platform namespace", withClient("    namespace: platform-ezra\n"), "global-sovereign:client.namespace", "belongs to the cluster or the platform", 21},
		{"default namespace", withClient("    namespace: default\n"), "global-sovereign:client.namespace", "belongs to the cluster or the platform", 21},
		{"namespace not a label", withClient("    namespace: Client_Ezra\n"), "global-sovereign:client.namespace", "want a DNS label", 21},
		{"namespace too long", withClient("    namespace: " + strings.Repeat("a", 64) + "\n"), "global-sovereign:client.namespace", "want a DNS label", 21},
		{"service account", withClient("    serviceAccount: app.v1\n"), "global-sovereign:client.serviceAccount", "want a DNS label", 21},
		{"postgres database", withClient("    database: {name: postgres}\n"), "global-sovereign:client.database.name", "every Aurora cluster has", 21},
		{"template database", withClient("    database: {name: template1}\n"), "global-sovereign:client.database.name", "every Aurora cluster has", 21},
		{"database with a dash", withClient("    database: {name: ezra-db}\n"), "global-sovereign:client.database.name", "lowercase letters, digits and underscores", 21},
		{"pg_ user", withClient("    database: {user: pg_ezra}\n"), "global-sovereign:client.database.user", "PostgreSQL's and Aurora's own roles", 21},
		{"rds_ user", withClient("    database: {user: rds_ezra}\n"), "global-sovereign:client.database.user", "PostgreSQL's and Aurora's own roles", 21},
		{"postgres user", withClient("    database: {user: postgres}\n"), "global-sovereign:client.database.user", "PostgreSQL's and Aurora's own roles", 21},
		{"rds user", withClient("    database: {user: rdsadmin}\n"), "global-sovereign:client.database.user", "PostgreSQL's and Aurora's own roles", 21},
		{"user with a capital", withClient("    database: {user: Ezra}\n"), "global-sovereign:client.database.user", "lowercase letters", 21},
		{"unknown key", withClient("    quotas: {}\n"), "global-sovereign:client.quotas", `unknown key (did you mean "quota"?)`, 21},
		{"no client block", strings.SplitN(minimalClient, "  global-sovereign:client:", 2)[0], "global-sovereign:client", "missing; a client stack needs", 0},
		{"kubernetes default provider", strings.Replace(minimalClient, `["aws", "kubernetes"]`, `["aws"]`, 1),
			"pulumi:disable-default-providers", "must list kubernetes in a stack with a cluster or a client stack", 2},
		{"client block in a region stack", validRegion + "  global-sovereign:client:\n    namespace: x\n",
			"global-sovereign:client", "only client stacks have this; remove it from a region stack", 27},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireProblem(t, problemsOf(t, tt.text), tt.path, tt.inMsg, tt.line)
		})
	}
}

// A fleet of ams (the primary, with a cluster), iad (a secondary, with a cluster) and clients.
func k8s(s string) string { return strings.Replace(s, `["aws"]`, `["aws", "kubernetes"]`, 1) }

func clientFleet(t *testing.T, extra map[string]string) *Fleet {
	t.Helper()
	files := map[string]string{
		"Pulumi.ams.yaml": k8s(regionFile("ams", "eu-west-1", "10.1.0.0/16", "[eu-west-1a, eu-west-1b]")) + primaryData + clusterData,
		"Pulumi.iad.yaml": k8s(validRegion) + `  global-sovereign:database:
    role: secondary
    engineVersion: "16.6"
    instanceClass: db.r6i.2xlarge
    instances: 2
` + clusterData,
		"Pulumi.iad-ezra.yaml": minimalClient,
	}
	for k, v := range extra {
		if v == "" {
			delete(files, k)
			continue
		}
		files[k] = v
	}
	f, err := LoadDir(writeFleet(t, files))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A client of a secondary region writes its database through the environment's primary: it
// reads both stacks, and the plan deploys both before it.
func TestClientReferences(t *testing.T) {
	f := clientFleet(t, nil)
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	ezra := f.Stack("iad-ezra")
	if f.HomeStack(ezra) != f.Stack("iad") || f.DatabaseWriterStack(ezra) != f.Stack("ams") {
		t.Errorf("home %v, writer %v", f.HomeStack(ezra), f.DatabaseWriterStack(ezra))
	}
	if got := f.References(ezra); !slices.Equal(got, []string{"ams", "iad"}) {
		t.Errorf("references %v", got)
	}
	// A client of the primary's region writes there: one stack.
	amsClient := strings.NewReplacer("code: iad", "code: ams", "awsRegion: us-east-1", "awsRegion: eu-west-1").Replace(minimalClient)
	f = clientFleet(t, map[string]string{"Pulumi.ams-ezra.yaml": amsClient, "Pulumi.iad-ezra.yaml": ""})
	if ps := f.Validate(); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if got := f.References(f.Stack("ams-ezra")); !slices.Equal(got, []string{"ams"}) {
		t.Errorf("references %v", got)
	}
	// Without a database it reads only its home.
	f = clientFleet(t, map[string]string{"Pulumi.iad-ezra.yaml": minimalClient + "    database: {enabled: false}\n"})
	if got := f.References(f.Stack("iad-ezra")); !slices.Equal(got, []string{"iad"}) || f.DatabaseWriterStack(f.Stack("iad-ezra")) != nil {
		t.Errorf("references %v", got)
	}
}

func TestClientFleetRules(t *testing.T) {
	amsClient := strings.NewReplacer("code: iad", "code: ams", "awsRegion: us-east-1", "awsRegion: eu-west-1").Replace(minimalClient)
	tests := []struct {
		name                      string
		extra                     map[string]string
		wantFile, wantPath, inMsg string
		// wantLine: the key's line when the stack file writes it, else the client's name (line 8)
		wantLine int
	}{
		{"home without a database", map[string]string{"Pulumi.iad.yaml": k8s(validRegion) + clusterData},
			"Pulumi.iad-ezra.yaml", "global-sovereign:client.database.enabled", "the home stack iad (Pulumi.iad.yaml) has no global-sovereign:database", 8},
		{"writer without a cluster", map[string]string{"Pulumi.ams.yaml": k8s(regionFile("ams", "eu-west-1", "10.1.0.0/16", "[eu-west-1a, eu-west-1b]")) + primaryData},
			"Pulumi.iad-ezra.yaml", "global-sovereign:client.database.enabled", "ams (Pulumi.ams.yaml), whose Aurora writer holds the client's database, has no cluster", 8},
		{"two clients of one writer with one database", map[string]string{"Pulumi.ams-ezra.yaml": amsClient},
			"Pulumi.iad-ezra.yaml", "global-sovereign:client.database.name", `"ezra" is already client stack ams-ezra's database in ams's Aurora cluster`, 8},
		{"the writer's own database", map[string]string{"Pulumi.iad-ezra.yaml": minimalClient + "    database: {name: global_db}\n"},
			"Pulumi.iad-ezra.yaml", "global-sovereign:client.database.name", `"global_db" is already its own database in ams's Aurora cluster`, 21},
		{"the master user", map[string]string{"Pulumi.iad-ezra.yaml": minimalClient + "    database: {user: sovereign_admin}\n"},
			"Pulumi.iad-ezra.yaml", "global-sovereign:client.database.user", `"sovereign_admin" is already its master user in ams's Aurora cluster`, 21},
		{"no home", map[string]string{"Pulumi.iad-ezra.yaml": strings.Replace(minimalClient, "environment: production", "environment: staging", 1)},
			"Pulumi.iad-ezra.yaml", "global-sovereign:stack.environment", "no region or environment stack has code \"iad\" and environment staging", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := clientFleet(t, tt.extra).Validate()
			for _, p := range ps {
				if p.File == tt.wantFile && p.Path == tt.wantPath && strings.Contains(p.Msg, tt.inMsg) {
					if p.Line != tt.wantLine {
						t.Errorf("problem at line %d, want %d: %v", p.Line, tt.wantLine, p)
					}
					return
				}
			}
			t.Fatalf("want %s %s %q; got:\n%v", tt.wantFile, tt.wantPath, tt.inMsg, ps.Error())
		})
	}
}

// A client stack raises no alarms: preflight asks only for its account, not for an alarm address.
func TestClientPreflight(t *testing.T) {
	s := parseValid(t, "Pulumi.iad-ezra.yaml", minimalClient+"  global-sovereign:alerts:\n    emails: [oncall@corp.example]\n")
	var paths []string
	for _, p := range s.Preflight() {
		paths = append(paths, p.Path)
	}
	if want := []string{"global-sovereign:stack.allowedAccountIds"}; !slices.Equal(paths, want) {
		t.Errorf("preflight asks for %v, want %v", paths, want)
	}
}
