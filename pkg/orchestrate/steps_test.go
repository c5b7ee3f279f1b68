package orchestrate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/stackgraph"
)

// A preview's steps reach the summary, and the diff lists each resource by operation, type
// and name, calls out the replacement of a protected database and the deletion of a stateful
// key, says which stacks change nothing or are not deployed, and the JSON carries the steps.
func TestPreviewDiff(t *testing.T) {
	g, err := stackgraph.New(map[string][]string{"ams": {}, "iad": {}, "sin": {}, "syd": {}})
	if err != nil {
		t.Fatal(err)
	}
	eng := newFake(map[string]time.Duration{})
	eng.absent["syd"] = true
	eng.changes["iad"] = Changes{Create: 1, Replace: 1, Delete: 1}
	eng.steps["iad"] = []Step{
		{Op: "create", Type: "aws:ec2/vpc:Vpc", Name: "gs-iad-vpc"},
		{Op: "replace", Type: "aws:rds/cluster:Cluster", Name: "gs-iad-db", Protected: true, Stateful: true, Keys: []string{"engineVersion"}},
		{Op: "delete", Type: "aws:kms/key:Key", Name: "gs-iad-key", Stateful: true},
	}
	eng.changes["sin"] = Changes{Update: 1}
	eng.steps["sin"] = []Step{{Op: "update", Type: "aws:eks/cluster:Cluster", Name: "gs-sin", Keys: []string{"version"}}}
	sum := Run(context.Background(), g, Preview, eng, Options{Parallel: 2})

	var out bytes.Buffer
	dangerous, err := WriteDiff(&out, sum)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"ams: no changes",
		"iad: 1 to create, 0 to update, 1 to replace, 1 to delete",
		"  +  create   aws:ec2/vpc:Vpc gs-iad-vpc\n",
		"  +- replace  aws:rds/cluster:Cluster gs-iad-db (engineVersion)  !! protected",
		"  -  delete   aws:kms/key:Key gs-iad-key  !! stateful: its data is lost",
		"  ~  update   aws:eks/cluster:Cluster gs-sin (version)\n",
		"syd: not deployed yet",
		"!! 2 replacement(s) or deletion(s) of protected or stateful resources:",
		"iad: delete aws:kms/key:Key gs-iad-key",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diff lacks %q:\n%s", want, text)
		}
	}
	if dangerous != 2 {
		t.Errorf("dangerous = %d, want 2", dangerous)
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, sum); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Stacks []struct {
			Stack string `json:"stack"`
			Steps []Step `json:"steps"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, s := range decoded.Stacks {
		if s.Stack == "iad" && (len(s.Steps) != 3 || !s.Steps[1].Protected || s.Steps[1].Op != "replace") {
			t.Errorf("JSON steps of iad: %+v", s.Steps)
		}
	}
}

// A preview of destroy is a look, not a change: it takes no lock and creates no stack, and a
// stack the backend lacks has nothing to destroy.
func TestPreviewDestroyOp(t *testing.T) {
	if PreviewDestroy.TakesLock() || PreviewDestroy.CreatesStacks() {
		t.Error("preview-destroy must neither lock nor create stacks")
	}
	g, _ := stackgraph.New(map[string][]string{"ams": {}, "iad": {"ams"}})
	eng := newFake(map[string]time.Duration{})
	eng.absent["iad"] = true
	sum := Run(context.Background(), g, PreviewDestroy, eng, Options{Parallel: 2})
	if !sum.OK() || sum.Stacks[0].Status != Succeeded {
		t.Errorf("summary: %+v", sum.Stacks)
	}
	for _, r := range sum.Stacks {
		if r.Stack == "iad" && (r.Status != New || !strings.Contains(r.Error, "nothing to destroy")) {
			t.Errorf("iad: %+v", r)
		}
	}
}

// describedFake says what its Prepare does.
type describedFake struct{ *fakeEngine }

func (describedFake) DescribePrepare(create bool) string {
	return fmt.Sprintf("installing provider plugins aws v6.83.4 (create %v)", create)
}

// Before the first stack starts, the display says what the run is doing (plugin installs take
// minutes on a fresh machine) instead of stacks waiting at 0/0.
func TestPreparingShown(t *testing.T) {
	g, _ := stackgraph.New(map[string][]string{"ams": {}})
	var buf bytes.Buffer
	Run(context.Background(), g, Up, describedFake{newFake(map[string]time.Duration{})}, Options{Observer: NewLines(&buf)})
	if !strings.Contains(buf.String(), "[prepare] installing provider plugins aws v6.83.4 (create true)\n[ams] started") {
		t.Errorf("lines:\n%s", buf.String())
	}

	var term bytes.Buffer
	live := NewLive(&term, []string{"ams"}, time.Hour, 200)
	live.Preparing("installing provider plugins aws v6.83.4")
	live.Draw()
	if !strings.Contains(term.String(), "preparing (0s): installing provider plugins aws v6.83.4") {
		t.Errorf("live:\n%q", term.String())
	}
	live.Preparing("")
	live.Close()
}
