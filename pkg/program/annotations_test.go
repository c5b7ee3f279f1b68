package program_test

// Every pulumi.com/* annotation of every committed stack's graph, read as the pinned
// pulumi-kubernetes provider reads it. The API server ignores these annotations, so a real
// kube-apiserver accepts an object whose waitFor the provider cannot parse: the provider fails
// after the object is created, and every later update fails the same way.
//
// Source: pulumi/pulumi-kubernetes provider/pkg/metadata/annotations.go (the annotation names),
// provider/pkg/metadata/overrides.go (ReadyCondition: a JSON list or one expression, each
// "jsonpath=" or "condition="; TimeoutDuration: strconv.Atoi), provider/pkg/jsonpath/jsonpath.go
// (Parse: "jsonpath=" prefix, one optional "=value", the path inside { }, "$" prepended, RFC 9535
// parser github.com/theory/jsonpath) and provider/pkg/await/condition/custom.go. provider/go.mod
// pins github.com/theory/jsonpath v0.9.0 at v4.32.0 and at the last commit before v4.33.0 that
// the stored snapshot holds; this module requires the same version.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/theory/jsonpath"
)

// The annotations the provider reads (provider/pkg/metadata/annotations.go). autonamed is the
// provider's own: a program never writes it.
const (
	annSkipAwait         = "pulumi.com/skipAwait"
	annWaitFor           = "pulumi.com/waitFor"
	annTimeoutSeconds    = "pulumi.com/timeoutSeconds"
	annReplaceUnready    = "pulumi.com/replaceUnready"
	annPatchForce        = "pulumi.com/patchForce"
	annPatchFieldManager = "pulumi.com/patchFieldManager"
	annDeletionPolicy    = "pulumi.com/deletionPropagationPolicy"
)

// providerBraces is the provider's own extraction of the path from "{...}" (non-greedy, so a
// "}" inside the path cuts it short, as it does in the provider).
var providerBraces = regexp.MustCompile(`\{\s*(.*?)\s*\}`)

// parseProviderJSONPath reads one "jsonpath=" expression as provider/pkg/jsonpath.Parse does.
func parseProviderJSONPath(raw string) error {
	if !strings.HasPrefix(raw, "jsonpath=") {
		return fmt.Errorf("JSONPath expression must begin with a 'jsonpath=' prefix")
	}
	raw = strings.TrimPrefix(raw, "jsonpath=")
	const placeholder = "\uFFFD" // "==" survives the split on "="
	parts := strings.Split(strings.ReplaceAll(raw, "==", placeholder), "=")
	if len(parts) > 2 {
		return fmt.Errorf("format should be {.path}=value or {.path}, got %q", raw)
	}
	path := strings.ReplaceAll(parts[0], placeholder, "==")
	if len(parts) == 2 && parts[1] == "" {
		return fmt.Errorf("%s= requires a value", path)
	}
	if strings.HasPrefix(path, "'") && strings.HasSuffix(path, "'") {
		return fmt.Errorf("%s should omit shell quotes", path)
	}
	m := providerBraces.FindStringSubmatch(path)
	if len(m) != 2 {
		return fmt.Errorf("%s should be wrapped in brackets { ... }", path)
	}
	inner := m[1]
	if !strings.HasPrefix(inner, "$") {
		inner = "$" + inner
	}
	if _, err := jsonpath.NewParser().Parse(inner); err != nil {
		return fmt.Errorf("parsing %q: %w", path, err)
	}
	return nil
}

// parseWaitFor reads a pulumi.com/waitFor value as ReadyCondition does: a JSON list of strings
// or, if it is not one, a single expression; each "jsonpath=" or "condition=" (a condition
// type is required: an empty one never matches).
func parseWaitFor(val string) error {
	var values []string
	if err := json.Unmarshal([]byte(val), &values); err != nil {
		values = []string{val}
	}
	if len(values) == 0 {
		return fmt.Errorf("at least one condition must be specified")
	}
	for _, expr := range values {
		switch {
		case strings.HasPrefix(expr, "jsonpath="):
			if err := parseProviderJSONPath(expr); err != nil {
				return err
			}
		case strings.HasPrefix(expr, "condition="):
			cond, _, _ := strings.Cut(strings.TrimPrefix(expr, "condition="), "=")
			if cond == "" {
				return fmt.Errorf("%q names no condition type", expr)
			}
		default:
			return fmt.Errorf(`expected a "jsonpath=" or "condition=" prefix, got %q`, expr)
		}
	}
	return nil
}

