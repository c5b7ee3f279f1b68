package synth

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// teardownShape declares what the destroy audit and the retained-name check look at, with the
// settings a test chooses: a protected or throwaway stack, a fixed or generated final snapshot
// name, a fixed or auto-named secret with a recovery window.
type teardownShape struct {
	protect, fixedSnapshot, fixedSecret bool
	recoveryDays                        int
}

func teardownProgram(s teardownShape) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		p, err := awsProvider(ctx, "eu-west-1")
		if err != nil {
			return err
		}
		opts := []pulumi.ResourceOption{pulumi.Provider(p), pulumi.Protect(s.protect)}
		if _, err := custom(ctx, "aws:rds/globalCluster:GlobalCluster", "global", pulumi.Map{
			"globalClusterIdentifier": pulumi.String("g"), "deletionProtection": pulumi.Bool(s.protect),
		}, opts...); err != nil {
			return err
		}
		suffix, err := custom(ctx, "random:index/randomId:RandomId", "final", pulumi.Map{"byteLength": pulumi.Int(4)})
		if err != nil {
			return err
		}
		snapshot := pulumi.All(suffix.URN(), suffix.ID()).ApplyT(func(v []any) string {
			if s.fixedSnapshot {
				return "db-final"
			}
			return "db-final-" + string(v[1].(pulumi.ID))
		}).(pulumi.StringOutput)
		if _, err := custom(ctx, "aws:rds/cluster:Cluster", "db", pulumi.Map{
			"clusterIdentifier": pulumi.String("db"), "deletionProtection": pulumi.Bool(s.protect),
			"skipFinalSnapshot": pulumi.Bool(false), "finalSnapshotIdentifier": snapshot,
		}, opts...); err != nil {
			return err
		}
		secret := pulumi.Map{"recoveryWindowInDays": pulumi.Int(s.recoveryDays)}
		if s.fixedSecret {
			secret["name"] = pulumi.String("app/master")
		}
		if _, err := custom(ctx, "aws:secretsmanager/secret:Secret", "secret", secret, opts...); err != nil {
			return err
		}
		for _, token := range []string{"aws:s3/bucketV2:BucketV2", "aws:backup/vault:Vault"} {
			if _, err := custom(ctx, token, "store", pulumi.Map{"forceDestroy": pulumi.Bool(!s.protect)}, opts...); err != nil {
				return err
			}
		}
		return nil
	}
}

func synthGeneration(t *testing.T, s teardownShape, generation int) *Graph {
	t.Helper()
	r, err := RunWithOptions(teardownProgram(s), "test", nil, nil, Options{Generation: generation})
	if err != nil {
		t.Fatal(err)
	}
	return r.Graph
}

func TestDestroyAudit(t *testing.T) {
	if vs := DestroyAudit(synthGeneration(t, teardownShape{}, 0)); len(vs) > 0 {
		t.Errorf("a throwaway shape fails the audit:\n%s", FormatViolations(vs))
	}
	vs := DestroyAudit(synthGeneration(t, teardownShape{protect: true}, 0))
	var got []string
	for _, v := range vs {
		got = append(got, v.Rule+" "+strings.TrimPrefix(v.Holder, "urn:pulumi:test::global-sovereign::"))
	}
	want := []string{
		"deletion-protection aws:rds/cluster:Cluster::db", "deletion-protection aws:rds/globalCluster:GlobalCluster::global",
		"force-destroy aws:backup/vault:Vault::store", "force-destroy aws:s3/bucketV2:BucketV2::store",
		"protected aws:backup/vault:Vault::store", "protected aws:rds/cluster:Cluster::db",
		"protected aws:rds/globalCluster:GlobalCluster::global", "protected aws:s3/bucketV2:BucketV2::store",
		"protected aws:secretsmanager/secret:Secret::secret",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("protected shape:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Generations: the same program gives the same values within a generation (goldens stay
// byte-identical) and new random draws in the next; names the program fixes stay.
func TestGenerationsAndRetainedNames(t *testing.T) {
	shape := teardownShape{fixedSecret: true, recoveryDays: 7}
	a, again, b := synthGeneration(t, shape, 0), synthGeneration(t, shape, 0), synthGeneration(t, shape, 1)
	ja, _ := a.Marshal()
	jagain, _ := again.Marshal()
	if string(ja) != string(jagain) {
		t.Error("one generation synthesized twice differs")
	}
	id := func(g *Graph) (string, string) {
		r := g.ByType("random:index/randomId:RandomId")[0]
		return r.ID, r.State["hex"].(string)
	}
	idA, hexA := id(a)
	idB, hexB := id(b)
	if len(hexA) != 8 || idA == idB || hexA == hexB {
		t.Errorf("random ids %s/%s and %s/%s: want 4 random bytes (8 hex digits), new per generation", idA, hexA, idB, hexB)
	}
	bucket := func(g *Graph) string { return g.ByType("aws:s3/bucketV2:BucketV2")[0].State["bucket"].(string) }
	if bucket(a) == bucket(b) {
		t.Error("auto-names do not change between generations")
	}

	// The generated snapshot name and the auto-named bucket never collide; the fixed secret name
	// kept for a 7-day window does.
	var names []string
	for _, c := range NameCollisions(a, b) {
		names = append(names, c.Kind+" "+c.Name)
	}
	if strings.Join(names, ";") != "Secrets Manager secret app/master" {
		t.Errorf("collisions %v", names)
	}
	// A fixed final snapshot name collides; a 0-day window frees the secret's name at once.
	shape = teardownShape{fixedSecret: true, fixedSnapshot: true}
	names = nil
	for _, c := range NameCollisions(synthGeneration(t, shape, 0), synthGeneration(t, shape, 1)) {
		names = append(names, c.Kind+" "+c.Name+" "+c.Scope)
	}
	if strings.Join(names, ";") != "RDS DB cluster snapshot db-final eu-west-1" {
		t.Errorf("collisions %v", names)
	}
}
