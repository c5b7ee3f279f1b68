package bootstrap

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

var update = flag.Bool("update", false, "rewrite granted_types.txt and docs/security.md's preview-calls list from testdata/synth")

// graph is one committed synth graph: its stack and the custom resource types it declares.
type graph struct {
	stack string
	types []string
}

func readGraphs(t *testing.T) []graph {
	t.Helper()
	files, err := filepath.Glob("../../testdata/synth/*.json")
	if err != nil || len(files) < 7 {
		t.Fatalf("golden graphs: %v %v", files, err)
	}
	var out []graph
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Stack     string `json:"stack"`
			Resources []struct {
				Type   string `json:"type"`
				Custom bool   `json:"custom"`
			} `json:"resources"`
		}
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		set := map[string]bool{}
		for _, r := range g.Resources {
			if r.Custom {
				set[r.Type] = true
			}
		}
		gr := graph{stack: g.Stack}
		for typ := range set {
			gr.types = append(gr.types, typ)
		}
		sort.Strings(gr.types)
		out = append(out, gr)
	}
	return out
}

// kindOf is the stack kind of a committed stack, from its stack file.
func kindOf(t *testing.T, stack string) string {
	t.Helper()
	data, err := os.ReadFile("../../Pulumi." + stack + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"region", "environment", "client", "global"} {
		if strings.Contains(string(data), "kind: "+kind+"\n") {
			return kind
		}
	}
	if stack == "global" {
		return "global"
	}
	return "region" // the default kind of a stack file (pkg/config)
}