// parsePulumiAnnotation checks one annotation against what the provider accepts. Where the
// provider silently ignores a bad value (a timeout that is not an integer, a flag that is not
// exactly "true"), it is an error here: the program meant something the provider will not do.
func parsePulumiAnnotation(key, val string) error {
	switch key {
	case annWaitFor:
		return parseWaitFor(val)
	case annTimeoutSeconds:
		n, err := strconv.Atoi(val)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q is not a positive whole number of seconds (provider: strconv.Atoi, ignored if invalid)", val)
		}
	case annSkipAwait, annReplaceUnready, annPatchForce:
		if val != "true" && val != "false" {
			return fmt.Errorf("%q: the provider treats only \"true\" as set", val)
		}
	case annDeletionPolicy:
		switch strings.ToLower(val) {
		case "orphan", "background", "foreground":
		default:
			return fmt.Errorf("%q: want orphan, background or foreground", val)
		}
	case annPatchFieldManager:
		if val == "" {
			return fmt.Errorf("empty field manager")
		}
	default:
		return fmt.Errorf("the provider reads no such annotation")
	}
	return nil
}

// pulumiAnnotations finds every pulumi.com/* key anywhere in a resource's inputs: at the object's
// own metadata.annotations (top) or deeper (a pod template's, which the provider never reads).
func pulumiAnnotations(v any, path string, top bool, visit func(path, key, val string, top bool)) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.HasPrefix(k, "pulumi.com/") {
				s, _ := x[k].(string)
				visit(path, k, s, top && path == "metadata.annotations")
				continue
			}
			pulumiAnnotations(x[k], strings.TrimPrefix(path+"."+k, "."), top, visit)
		}
	case []any:
		for i, e := range x {
			pulumiAnnotations(e, fmt.Sprintf("%s[%d]", path, i), top, visit)
		}
	}
}

// The parser itself: the form the last round shipped fails as it does in the provider, the
// bracket form and the conditions the program writes pass.
func TestProviderAnnotationParser(t *testing.T) {
	for _, c := range []struct {
		key, val string
		ok       bool
	}{
		{annWaitFor, `jsonpath={.metadata.annotations.k8ssandra\.io/secret-hash}`, false},
		{annWaitFor, `["jsonpath={.metadata.annotations.k8ssandra\\.io/secret-hash}"]`, false},
		{annWaitFor, `jsonpath={.metadata.annotations['k8ssandra.io/secret-hash']}`, true},
		{annWaitFor, `jsonpath={$.metadata.annotations['k8ssandra.io/secret-hash']}`, true},
		{annWaitFor, `jsonpath={.status.datacenters.ams.cassandra.cassandraOperatorProgress}=Ready`, true},
		{annWaitFor, `jsonpath=.status.phase`, false},
		{annWaitFor, `jsonpath={.status.phase}=`, false},
		{annWaitFor, `condition=CassandraInitialized`, true},
		{annWaitFor, `Ready`, false},
		{annWaitFor, `[]`, false},
		{annTimeoutSeconds, "7200", true},
		{annTimeoutSeconds, "2h", false},
		{annReplaceUnready, "true", true},
		{annReplaceUnready, "yes", false},
		{"pulumi.com/waitfor", "condition=Ready", false},
	} {
		err := parsePulumiAnnotation(c.key, c.val)
		if (err == nil) != c.ok {
			t.Errorf("%s=%s: error %v, want ok=%v", c.key, c.val, err, c.ok)
		}
	}
}

// Every pulumi.com/* annotation of every committed stack parses as the provider parses it, and
// sits where the provider reads it (the object's own metadata).
func TestEveryPulumiAnnotationParsesAsTheProviderReadsIt(t *testing.T) {
	seen := map[string]int{}
	for name, r := range synthAll(t) {
		for _, res := range r.Graph.Resources {
			if !strings.HasPrefix(res.Type, "kubernetes:") {
				continue
			}
			pulumiAnnotations(res.Inputs, "", true, func(path, key, val string, top bool) {
				seen[key]++
				if !top {
					t.Errorf("%s: %s %s: %s at %s: the provider reads pulumi.com/* only on the object's own metadata.annotations", name, res.Type, res.Name, key, path)
					return
				}
				if err := parsePulumiAnnotation(key, val); err != nil {
					t.Errorf("%s: %s %s: %s=%s: %v", name, res.Type, res.Name, key, val, err)
				}
			})
		}
	}
	// The fleet's Cassandra cluster writes these; finding none means the walk reads nothing.
	for _, key := range []string{annWaitFor, annTimeoutSeconds} {
		if seen[key] == 0 {
			t.Errorf("no %s annotation in any graph: the check reads nothing", key)
		}
	}
}
