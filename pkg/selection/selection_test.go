package selection

import (
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

func stack(name string, kind config.Kind, code string, env config.Environment) *config.Stack {
	return &config.Stack{Name: name, File: config.StackFileName(name), Settings: config.Settings{Kind: kind, Code: code, Environment: env}}
}

// fake is a fleet of two regions, an environment of each, clients in production and staging, and
// a global stack.
func fake() *config.Fleet {
	return &config.Fleet{Stacks: []*config.Stack{
		stack("ams", config.KindRegion, "ams", config.EnvProduction),
		stack("ams-development", config.KindEnvironment, "ams", config.EnvDevelopment),
		stack("global", config.KindGlobal, "global", config.EnvProduction),
		stack("iad", config.KindRegion, "iad", config.EnvProduction),
		stack("iad-ezra", config.KindClient, "iad", config.EnvProduction),
		stack("iad-staging", config.KindEnvironment, "iad", config.EnvStaging),
		stack("iad-staging-kim", config.KindClient, "iad", config.EnvStaging),
	}}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name string
		sel  Selector
		want []string
	}{
		{"all", Selector{All: true}, []string{"ams", "ams-development", "global", "iad", "iad-ezra", "iad-staging", "iad-staging-kim"}},
		{"stacks sorted, repeats once", Selector{Stacks: []string{"iad", "ams", "iad"}}, []string{"ams", "iad"}},
		{"an environment", Selector{Envs: []string{"staging"}}, []string{"iad-staging", "iad-staging-kim"}},
		{"production holds global and the production clients", Selector{Envs: []string{"production"}}, []string{"ams", "global", "iad", "iad-ezra"}},
		{"a region code: its region, environments and clients", Selector{Codes: []string{"iad"}}, []string{"iad", "iad-ezra", "iad-staging", "iad-staging-kim"}},
		{"both: the stacks that match both", Selector{Envs: []string{"staging"}, Codes: []string{"iad"}}, []string{"iad-staging", "iad-staging-kim"}},
		{"several values of one flag: any", Selector{Envs: []string{"staging", "development"}}, []string{"ams-development", "iad-staging", "iad-staging-kim"}},
		{"--all with a filter is the filter", Selector{All: true, Codes: []string{"ams"}}, []string{"ams", "ams-development"}},
		{"the global stack's code", Selector{Codes: []string{"global"}}, []string{"global"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sel.Resolve(fake())
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Resolve = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestResolveRefuses(t *testing.T) {
	tests := []struct {
		name string
		sel  Selector
		want string
	}{
		{"nothing", Selector{}, "give --stack <name>, --env <environment>, --region <code> or --all; stacks: [ams ams-development global"},
		{"stack and all", Selector{Stacks: []string{"ams"}, All: true}, "give --stack or --all, not both"},
		{"stack and env", Selector{Stacks: []string{"ams"}, Envs: []string{"production"}}, "give --stack, or --env/--region, not both"},
		{"stack and region", Selector{Stacks: []string{"ams"}, Codes: []string{"ams"}}, "give --stack, or --env/--region, not both"},
		{"unknown stack", Selector{Stacks: []string{"iad-stagin"}}, `no stack "iad-stagin" (no Pulumi.iad-stagin.yaml) (did you mean "iad-staging"?); stacks: [ams`},
		{"unknown environment", Selector{Envs: []string{"stagin"}}, `--env "stagin": no stack has this environment (did you mean "staging"?); environments: development, production, staging`},
		{"environment without stacks", Selector{Envs: []string{"qa"}}, `--env "qa": no stack has this environment; environments: development, production, staging`},
		{"unknown region code", Selector{Codes: []string{"lhr"}}, `--region "lhr": no stack has this region code; region codes: ams, global, iad`},
		{"one of several unknown", Selector{Codes: []string{"iad", "iax"}}, `--region "iax": no stack has this region code (did you mean "iad"?)`},
		{"nothing matches both", Selector{Envs: []string{"development"}, Codes: []string{"iad"}}, "no stack has environment development and region code iad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sel.Resolve(fake())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve = %v, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEmptyAndFiltered(t *testing.T) {
	if !(Selector{}).Empty() || (Selector{All: true}).Empty() || (Selector{Envs: []string{"x"}}).Empty() || (Selector{Stacks: []string{"x"}}).Empty() || (Selector{Codes: []string{"x"}}).Empty() {
		t.Error("Empty")
	}
	if (Selector{All: true, Stacks: []string{"x"}}).Filtered() || !(Selector{Codes: []string{"x"}}).Filtered() || !(Selector{Envs: []string{"x"}}).Filtered() {
		t.Error("Filtered")
	}
}

func TestByKind(t *testing.T) {
	names := []string{"iad-staging-kim", "global", "iad-ezra", "iad-staging", "unknown", "iad", "ams-development", "ams"}
	ByKind(fake(), names)
	want := []string{"ams", "iad", "global", "ams-development", "iad-staging", "iad-ezra", "iad-staging-kim", "unknown"}
	if !slices.Equal(names, want) {
		t.Errorf("ByKind = %v, want %v", names, want)
	}
}