func allTypes(gs []graph) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.types...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Every resource type of every committed graph has its read calls in the table, and the roles
// are granted exactly the committed graphs' types. A type a branch adds fails here, by name,
// until its read calls are in pkg/bootstrap/readcalls.go and granted_types.txt is rewritten.
func TestGrantedTypes(t *testing.T) {
	gs := readGraphs(t)
	types := allTypes(gs)
	for _, g := range gs {
		for _, typ := range g.types {
			if _, ok := ReadCallsOf(typ); !ok {
				t.Errorf("testdata/synth/%s.json declares %s, which pkg/bootstrap/readcalls.go has no read calls for: "+
					"add the IAM actions of its Read (terraform-provider-aws internal/service/<service>) to readCalls", g.stack, typ)
			}
		}
	}
	if *update {
		var b strings.Builder
		b.WriteString("# Resource types the committed stacks declare (testdata/synth): the preview and drift roles read exactly these.\n")
		b.WriteString("# Written by: go test ./pkg/bootstrap -run TestGrantedTypes -update\n")
		for _, typ := range types {
			b.WriteString(typ + "\n")
		}
		if err := os.WriteFile("granted_types.txt", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	granted := GrantedTypes()
	for _, typ := range types {
		if !slices.Contains(granted, typ) {
			t.Errorf("a stack declares %s, which the preview and drift roles may not read: "+
				"go test ./pkg/bootstrap -run 'TestGrantedTypes|TestPreviewCallsInDocs' -update", typ)
		}
	}
	for _, typ := range granted {
		if !slices.Contains(types, typ) && !slices.Contains(ConfigDependentTypes, typ) {
			t.Errorf("granted_types.txt grants %s, which no stack declares: rewrite it with -update", typ)
		}
	}
}

// The types being added on other branches are known already, so their graphs only need -update.
func TestReadCallsKnowTheTypesBeingAdded(t *testing.T) {
	for _, typ := range []string{"aws:wafv2/webAcl:WebAcl", "aws:wafv2/webAclAssociation:WebAclAssociation",
		"aws:ec2/vpcEndpoint:VpcEndpoint", "aws:cloudwatch/logGroup:LogGroup", "aws:eks/accessEntry:AccessEntry"} {
		if calls, ok := ReadCallsOf(typ); !ok || len(calls) == 0 {
			t.Errorf("%s: %v %v", typ, calls, ok)
		}
		if _, ok := ServiceOf(typ); !ok {
			t.Errorf("the deploy role cannot manage %s", typ)
		}
	}
	if _, err := ReadCalls([]string{"aws:ec2/vpc:Vpc", "aws:shield/protection:Protection"}); err == nil ||
		!strings.Contains(err.Error(), "aws:shield/protection:Protection") {
		t.Errorf("an unknown type must be named: %v", err)
	}
}

// What each call may be: a read (Describe, Get, List, View) that never returns an object's
// content, a secret's value or a plaintext.
func isRead(action string) bool {
	_, op, _ := strings.Cut(action, ":")
	for _, p := range []string{"Describe", "Get", "List", "View"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

var neverInPreview = []string{"s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue", "kms:Decrypt",
	"ssm:GetParameter", "ssm:GetParameters", "lambda:GetFunction", "ec2:GetPasswordData"}

// For each stack kind, every call a preview of it makes is allowed by the preview policy, and
// the policy allows nothing else: no call outside the union of the kinds' calls, no wildcard, no
// write, no secret value; objects and plaintext only of the state bucket and its keys.
func TestPreviewPolicyIsExactlyThePreviewsCalls(t *testing.T) {
	gs := readGraphs(t)
	d, err := PreviewPolicy(state, GrantedTypes())
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{} // action -> resources
	for _, s := range d.Statement {
		if s.Effect != "Allow" || len(s.Condition) > 0 {
			t.Errorf("%s: %s with %v", s.Sid, s.Effect, s.Condition)
		}
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("%s: wildcard action %s", s.Sid, a)
			}
			allowed[a] = append(allowed[a], s.Resource...)
		}
	}
	union := map[string]bool{}
	kinds := map[string][]string{}
	for _, g := range gs {
		kind := kindOf(t, g.stack)
		calls, err := PreviewCalls(g.types)
		if err != nil {
			t.Fatalf("%s: %v", g.stack, err)
		}
		for _, c := range calls {
			if _, ok := allowed[c]; !ok {
				t.Errorf("a preview of %s (%s) calls %s, which the preview role may not", g.stack, kind, c)
			}
			union[c] = true
			if !slices.Contains(kinds[kind], c) {
				kinds[kind] = append(kinds[kind], c)
			}
		}
	}
	if len(kinds["region"]) == 0 || len(kinds["global"]) == 0 || len(kinds["environment"]) == 0 || len(kinds["client"]) == 0 {
		t.Errorf("stack kinds read: %v", kinds)
	}
	stateCalls := []string{"s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "kms:Decrypt", "kms:DescribeKey"}
	// The reads of the types the bootstrap's own instructions add (ConfigDependentTypes).
	pending, err := PreviewCalls(ConfigDependentTypes)
	if err != nil {
		t.Fatal(err)
	}
	stateCalls = append(stateCalls, pending...)
	for a, resources := range allowed {
		if !union[a] && !slices.Contains(stateCalls, a) {
			t.Errorf("the preview role may %s, which no preview calls", a)
		}
		if !isRead(a) && a != "kms:Decrypt" {
			t.Errorf("the preview role may %s, which is not a read", a)
		}
		if slices.Contains(neverInPreview, a) {
			for _, r := range resources {
				if r == "*" || !(strings.HasPrefix(r, state.BucketArn) || strings.HasPrefix(r, state.ReplicaArn) ||
					slices.Contains([]string{state.BucketKeyArn, state.SecretsKeyArn, state.ReplicaKeyArn}, r)) {
					t.Errorf("the preview role may %s on %s", a, r)
				}
			}
		}
	}
	if slices.Contains(allowed["secretsmanager:GetSecretValue"], "*") || allowed["secretsmanager:GetSecretValue"] != nil {
		t.Errorf("the preview role may read secret values")
	}
	// IAM: inline policies of a role total at most 10,240 characters (whitespace excluded).
	if n := len(d.JSON()); n > 10240 {
		t.Errorf("the preview policy is %d characters; IAM allows 10,240 per role", n)
	}
}

// The drift role may what the preview role may, plus the secret values of the stacks' own
// secrets (by tag) and their keys through Secrets Manager only.
func TestDriftPolicy(t *testing.T) {
	d, err := DriftPolicy(state, GrantedTypes(), "global-sovereign")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := PreviewPolicy(state, GrantedTypes())
	var secrets, keys *iampolicy.Statement
	for i, s := range d.Statement {
		switch s.Sid {
		case "StackSecretValues":
			secrets = &d.Statement[i]
		case "StackSecretKeys":
			keys = &d.Statement[i]
		}
	}
	if secrets == nil || keys == nil {
		t.Fatalf("drift policy: %s", d.JSON())
	}
	if !slices.Equal(secrets.Action, []string{"secretsmanager:GetSecretValue"}) ||
		secrets.Condition["StringEquals"]["aws:ResourceTag/project"] != "global-sovereign" {
		t.Errorf("secret values not scoped to the stacks' secrets: %+v", secrets)
	}
	if !slices.Equal(keys.Action, []string{"kms:Decrypt"}) || keys.Condition["StringLike"]["kms:ViaService"] != "secretsmanager.*.amazonaws.com" ||
		keys.Condition["StringEquals"]["aws:ResourceTag/project"] != "global-sovereign" {
		t.Errorf("secret keys not scoped: %+v", keys)
	}
	if len(d.Statement) != len(p.Statement)+2 {
		t.Errorf("drift = preview + 2 statements: %d vs %d", len(d.Statement), len(p.Statement))
	}
	if n := len(d.JSON()); n > 10240 {
		t.Errorf("the drift policy is %d characters; IAM allows 10,240 per role", n)
	}
}

// docs/security.md lists, per stack kind, the calls a preview makes (between the preview-calls markers).
// securityDoc is the page of the security model that lists the preview role's calls.
const securityDoc = "../../docs/security.md"

func TestPreviewCallsInDocs(t *testing.T) {
	gs := readGraphs(t)
	kinds := map[string]map[string]bool{}
	for _, g := range gs {
		kind := kindOf(t, g.stack)
		calls, err := PreviewCalls(g.types)
		if err != nil {
			t.Fatal(err)
		}
		if kinds[kind] == nil {
			kinds[kind] = map[string]bool{}
		}
		for _, c := range calls {
			kinds[kind][c] = true
		}
	}
	var b strings.Builder
	b.WriteString("| stack kind | read calls a preview makes |\n|---|---|\n")
	for _, kind := range []string{"region", "environment", "client", "global"} {
		var calls []string
		for c := range kinds[kind] {
			calls = append(calls, "`"+c+"`")
		}
		sort.Strings(calls)
		fmt.Fprintf(&b, "| %s | %s |\n", kind, strings.Join(calls, " "))
	}
	const begin, end = "<!-- preview-calls:begin -->\n", "<!-- preview-calls:end -->"
	readme, err := os.ReadFile(securityDoc)
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(readme), begin), strings.Index(string(readme), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q ... %q section", securityDoc, begin, end)
	}
	got := string(readme[i+len(begin) : j])
	if got == b.String() {
		return
	}
	if *update {
		out := string(readme[:i+len(begin)]) + b.String() + string(readme[j:])
		if err := os.WriteFile(securityDoc, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s's preview-calls list is out of date: go test ./pkg/bootstrap -run TestPreviewCallsInDocs -update", securityDoc)
}

// The access entries the bootstrap's instructions add to the clusters are readable before any
// stack declares them, so the first drift run after adding the roles does not fail on them.
func TestConfigDependentTypesAreGranted(t *testing.T) {
	for _, typ := range ConfigDependentTypes {
		if !slices.Contains(GrantedTypes(), typ) {
			t.Errorf("%s is not granted", typ)
		}
		if _, ok := ReadCallsOf(typ); !ok {
			t.Errorf("%s has no read calls", typ)
		}
	}
}
