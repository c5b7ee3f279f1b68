package tenant_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/tenant"
	"github.com/global-sovereign/global-sovereign/internal/graphtest"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
	"github.com/global-sovereign/global-sovereign/pkg/scope"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tKey        = "aws:kms/key:Key"
	tBucket     = "aws:s3/bucketV2:BucketV2"
	tSSE        = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tVersioning = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	tPAB        = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tOwnership  = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tLifecycle  = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tPolicy     = "aws:s3/bucketPolicy:BucketPolicy"
	tSecret     = "aws:secretsmanager/secret:Secret"
	tVersion    = "aws:secretsmanager/secretVersion:SecretVersion"
	tRole       = "aws:iam/role:Role"
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tAssoc      = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
	tNamespace  = "kubernetes:core/v1:Namespace"
	tNetPol     = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
	tJob        = "kubernetes:batch/v1:Job"
	tK8sSecret  = "kubernetes:core/v1:Secret"
	tQuota      = "kubernetes:core/v1:ResourceQuota"
	tLimitRange = "kubernetes:core/v1:LimitRange"
	tSA         = "kubernetes:core/v1:ServiceAccount"
)

const (
	home        = "us-east-1"
	writer      = "eu-west-1"
	clientNS    = "client-ezra"
	platformNS  = "platform-db"
	adminNS     = "platform-db-admin"
	k8sHome     = "k8s-home"
	k8sWriter   = "k8s-writer"
	writerAWS   = "aws-eu-west-1"
	clusterName = "gs-iad"
)

var (
	homeDB   = []string{"10.2.96.0/20", "10.2.112.0/20", "10.2.128.0/20"}
	writerDB = []string{"10.1.96.0/20", "10.1.112.0/20", "10.1.128.0/20"}
)

// fixture builds Args; the providers are filled in inside the run.
type fixture struct {
	scope    scope.Scope
	database bool
	edit     func(*tenant.Args)
}

func args(s scope.Scope) *tenant.Args {
	return &tenant.Args{
		Scope: s, Client: "ezra", ClusterName: pulumi.String(clusterName),
		Namespace: clientNS, ServiceAccount: "app",
		Quota:                 tenant.Quota{RequestsCPU: "4", RequestsMemory: "8Gi", LimitsCPU: "8", LimitsMemory: "16Gi", Pods: 50, Storage: "100Gi"},
		Tags:                  map[string]string{"environment": "production", "client": "ezra"},
		Limits:                tenant.Limits{DefaultRequestCPU: "100m", DefaultRequestMemory: "128Mi", DefaultLimitCPU: "500m", DefaultLimitMemory: "512Mi"},
		DatabaseCIDRs:         homeDB,
		NoncurrentVersionDays: 30,
		AccessLogDays:         90,
		SecretRecoveryDays:    30,
	}
}

func databaseArgs() *tenant.DatabaseArgs {
	return &tenant.DatabaseArgs{
		Name: "ezra", User: "ezra_app",
		Host:            pulumi.String("global-sovereign-production.global-abc.global.rds.amazonaws.com"),
		ReaderHost:      pulumi.String("gs-iad-aurora.cluster-ro-abc.us-east-1.rds.amazonaws.com"),
		WriterHost:      pulumi.String("gs-ams-aurora.cluster-def.eu-west-1.rds.amazonaws.com"),
		ConnectionLimit: 20,
	}
}

// provisioner declares the writer stack's provisioning in the fixture: the client's Job uses
// its namespace and Secret, as a client stack does through the writer stack's outputs.
func provisioner(ctx *pulumi.Context, wk pulumi.ProviderResource, aws pulumi.ProviderResource) (*tenant.Provisioner, error) {
	return tenant.NewProvisioner(ctx, "gs-ams-db", &tenant.ProvisionerArgs{
		Kubernetes: wk, Namespace: platformNS, AdminNamespace: platformNS + "-admin",
		WriterHost:     pulumi.String("gs-ams-aurora.cluster-def.eu-west-1.rds.amazonaws.com"),
		MasterUsername: "sovereign", MasterPassword: pulumi.ToSecret(pulumi.String(synth.MockPasswordPrefix + "master")).(pulumi.StringOutput),
		WriterCIDRs: writerDB,
	}, pulumi.Provider(aws))
}

