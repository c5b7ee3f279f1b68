package autoengine

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/global-sovereign/global-sovereign/pkg/orchestrate"
)

// The engine's resource pre-events become the diff: one line per changed resource, a
// replacement once (not its create-replacement and delete-replaced steps), unchanged resources
// and the stack itself left out, protection from the old or new state, stateful types marked.
func TestDrainRecordsSteps(t *testing.T) {
	pre := func(op apitype.OpType, typ, name string, protect bool, diffs ...string) events.EngineEvent {
		urn := "urn:pulumi:iad::global-sovereign::" + typ + "::" + name
		return events.EngineEvent{EngineEvent: apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{
			Metadata: apitype.StepEventMetadata{Op: op, URN: urn, Type: typ, Diffs: diffs,
				Old: &apitype.StepEventStateMetadata{Protect: protect}},
		}}}
	}
	in := []events.EngineEvent{
		pre(apitype.OpSame, "pulumi:pulumi:Stack", "global-sovereign-iad", false),
		pre(apitype.OpCreate, "aws:ec2/vpc:Vpc", "gs-iad-vpc", false),
		pre(apitype.OpSame, "aws:ec2/subnet:Subnet", "gs-iad-a", false),
		pre(apitype.OpUpdate, "aws:eks/cluster:Cluster", "gs-iad", false, "version"),
		pre(apitype.OpCreateReplacement, "aws:rds/cluster:Cluster", "gs-iad-db", true, "engineVersion"),
		pre(apitype.OpReplace, "aws:rds/cluster:Cluster", "gs-iad-db", true, "engineVersion"),
		pre(apitype.OpDeleteReplaced, "aws:rds/cluster:Cluster", "gs-iad-db", true),
		pre(apitype.OpDelete, "aws:sns/topic:Topic", "gs-iad-alerts", false),
	}
	ch := make(chan events.EngineEvent, len(in))
	for _, ev := range in {
		ch <- ev
	}
	close(ch)
	var steps []orchestrate.Step
	done := make(chan struct{})
	drain(ch, nil, make(chan struct{}), done, func(orchestrate.Drift) {}, func(s orchestrate.Step) { steps = append(steps, s) })
	<-done
	type line struct {
		op, typ, name     string
		protect, stateful bool
	}
	var got []line
	for _, s := range steps {
		got = append(got, line{s.Op, s.Type, s.Name, s.Protected, s.Stateful})
	}
	want := []line{
		{"create", "aws:ec2/vpc:Vpc", "gs-iad-vpc", false, false},
		{"update", "aws:eks/cluster:Cluster", "gs-iad", false, false},
		{"replace", "aws:rds/cluster:Cluster", "gs-iad-db", true, true},
		{"delete", "aws:sns/topic:Topic", "gs-iad-alerts", false, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("steps:\n got %+v\nwant %+v", got, want)
	}
	if !steps[2].Dangerous() || steps[3].Dangerous() {
		t.Errorf("dangerous: replace of a protected database %v, delete of a topic %v", steps[2].Dangerous(), steps[3].Dangerous())
	}
	if !reflect.DeepEqual(steps[1].Keys, []string{"version"}) {
		t.Errorf("keys of the update: %v", steps[1].Keys)
	}
}
