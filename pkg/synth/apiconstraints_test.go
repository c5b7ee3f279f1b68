package synth

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// goldenResource is a resource of a committed stack's graph.
type goldenResource struct {
	stack string
	reg   registration
}

// goldenGraphs reads every committed stack's graph (testdata/synth, kept current by the golden
// test of pkg/program) as the mocks saw its registrations.
func goldenGraphs(t *testing.T) []goldenResource {
	t.Helper()
	files, err := filepath.Glob("../../testdata/synth/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden graphs: %v", err)
	}
	var out []goldenResource
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Resources []struct {
				Type, Name string
				Inputs     map[string]any
			}
		}
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, r := range g.Resources {
			out = append(out, goldenResource{filepath.Base(f), registration{typ: r.Type, name: r.Name,
				inputs: resource.NewPropertyMapFromMap(r.Inputs)}})
		}
	}
	return out
}

// TestEveryGraphMeetsTheAPIConstraints: no resource of a committed stack breaks a constraint
// (the synth would have failed; this names the rule when a golden file is edited by hand).
func TestEveryGraphMeetsTheAPIConstraints(t *testing.T) {
	for _, r := range goldenGraphs(t) {
		if err := checkConstraints(r.reg); err != nil {
			t.Errorf("%s: %v", r.stack, err)
		}
	}
}

// TestAPIConstraintsAreLive: every constraint checks an argument some committed stack sets
// (a rule on a misspelt path or an unused type would pass everything), accepts the graph's
// own value, and refuses a value the API refuses.
func TestAPIConstraintsAreLive(t *testing.T) {
	graphs := goldenGraphs(t)
	for _, c := range constraints {
		t.Run(c.typ+" "+c.path, func(t *testing.T) {
			if !strings.HasPrefix(c.ref, "https://docs.aws.amazon.com/") {
				t.Errorf("no AWS reference page: %q", c.ref)
			}
			var sample *goldenResource
			for i, r := range graphs {
				if (c.typ == r.reg.typ || c.typ == "*" && strings.HasPrefix(r.reg.typ, "aws:")) &&
					len(values(r.reg.inputs, strings.Split(c.path, "."))) > 0 {
					sample = &graphs[i]
					break
				}
			}
			if sample == nil {
				t.Fatalf("no committed stack sets %s on a %s: the rule checks nothing", c.path, c.typ)
			}
			one := constraints[:0:0]
			one = append(one, c)
			bads := badValues(c)
			if len(bads) == 0 {
				t.Fatalf("the rule has nothing that refuses a value")
			}
			for _, bad := range bads {
				reg := sample.reg
				reg.inputs = withValue(reg.inputs, strings.Split(c.path, "."), bad)
				if got := values(reg.inputs, strings.Split(c.path, ".")); !contains(got, bad) {
					t.Fatalf("could not place %q at %s (got %q)", bad, c.path, got)
				}
				if err := checkOnly(one, reg); err == nil {
					t.Errorf("%q at %s of %s (%s) is accepted; AWS refuses it", bad, c.path, sample.reg.name, sample.stack)
				} else if !strings.Contains(err.Error(), c.ref) {
					t.Errorf("the refusal does not cite its source: %v", err)
				}
			}
		})
	}
}

// TestSecurityGroupDescriptionsRefuseTheApostrophe is the defect that made every region's
// first `up` fail: EC2 refuses an apostrophe in a group or rule description.
func TestSecurityGroupDescriptionsRefuseTheApostrophe(t *testing.T) {
	for _, typ := range []string{typeSG, typeSGIn, typeSGEg} {
		reg := registration{typ: typ, name: "x", inputs: resource.PropertyMap{
			"description": resource.NewStringProperty("Aurora PostgreSQL: 5432 from the region's private subnets")}}
		if err := checkConstraints(reg); err == nil || !strings.Contains(err.Error(), `"'"`) {
			t.Errorf("%s: an apostrophe in the description is accepted (%v)", typ, err)
		}
		reg.inputs["description"] = resource.NewStringProperty("Aurora PostgreSQL: 5432 from the private subnets (region), peers & office [VPN]")
		if err := checkConstraints(reg); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
}

func checkOnly(cs []constraint, reg registration) error {
	saved := constraints
	defer func() { constraints = saved }()
	constraints = cs
	return checkConstraints(reg)
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// badValues are values each part of c refuses.
func badValues(c constraint) []string {
	var out []string
	if c.maxLen > 0 {
		out = append(out, strings.Repeat("a", c.maxLen+1))
	}
	if c.minLen > 1 {
		out = append(out, "a")
	} else if c.minLen == 1 && !strings.HasSuffix(c.path, "~") {
		out = append(out, "")
	}
	if c.chars != "" {
		re := regexp.MustCompile(`^[` + c.chars + `]*$`)
		for _, b := range []string{"'", "\x01", "~", "^", "%", "é"} {
			if !re.MatchString(b) {
				out = append(out, "ab"+b)
				break
			}
		}
	}
	if c.pattern != nil {
		for _, b := range []string{"-bad-", "Bad Name!", "a..b", "_x"} {
			if !c.pattern.MatchString(b) {
				out = append(out, b)
				break
			}
		}
	}
	if len(c.enum) > 0 {
		out = append(out, "bogus")
	}
	if !math.IsNaN(c.max) && !math.IsInf(c.max, 1) {
		out = append(out, strconv.FormatFloat(c.max+1, 'f', -1, 64))
	}
	if !math.IsNaN(c.min) {
		out = append(out, strconv.FormatFloat(c.min-1, 'f', -1, 64))
	}
	if c.check != nil {
		out = append(out, c.bad)
	}
	return out
}

// withValue returns a copy of m with v placed at path (the first element of a list, a new key
// of a map for `~`, the first value for `*`).
func withValue(m resource.PropertyMap, path []string, v string) resource.PropertyMap {
	out := m.Copy()
	key, rest := path[0], path[1:]
	switch key {
	case "~":
		out[resource.PropertyKey(v)] = resource.NewStringProperty("x")
		return out
	case "*":
		for k, e := range out {
			out[k] = withLeaf(e, rest, v)
			return out
		}
		return out
	}
	pk := resource.PropertyKey(strings.TrimSuffix(key, "[]"))
	e := out[pk]
	for e.IsSecret() {
		e = e.SecretValue().Element
	}
	if strings.HasSuffix(key, "[]") {
		arr := append([]resource.PropertyValue(nil), e.ArrayValue()...)
		arr[0] = withLeaf(arr[0], rest, v)
		out[pk] = resource.NewArrayProperty(arr)
		return out
	}
	out[pk] = withLeaf(e, rest, v)
	return out
}

func withLeaf(e resource.PropertyValue, rest []string, v string) resource.PropertyValue {
	for e.IsSecret() {
		e = e.SecretValue().Element
	}
	if len(rest) > 0 {
		return resource.NewObjectProperty(withValue(e.ObjectValue(), rest, v))
	}
	if e.IsNumber() {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return resource.NewNumberProperty(f)
		}
	}
	return resource.NewStringProperty(v)
}