func synthTenant(f fixture) (*synth.Graph, error) {
	r, err := synth.RunComponent(f.scope.Region, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		a := args(f.scope)
		hk, err := kubernetes.NewProvider(ctx, k8sHome, &kubernetes.ProviderArgs{Kubeconfig: pulumi.ToSecret(pulumi.String("{}")).(pulumi.StringOutput)})
		if err != nil {
			return err
		}
		a.Kubernetes = hk
		if f.database {
			wk, err := kubernetes.NewProvider(ctx, k8sWriter, &kubernetes.ProviderArgs{Kubeconfig: pulumi.ToSecret(pulumi.String("{}")).(pulumi.StringOutput)})
			if err != nil {
				return err
			}
			wa, err := synth.NewAWSProvider(ctx, writer, writerAWS)
			if err != nil {
				return err
			}
			prov, err := provisioner(ctx, wk, wa)
			if err != nil {
				return err
			}
			a.Database = databaseArgs()
			a.Database.Kubernetes, a.Database.Namespace, a.Database.ProvisionerSecret = wk, prov.Namespace, prov.SecretName
		}
		if f.edit != nil {
			f.edit(a)
		}
		t, err := tenant.New(ctx, "gs-iad-ezra", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("namespace", t.Namespace)
		ctx.Export("serviceAccount", t.ServiceAccount)
		ctx.Export("roleArn", t.RoleArn)
		ctx.Export("bucketName", t.BucketName)
		ctx.Export("keyArn", t.KeyArn)
		ctx.Export("secretArn", t.SecretArn)
		ctx.Export("databaseName", t.DatabaseName)
		return nil
	})
	if r == nil {
		return nil, err
	}
	return r.Graph, err
}

func metadata(r synth.Resource) map[string]any {
	m, _ := r.Inputs["metadata"].(map[string]any)
	return m
}

func isWriterSide(r synth.Resource) bool { return strings.HasSuffix(r.Provider, "::"+k8sWriter) }

