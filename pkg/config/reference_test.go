package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/global-sovereign/global-sovereign/internal/configdoc"
)

// The generated config reference (docs/configuration.md) says which keys are required and what the defaults
// are; these tests hold the code to what it says.

// minimalRegion sets every block of a region stack with only the keys the reference marks as
// required, plus one element of each list of maps so that their keys are checked too.
const minimalRegion = `config:
  pulumi:disable-default-providers: ["aws", "kubernetes"]
  global-sovereign:stack:
    kind: region
    code: iad
    awsRegion: us-east-1
    environment: staging
  global-sovereign:network:
    vpcCidr: 10.2.0.0/16
    availabilityZones: [us-east-1a, us-east-1b]
  global-sovereign:vpn:
    customerGateways:
      - name: primary
        ipAddress: 178.162.141.150
        clientCidrs: [178.162.141.130/32]
        tunnelSlot: 0
    tunnelInsideBlock: 169.254.8.32/27
  global-sovereign:database:
    role: primary
    engineVersion: "16.6"
    instanceClass: db.r6i.large
    instances: 1
  global-sovereign:cache:
    engine: valkey
    engineVersion: "8.0"
    nodeType: cache.r7g.large
    replicas: 1
  global-sovereign:backup:
    copyRegion: us-west-2
  global-sovereign:cluster:
    nodeGroups:
      - name: general
        instanceTypes: [m5.large]
        desiredSize: 1
        maxSize: 2
        taints: [{key: workload, effect: PREFER_NO_SCHEDULE}]
    api: {}
  global-sovereign:ingress:
    zoneId: Z0000000000EXAMPLE
    zoneName: global-sovereign.example
  global-sovereign:cassandra:
    size: 2
    replicationFactor: 1
    instanceType: r6i.2xlarge
    heapSize: 16G
    cpu: "6"
    memory: 48Gi
  global-sovereign:monitoring: {}
`

// minimalClient is a client stack with the keys of its block the reference marks as required.
const minimalClient = `config:
  pulumi:disable-default-providers: ["aws", "kubernetes"]
  global-sovereign:stack:
    kind: client
    code: iad
    awsRegion: us-east-1
    environment: production
    client: ezra
  global-sovereign:client:
    quota:
      requestsCpu: "2"
      requestsMemory: 4Gi
      limitsCpu: "4"
      limitsMemory: 8Gi
      pods: 20
    limitRange:
      defaultRequestCpu: 100m
      defaultRequestMemory: 128Mi
      defaultLimitCpu: 500m
      defaultLimitMemory: 512Mi
`

func loadReference(t *testing.T) *configdoc.Reference {
	t.Helper()
	ref, err := configdoc.Load(".")
	if err != nil {
		t.Fatalf("config reference: %v", err)
	}
	return ref
}

// Every key the reference marks as required is refused when it is left out, with a problem on
// that key; every other key can be left out (the minimal stack leaves them out and is valid).
func TestReferenceRequiredKeys(t *testing.T) {
	parseValid(t, "Pulumi.iad.yaml", minimalRegion)
	parseValid(t, "Pulumi.iad-ezra.yaml", minimalClient)
	var required []string
	for _, b := range loadReference(t).Blocks {
		if b.Required && len(b.Fields) > 1 {
			required = append(required, b.Key)
		}
		for _, f := range b.Fields {
			if f.Required {
				required = append(required, f.Key)
			}
		}
	}
	if len(required) < 20 {
		t.Fatalf("only %d required keys in the reference: %v", len(required), required)
	}
	for _, k := range required {
		t.Run(k, func(t *testing.T) {
			// Keys of the blocks only global stacks have are left out of a global stack.
			base := minimalRegion
			block, _, _ := strings.Cut(strings.TrimPrefix(k, Project+":"), ".")
			if !strings.Contains(base, Project+":"+block+":") && strings.Contains(globalWithDNSAndCosts, Project+":"+block+":") {
				base = globalWithDNSAndCosts
			}
			if block == KeyClient {
				base = minimalClient
			}
			text := withoutKey(t, base, k)
			want := strings.ReplaceAll(k, "[]", "[0]")
			ps := problemsOf(t, text)
			for _, p := range ps {
				if p.Path == want || strings.HasPrefix(p.Path, want+".") || strings.HasPrefix(p.Path, want+"[") {
					return
				}
			}
			t.Errorf("without %s the stack has no problem on it; got:\n%v", k, ps.Error())
		})
	}
}

// withoutKey removes a key path of the reference (e.g. global-sovereign:vpn.customerGateways[].name:
// from the first element of each list) from a stack file.
func withoutKey(t *testing.T, text, keyPath string) string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	top, rest, _ := strings.Cut(keyPath, ".")
	if ns, name, ok := strings.Cut(top, ":"); ok && ns == Project {
		top = Project + ":" + name
	}
	segments := []string{"config", top}
	if rest != "" {
		segments = append(segments, strings.Split(strings.ReplaceAll(rest, "[]", ".[]"), ".")...)
	}
	n := doc.Content[0]
	for i, seg := range segments {
		if seg == "[]" {
			if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
				t.Fatalf("%s: no list element at %q in the minimal stack", keyPath, seg)
			}
			n = n.Content[0]
			continue
		}
		found := false
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == seg {
				if i == len(segments)-1 {
					n.Content = append(n.Content[:j], n.Content[j+2:]...)
					out, err := yaml.Marshal(&doc)
					if err != nil {
						t.Fatal(err)
					}
					return string(out)
				}
				n, found = n.Content[j+1], true
				break
			}
		}
		if !found {
			t.Fatalf("%s: the minimal stack has no %q; add the required key to it", keyPath, seg)
		}
	}
	t.Fatalf("%s: not found", keyPath)
	return ""
}

// Every default the reference takes from a constant or table is what the stack holds when the
// key is left out.
func TestReferenceDefaults(t *testing.T) {
	// A block of region stacks is read from a minimal region stack, one of global stacks from a
	// global stack with its blocks.
	region := parseValid(t, "Pulumi.iad.yaml", minimalRegion)
	global := parseValid(t, "Pulumi.global.yaml", globalWithDNSAndCosts)
	client := parseValid(t, "Pulumi.iad-ezra.yaml", minimalClient)
	checked := 0
	for _, b := range loadReference(t).Blocks {
		for _, f := range b.Fields {
			if !f.DefaultFromCode {
				continue
			}
			s := region
			if reflect.ValueOf(region).Elem().FieldByName(f.GoPath[0]).Kind() == reflect.Pointer &&
				reflect.ValueOf(region).Elem().FieldByName(f.GoPath[0]).IsNil() {
				s = global
			}
			if f.GoPath[0] == "Client" {
				s = client
			}
			v := reflect.ValueOf(s).Elem()
			for _, name := range f.GoPath {
				v = reflect.Indirect(v)
				if name == "[]" {
					v = v.Index(0)
				} else {
					v = v.FieldByName(name)
				}
			}
			v = reflect.Indirect(v)
			var values []string
			if v.Kind() == reflect.Slice {
				for i := range v.Len() {
					values = append(values, fmt.Sprint(v.Index(i).Interface()))
				}
			} else {
				values = append(values, fmt.Sprint(v.Interface()))
			}
			if got := configdoc.CodeList(values...); got != f.Default {
				t.Errorf("%s: the reference says the default is %s; a stack without it holds %s", f.Key, f.Default, got)
			}
			checked++
		}
	}
	if checked < 15 {
		t.Errorf("only %d defaults checked", checked)
	}
}