// egressRule is one allowed (protocol, port, peer) of a namespace's policies, written flat.
func egressRules(t *testing.T, g *synth.Graph, writerSide bool) []string {
	t.Helper()
	var out []string
	for _, p := range g.ByType(tNetPol) {
		if isWriterSide(p) != writerSide {
			continue
		}
		spec := p.Inputs["spec"].(map[string]any)
		if _, ok := spec["ingress"]; ok {
			t.Errorf("%s allows ingress: %v", p.Name, spec["ingress"])
		}
		rules, _ := spec["egress"].([]any)
		for _, r := range rules {
			rule := r.(map[string]any)
			var peers []string
			for _, to := range rule["to"].([]any) {
				b, _ := json.Marshal(to)
				peers = append(peers, string(b))
			}
			for _, port := range rule["ports"].([]any) {
				pm := port.(map[string]any)
				for _, peer := range peers {
					out = append(out, fmt.Sprintf("%v/%v %s", pm["protocol"], pm["port"], peer))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func wantEgress(dbCIDRs []string, aws bool) []string {
	dns := `{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}},"podSelector":{"matchLabels":{"k8s-app":"kube-dns"}}}`
	out := []string{"UDP/53 " + dns, "TCP/53 " + dns}
	for _, c := range dbCIDRs {
		out = append(out, fmt.Sprintf(`TCP/5432 {"ipBlock":{"cidr":"%s"}}`, c))
	}
	if aws {
		out = append(out,
			`TCP/443 {"ipBlock":{"cidr":"0.0.0.0/0","except":["10.0.0.0/8","172.16.0.0/12","192.168.0.0/16"]}}`,
			`TCP/80 {"ipBlock":{"cidr":"169.254.170.23/32"}}`)
	}
	sort.Strings(out)
	return out
}

func policyDoc(t *testing.T, v any) iampolicy.Document {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("policy is %T %v", v, v)
	}
	var d iampolicy.Document
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTenant(t *testing.T) {
	us := scope.Scope{Partition: "aws", AccountID: "111122223333", Region: home, Protect: true}
	for _, tc := range []struct {
		name     string
		fix      fixture
		protect  bool
		database bool
	}{
		{"with a database in another region's writer, protected", fixture{scope: us, database: true}, true, true},
		{"no database, throwaway", fixture{scope: scope.Scope{Partition: "aws-us-gov", AccountID: "111122223333", Region: "us-gov-west-1"}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := synthTenant(tc.fix)
			if err != nil {
				t.Fatal(err)
			}
			region := tc.fix.scope.Region
			providerOf := func(r synth.Resource) string {
				switch {
				case strings.HasPrefix(r.Type, "kubernetes:") && isWriterSide(r):
					return k8sWriter
				case strings.HasPrefix(r.Type, "kubernetes:"):
					return k8sHome
				case strings.HasPrefix(r.Type, "aws:"):
					return synth.ProviderName(region)
				}
				return ""
			}
			for _, p := range synth.ChildProblems(g, tenant.Type, providerOf) {
				if !strings.Contains(p, tenant.ProvisionerType) { // the writer stack's, declared beside it here
					t.Error(p)
				}
			}
			for _, v := range synth.Audit(g) {
				if v.Rule != "pods-need-nodes" { // the fixture has no cluster: the program test audits the Job
					t.Error(v)
				}
			}

			// Namespaced objects are in the client's namespace, or (the Job's) in the platform's.
			for _, r := range g.Resources {
				if !strings.HasPrefix(r.Type, "kubernetes:") || r.Type == tNamespace || r.Type == "kubernetes:storage.k8s.io/v1:StorageClass" {
					continue
				}
				want := clientNS
				ns := metadata(r)["namespace"]
				if isWriterSide(r) {
					// The writer stack's admin namespace holds the master credentials and the
					// provisioner's Job; the client's objects are in the shared one.
					want = platformNS
					if strings.HasPrefix(r.Name, "gs-ams-db-") && ns == adminNS {
						want = adminNS
					}
				}
				if ns != want {
					t.Errorf("%s %s in namespace %v, want %s", r.Type, r.Name, ns, want)
				}
				if r.Type == tK8sSecret && metadata(r)["name"] == "master-credentials" && ns != adminNS {
					t.Errorf("the master credentials are in %v, where client stacks create pods", ns)
				}
			}
			var namespaces []string
			for _, n := range g.ByType(tNamespace) {
				namespaces = append(namespaces, metadata(n)["name"].(string))
			}
			sort.Strings(namespaces)
			for _, n := range g.ByType(tNamespace) {
				labels := metadata(n)["labels"].(map[string]any)
				want := "baseline" // the client's pods; the platform's Job meets restricted
				if isWriterSide(n) {
					want = "restricted"
				}
				if labels["pod-security.kubernetes.io/enforce"] != want {
					t.Errorf("namespace %v enforces pod security %v, want %s", metadata(n)["name"], labels["pod-security.kubernetes.io/enforce"], want)
				}
			}
			if want := []string{clientNS}; tc.database && !slices.Equal(namespaces, []string{clientNS, platformNS, adminNS}) || !tc.database && !slices.Equal(namespaces, want) {
				t.Errorf("namespaces %v", namespaces)
			}

			// Default deny, in and out, of every pod of each namespace; then exactly the egress needed.
			denies := 0
			for _, p := range g.ByType(tNetPol) {
				spec := p.Inputs["spec"].(map[string]any)
				if metadata(p)["name"] != "default-deny" {
					if types := graphtest.Strings(spec["policyTypes"]); !slices.Equal(types, []string{"Egress"}) {
						t.Errorf("%s: policy types %v, want Egress", p.Name, types)
					}
					continue
				}
				denies++
				if sel, _ := spec["podSelector"].(map[string]any); len(sel) != 0 {
					t.Errorf("%s selects %v, want every pod ({})", p.Name, sel)
				}
				if types := graphtest.Strings(spec["policyTypes"]); !slices.Equal(types, []string{"Ingress", "Egress"}) {
					t.Errorf("%s: policy types %v", p.Name, types)
				}
				if spec["ingress"] != nil || spec["egress"] != nil {
					t.Errorf("%s allows something: %v", p.Name, spec)
				}
			}
			if want := map[bool]int{true: 3, false: 1}[tc.database]; denies != want {
				t.Errorf("%d default-deny policies, want %d", denies, want)
			}
			if got, want := egressRules(t, g, false), wantEgress(homeDB, true); !slices.Equal(got, want) {
				t.Errorf("client egress\n got %v\nwant %v", got, want)
			}
			if tc.database {
				if got, want := slices.Compact(egressRules(t, g, true)), wantEgress(writerDB, false); !slices.Equal(got, want) {
					t.Errorf("Job egress\n got %v\nwant %v", got, want)
				}
			}

			quota := graphtest.One(t, g, tQuota).Inputs["spec"].(map[string]any)["hard"].(map[string]any)
			if quota["requests.cpu"] != "4" || quota["limits.memory"] != "16Gi" || quota["pods"] != "50" ||
				quota["services.loadbalancers"] != "0" || quota["services.nodeports"] != "0" ||
				quota["gp3.storageclass.storage.k8s.io/persistentvolumeclaims"] != "0" ||
				quota["client-ezra-gp3.storageclass.storage.k8s.io/requests.storage"] != "100Gi" {
				t.Errorf("quota %v", quota)
			}
			// Destroying the client deletes its volumes: its class does not retain them, and they
			// carry the client's tags.
			sc := graphtest.One(t, g, "kubernetes:storage.k8s.io/v1:StorageClass")
			if metadata(sc)["name"] != "client-ezra-gp3" || sc.Inputs["reclaimPolicy"] != "Delete" ||
				!strings.Contains(fmt.Sprint(sc.Inputs["parameters"]), "environment=production") {
				t.Errorf("client storage class %v", sc.Inputs)
			}
			limits := graphtest.One(t, g, tLimitRange).Inputs["spec"].(map[string]any)["limits"].([]any)[0].(map[string]any)
			if limits["type"] != "Container" || limits["defaultRequest"].(map[string]any)["cpu"] != "100m" ||
				limits["default"].(map[string]any)["memory"] != "512Mi" || limits["max"].(map[string]any)["cpu"] != "8" {
				t.Errorf("limit range %v", limits)
			}

			// Identity: only Pod Identity of this account assumes the role, bound to the client's
			// service account in the client's namespace.
			role := graphtest.One(t, g, tRole)
			trust := policyDoc(t, role.Inputs["assumeRolePolicy"])
			if len(trust.Statement) != 1 {
				t.Fatalf("trust %v", trust)
			}
			st := trust.Statement[0]
			if st.Effect != "Allow" || !slices.Equal(st.Action, []string{"sts:AssumeRole", "sts:TagSession"}) ||
				len(st.Principal) != 1 || !slices.Equal(st.Principal["Service"], []string{"pods.eks.amazonaws.com"}) ||
				st.Condition["StringEquals"]["aws:SourceAccount"] != tc.fix.scope.AccountID ||
				st.Condition["StringEquals"]["aws:RequestTag/eks-cluster-name"] != clusterName ||
				st.Condition["StringEquals"]["aws:RequestTag/kubernetes-namespace"] != clientNS ||
				st.Condition["StringEquals"]["aws:RequestTag/kubernetes-service-account"] != "app" {
				t.Errorf("trust statement %+v", st)
			}
			assoc := graphtest.One(t, g, tAssoc)
			if assoc.Inputs["clusterName"] != clusterName || assoc.Inputs["namespace"] != clientNS || assoc.Inputs["serviceAccount"] != "app" ||
				assoc.Inputs["roleArn"] != role.State["arn"] {
				t.Errorf("association %v", assoc.Inputs)
			}
			if sa := graphtest.One(t, g, tSA); metadata(sa)["name"] != "app" {
				t.Errorf("service account %v", metadata(sa))
			}

			// The role reaches the client's bucket and objects, key and secret, nothing else.
			bucket := data(t, g, tBucket)
			key := graphtest.One(t, g, tKey)
			secret := graphtest.One(t, g, tSecret)
			bucketArn, keyArn, secretArn := bucket.State["arn"].(string), key.State["arn"].(string), secret.State["arn"].(string)
			var resources []string
			for _, s := range policyDoc(t, graphtest.One(t, g, tRolePolicy).Inputs["policy"]).Statement {
				if s.Effect != "Allow" {
					t.Errorf("role statement %+v", s)
				}
				resources = append(resources, s.Resource...)
				for _, a := range s.Action {
					if strings.Contains(a, "*") {
						t.Errorf("role action %s", a)
					}
				}
			}
			sort.Strings(resources)
			want := []string{bucketArn, bucketArn + "/*", keyArn, secretArn}
			sort.Strings(want)
			if !slices.Equal(resources, want) {
				t.Errorf("role resources %v, want %v", resources, want)
			}

			// The bucket: its own key, bucket key, versioning, no public access, ACLs off, TLS only.
			if bucket.Protect != tc.protect || bucket.Inputs["forceDestroy"] != !tc.protect || key.Protect != tc.protect || secret.Protect != tc.protect {
				t.Errorf("protect: bucket %v (forceDestroy %v), key %v, secret %v; want %v", bucket.Protect, bucket.Inputs["forceDestroy"], key.Protect, secret.Protect, tc.protect)
			}
			rule := data(t, g, tSSE).Inputs["rules"].([]any)[0].(map[string]any)
			def := rule["applyServerSideEncryptionByDefault"].(map[string]any)
			if def["sseAlgorithm"] != "aws:kms" || def["kmsMasterKeyId"] != keyArn || rule["bucketKeyEnabled"] != true {
				t.Errorf("encryption %v", rule)
			}
			if v := graphtest.One(t, g, tVersioning).Inputs["versioningConfiguration"].(map[string]any)["status"]; v != "Enabled" {
				t.Errorf("versioning %v", v)
			}
			pab := data(t, g, tPAB).Inputs
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if pab[k] != true {
					t.Errorf("public access block %s = %v", k, pab[k])
				}
			}
			if o := data(t, g, tOwnership).Inputs["rule"].(map[string]any)["objectOwnership"]; o != "BucketOwnerEnforced" {
				t.Errorf("ownership %v", o)
			}
			lc := data(t, g, tLifecycle).Inputs["rules"].([]any)[0].(map[string]any)
			if lc["noncurrentVersionExpiration"].(map[string]any)["noncurrentDays"] != float64(30) || lc["status"] != "Enabled" {
				t.Errorf("lifecycle %v", lc)
			}
			bp := data(t, g, tPolicy)
			tls := policyDoc(t, bp.Inputs["policy"])
			if len(tls.Statement) != 1 || tls.Statement[0].Effect != "Deny" ||
				tls.Statement[0].Condition["Bool"]["aws:SecureTransport"] != "false" ||
				!slices.Equal(tls.Statement[0].Resource, []string{bucketArn, bucketArn + "/*"}) {
				t.Errorf("bucket policy %+v", tls)
			}
			if !slices.Contains(bp.DependsOn, data(t, g, tPAB).URN) {
				t.Errorf("the bucket policy does not wait for the public access block: %v", bp.DependsOn)
			}
			checkAccessLogs(t, g, bucket)
			if secret.Inputs["kmsKeyId"] != keyArn || secret.Inputs["recoveryWindowInDays"] != float64(30) {
				t.Errorf("secret %v", secret.Inputs)
			}
			if v := graphtest.One(t, g, tVersion).Inputs["secretString"]; v != synth.SecretMarker {
				t.Errorf("secret value in plain text: %v", v)
			}

			// The database Job: in the platform's namespace of the writer's cluster, never the
			// client's; the master credentials only in a secret there.
			jobs := g.ByType(tJob)
			if !tc.database {
				if len(jobs) != 0 || len(g.ByType(tK8sSecret)) != 0 {
					t.Errorf("no database, but %d jobs and %d secrets", len(jobs), len(g.ByType(tK8sSecret)))
				}
				return
			}
			var job, provJob synth.Resource
			for _, j := range jobs {
				if strings.HasPrefix(metadata(j)["name"].(string), "gs-iad-ezra-dbinit-") {
					job = j
				} else {
					provJob = j
				}
			}
			md := metadata(job)
			if len(jobs) != 2 || md["namespace"] != platformNS || !isWriterSide(job) {
				t.Fatalf("jobs %v; the client's %v with provider %s", jobs, md, job.Provider)
			}
			checkRestrictedJob(t, job)
			checkRestrictedJob(t, provJob)
			spec := job.Inputs["spec"].(map[string]any)
			if spec["ttlSecondsAfterFinished"] == nil || spec["backoffLimit"] == nil || spec["activeDeadlineSeconds"] == nil {
				t.Errorf("job spec %v", spec)
			}
			pod := spec["template"].(map[string]any)["spec"].(map[string]any)
			c := pod["containers"].([]any)[0].(map[string]any)
			if c["image"] != tenant.Image || strings.HasSuffix(tenant.Image, ":latest") || !strings.Contains(tenant.Image, ":16.") {
				t.Errorf("image %v", c["image"])
			}
			env := map[string]any{}
			for _, e := range c["env"].([]any) {
				em := e.(map[string]any)
				if em["valueFrom"] != nil {
					env[em["name"].(string)] = em["valueFrom"].(map[string]any)["secretKeyRef"].(map[string]any)["name"]
				} else {
					env[em["name"].(string)] = em["value"]
				}
			}
			// The client's Job logs in as the provisioning role, never the master.
			if env["PGPASSWORD"] != tenant.ProvisionerSecretName || env["PGUSER"] != tenant.ProvisionerSecretName ||
				env["CLIENT_PASSWORD_VERIFIER"] != "gs-iad-ezra-db-verifier" || env["CLIENT_CONNECTION_LIMIT"] != "20" ||
				!strings.HasPrefix(env["CLIENT_TAG"].(string), "sovereign client stack test ") ||
				env["PGHOST"] != "gs-ams-aurora.cluster-def.eu-west-1.rds.amazonaws.com" || env["PGSSLMODE"] != "require" {
				t.Errorf("job env %v", env)
			}
			// Nothing of the client's component holds the master credentials.
			for _, s := range g.ByType(tK8sSecret) {
				if strings.Contains(s.Parent, tenant.Type) && metadata(s)["name"] == "master-credentials" {
					t.Errorf("the client's component declares the master credentials: %s", s.URN)
				}
			}
			for _, s := range g.ByType(tK8sSecret) {
				if ns := metadata(s)["namespace"]; ns != platformNS && ns != adminNS {
					t.Errorf("secret %s in %v", s.Name, metadata(s)["namespace"])
				}
				// The whole map is secret, or each of its values.
				if data, isMap := s.Inputs["stringData"].(map[string]any); isMap {
					for k, v := range data {
						if v != synth.SecretMarker {
							t.Errorf("secret %s key %s in plain text", s.Name, k)
						}
					}
				} else if s.Inputs["stringData"] != synth.SecretMarker {
					t.Errorf("secret %s data %v", s.Name, s.Inputs["stringData"])
				}
			}
			var deps []string
			for _, d := range job.DependsOn {
				deps = append(deps, d[strings.LastIndex(d, "::")+2:])
			}
			// It waits for its own objects and for the provisioning role (the writer's Job).
			for _, want := range []string{"gs-iad-ezra-dbinit-client", "gs-iad-ezra-dbinit-sql", "gs-ams-db-job"} {
				if !slices.Contains(deps, want) {
					t.Errorf("the Job does not wait for %s: %v", want, deps)
				}
			}
			raw, err := g.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), synth.MockPasswordPrefix) {
				t.Error("a password is in the graph in plain text")
			}
			_ = provJob
		})
	}
}

// The outputs name what the program exports.
func TestTenantOutputs(t *testing.T) {
	r, err := synth.RunComponent(home, func(ctx *pulumi.Context, p pulumi.ProviderResource) error {
		a := args(scope.Scope{Partition: "aws", AccountID: "111122223333", Region: home})
		k, err := kubernetes.NewProvider(ctx, k8sHome, &kubernetes.ProviderArgs{})
		if err != nil {
			return err
		}
		a.Kubernetes = k
		a.Database = databaseArgs()
		a.Database.Kubernetes, a.Database.Namespace, a.Database.ProvisionerSecret = k, pulumi.String(platformNS), pulumi.String(tenant.ProvisionerSecretName)
		tn, err := tenant.New(ctx, "gs-iad-ezra", a, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("namespace", tn.Namespace)
		ctx.Export("serviceAccount", tn.ServiceAccount)
		ctx.Export("databaseName", tn.DatabaseName)
		ctx.Export("bucketName", tn.BucketName)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := r.Graph.Outputs
	if out["namespace"] != clientNS || out["serviceAccount"] != "app" || out["databaseName"] != "ezra" ||
		!strings.HasPrefix(out["bucketName"].(string), "gs-iad-ezra-data-") {
		t.Errorf("outputs %v", out)
	}
}

// The Job's name changes with each thing it depends on, so a change replaces the Job.
func TestJobName(t *testing.T) {
	base := tenant.JobName("gs-iad-c-ezra", "ezra", "ezra_app", "writer.example", "pw1")
	if base != tenant.JobName("gs-iad-c-ezra", "ezra", "ezra_app", "writer.example", "pw1") {
		t.Error("not stable")
	}
	if len(base) > 63 || !strings.HasPrefix(base, "gs-iad-c-ezra-dbinit-") {
		t.Errorf("name %q", base)
	}
	for _, other := range []string{
		tenant.JobName("gs-iad-c-ezra", "ezra2", "ezra_app", "writer.example", "pw1"),
		tenant.JobName("gs-iad-c-ezra", "ezra", "ezra_app2", "writer.example", "pw1"),
		tenant.JobName("gs-iad-c-ezra", "ezra", "ezra_app", "writer2.example", "pw1"),
		tenant.JobName("gs-iad-c-ezra", "ezra", "ezra_app", "writer.example", "pw2"),
	} {
		if other == base {
			t.Errorf("%s did not change", other)
		}
	}
}

// The SQL is safe to re-run: every creation is guarded, nothing interpolates a value by hand.
func TestSQLIsIdempotent(t *testing.T) {
	for _, want := range []string{
		"WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'client_user')",
		"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'client_db')",
		"ON_ERROR_STOP on", `\getenv client_password CLIENT_PASSWORD_VERIFIER`, "PASSWORD %L",
		"REVOKE ALL ON DATABASE %I FROM PUBLIC", "WITH SET TRUE", "pg_has_role(current_user, :'client_user', 'SET')",
		// a database or role another client stack created is refused, not taken over
		"shobj_description(oid, 'pg_database'), '') <> :'client_tag'", "shobj_description(oid, 'pg_authid'), '') <> :'client_tag'",
		"RAISE EXCEPTION", "COMMENT ON DATABASE %I IS %L", "COMMENT ON ROLE %I IS %L",
		"CONNECTION LIMIT %s", "(:'client_limit')::int", "NOCREATEDB NOCREATEROLE",
	} {
		if !strings.Contains(tenant.SQL, want) {
			t.Errorf("SQL lacks %q", want)
		}
	}
	for _, line := range strings.Split(tenant.SQL, "\n") {
		if strings.HasPrefix(line, "CREATE ") {
			t.Errorf("unguarded statement: %s", line)
		}
	}
}

func TestTenantRejects(t *testing.T) {
	us := scope.Scope{Partition: "aws", AccountID: "111122223333", Region: home}
	for _, tc := range []struct {
		name string
		edit func(*tenant.Args)
		want string
	}{
		{"bad client", func(a *tenant.Args) { a.Client = "Ezra" }, "client"},
		{"no cluster name", func(a *tenant.Args) { a.ClusterName = nil }, "cluster's name"},
		{"no provider", func(a *tenant.Args) { a.Kubernetes = nil }, "Kubernetes provider"},
		{"bad namespace", func(a *tenant.Args) { a.Namespace = "Client_ezra" }, "namespace"},
		{"bad service account", func(a *tenant.Args) { a.ServiceAccount = "" }, "service account"},
		{"no pods", func(a *tenant.Args) { a.Quota.Pods = 0 }, "at least one pod"},
		{"no quota memory", func(a *tenant.Args) { a.Quota.LimitsMemory = "" }, "quota"},
		{"no default cpu", func(a *tenant.Args) { a.Limits.DefaultLimitCPU = "" }, "limits"},
		{"no noncurrent days", func(a *tenant.Args) { a.NoncurrentVersionDays = 0 }, "noncurrent"},
		{"recovery 6 days", func(a *tenant.Args) { a.SecretRecoveryDays = 6 }, "secret recovery"},
		{"recovery 31 days", func(a *tenant.Args) { a.SecretRecoveryDays = 31 }, "secret recovery"},
		{"no database CIDRs", func(a *tenant.Args) { a.DatabaseCIDRs = nil }, "database subnet"},
		{"public database CIDR", func(a *tenant.Args) { a.DatabaseCIDRs = []string{"0.0.0.0/0"} }, "private IPv4"},
		{"host bits", func(a *tenant.Args) { a.DatabaseCIDRs = []string{"10.2.96.1/20"} }, "private IPv4"},
		{"bad database name", func(a *tenant.Args) { a.Database.Name = "Ezra" }, "lowercase identifiers"},
		{"bad user", func(a *tenant.Args) { a.Database.User = "ezra-app" }, "lowercase identifiers"},
		{"no writer host", func(a *tenant.Args) { a.Database.WriterHost = nil }, "writer's host"},
		{"no writer cluster", func(a *tenant.Args) { a.Database.Kubernetes = nil }, "Kubernetes provider"},
		{"no provisioning namespace", func(a *tenant.Args) { a.Database.Namespace = nil }, "provisioning namespace"},
		{"no provisioner secret", func(a *tenant.Args) { a.Database.ProvisionerSecret = nil }, "provisioning namespace and secret"},
		{"no connection limit", func(a *tenant.Args) { a.Database.ConnectionLimit = 0 }, "connection limit 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := synthTenant(fixture{scope: us, database: true, edit: tc.edit})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "tenant gs-iad-ezra: ") {
				t.Fatalf("got %v, want an error about %q", err, tc.want)
			}
			if g != nil && len(g.ByType(tenant.Type)) != 0 {
				t.Error("the component was registered before its Args were checked")
			}
		})
	}
}

// checkRestrictedJob: the Job's pod meets the restricted Pod Security profile its namespace
// enforces: non-root, no privilege escalation, all capabilities dropped, the runtime's seccomp
// profile; plus a read-only root and no service-account token.
func checkRestrictedJob(t *testing.T, job synth.Resource) {
	t.Helper()
	pod := job.Inputs["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	sc := pod["securityContext"].(map[string]any)
	if sc["runAsNonRoot"] != true || sc["seccompProfile"].(map[string]any)["type"] != "RuntimeDefault" || pod["automountServiceAccountToken"] != false {
		t.Errorf("%s pod security %v", job.Name, pod)
	}
	for _, c := range pod["containers"].([]any) {
		csc := c.(map[string]any)["securityContext"].(map[string]any)
		if csc["allowPrivilegeEscalation"] != false || csc["readOnlyRootFilesystem"] != true ||
			fmt.Sprint(csc["capabilities"].(map[string]any)["drop"]) != "[ALL]" {
			t.Errorf("%s container security %v", job.Name, csc)
		}
		if strings.Contains(fmt.Sprint(c.(map[string]any)["command"]), "PASSWORD") {
			t.Errorf("%s: a password on the command line", job.Name)
		}
	}
}

// The provisioning role: CREATEROLE and CREATEDB, never a superuser; every database closed to
// PUBLIC; created as the master, whose credentials stay in the writer's namespace.
func TestProvisionerSQL(t *testing.T) {
	for _, want := range []string{
		"LOGIN CREATEROLE CREATEDB PASSWORD", "rolsuper OR rolreplication OR rolbypassrls", "RAISE EXCEPTION",
		"REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC", "pg_has_role(datdba, 'MEMBER')",
		"FROM pg_database WHERE datallowconn", "GRANT CONNECT ON DATABASE postgres TO %I", "ON_ERROR_STOP on",
		"WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'prov_user')",
	} {
		if !strings.Contains(tenant.ProvisionerSQL, want) {
			t.Errorf("provisioner SQL lacks %q", want)
		}
	}
	if strings.Contains(tenant.ProvisionerSQL, "rds_superuser") {
		t.Error("the provisioner is granted rds_superuser")
	}
	// An rds_superuser may not name these role attributes in ALTER ROLE, not even to deny them.
	for _, refused := range []string{"SUPERUSER", "REPLICATION", "BYPASSRLS"} {
		for _, line := range strings.Split(tenant.ProvisionerSQL, "\n") {
			if strings.Contains(line, "ALTER ROLE") && strings.Contains(line, refused) {
				t.Errorf("the master cannot run: %s", line)
			}
		}
	}
}

// data is the one resource of typ that belongs to the client's data bucket (named -data).
func data(t *testing.T, g *synth.Graph, typ string) synth.Resource {
	t.Helper()
	var out []synth.Resource
	for _, r := range g.ByType(typ) {
		if strings.HasSuffix(r.Name, "-data") {
			out = append(out, r)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d %s of the data bucket, want 1", len(out), typ)
	}
	return out[0]
}

// checkAccessLogs: every request to the data bucket is logged to the client's log bucket, which
// only S3's logging service may write to, for this bucket and account, over SSE-S3 (the only
// encryption a log target may use), expiring after the configured days.
func checkAccessLogs(t *testing.T, g *synth.Graph, bucket synth.Resource) {
	t.Helper()
	logging := graphtest.One(t, g, "aws:s3/bucketLoggingV2:BucketLoggingV2")
	var logs synth.Resource
	for _, b := range g.ByType(tBucket) {
		if strings.HasSuffix(b.Name, "-access-logs") {
			logs = b
		}
	}
	if logging.Inputs["bucket"] != bucket.ID || logging.Inputs["targetBucket"] != logs.ID {
		t.Fatalf("logging %v (data %s, logs %s)", logging.Inputs, bucket.ID, logs.ID)
	}
	var policy synth.Resource
	for _, p := range g.ByType(tPolicy) {
		if p.Inputs["bucket"] == logs.ID {
			policy = p
		}
	}
	doc := policyDoc(t, policy.Inputs["policy"])
	var allow *iampolicy.Statement
	for i, st := range doc.Statement {
		if st.Effect == "Allow" {
			allow = &doc.Statement[i]
		}
	}
	if allow == nil || !slices.Equal(allow.Principal["Service"], []string{"logging.s3.amazonaws.com"}) ||
		allow.Condition["ArnLike"]["aws:SourceArn"] != bucket.State["arn"] || !slices.Equal(allow.Action, []string{"s3:PutObject"}) {
		t.Errorf("log bucket policy %+v", doc)
	}
	if !slices.Contains(logging.DependsOn, policy.URN) {
		t.Error("logging is turned on before the log bucket admits the logging service")
	}
	for _, sse := range g.ByType(tSSE) {
		if sse.Inputs["bucket"] == logs.ID && !strings.Contains(fmt.Sprint(sse.Inputs["rules"]), "AES256") {
			t.Errorf("log bucket encryption %v: a log target takes SSE-S3 only", sse.Inputs["rules"])
		}
	}
	for _, lc := range g.ByType(tLifecycle) {
		if lc.Inputs["bucket"] == logs.ID && !strings.Contains(fmt.Sprint(lc.Inputs["rules"]), "days:90") {
			t.Errorf("log bucket lifecycle %v", lc.Inputs["rules"])
		}
	}
}
