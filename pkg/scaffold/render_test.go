package scaffold

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const repo = "../.."

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./pkg/scaffold -update writes it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs (go test ./pkg/scaffold -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func zones(t *testing.T, region string) regions.Zones {
	z, ok := regions.ZonesOf(region)
	if !ok {
		t.Fatalf("no zones for %s", region)
	}
	return z
}

func TestRenderGolden(t *testing.T) {
	files := map[string][]byte{
		// An ordinary region, one whose AZ letters skip c, an opt-in region, and a region
		// without a copy region.
		"Pulumi.fra.yaml": RenderRegion(RegionSpec{Code: "fra", AWSRegion: "eu-central-1", VPCCIDR: "10.7.0.0/16", Zones: zones(t, "eu-central-1"),
			TunnelBlock: "169.254.8.192/27"}),
		"Pulumi.yul.yaml": RenderRegion(RegionSpec{Code: "yul", AWSRegion: "ca-central-1", VPCCIDR: "10.8.0.0/16", Zones: zones(t, "ca-central-1")}),
		"Pulumi.dxb.yaml": RenderRegion(RegionSpec{Code: "dxb", AWSRegion: "me-central-1", VPCCIDR: "10.9.0.0/16", Zones: zones(t, "me-central-1")}),
		"Pulumi.gru.yaml": RenderRegion(RegionSpec{Code: "gru", AWSRegion: "sa-east-1", VPCCIDR: "10.10.0.0/16",
			Zones: regions.Zones{AZs: []string{"sa-east-1a", "sa-east-1b", "sa-east-1c"}}}),
		"Pulumi.iad-staging.yaml": RenderEnvironment(EnvironmentSpec{Code: "iad", AWSRegion: "us-east-1", Environment: config.EnvStaging, Region: "iad"}),
		"Pulumi.iad-ezra.yaml":    RenderClient(ClientSpec{Client: "ezra", Code: "iad", AWSRegion: "us-east-1", Environment: config.EnvProduction, Home: "iad"}),
		"Pulumi.iad-staging-kim.yaml": RenderClient(ClientSpec{Client: "kim", Code: "iad", AWSRegion: "us-east-1", Environment: config.EnvStaging,
			Home: "iad-staging"}),
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			golden(t, name, data)
			// Every rendered file reads as a stack of its kind, alone.
			s, err := config.Parse(name, data)
			if err != nil {
				t.Fatal(err)
			}
			if stack, _ := config.StackNameFromFile(name); s.Name != stack {
				t.Errorf("stack %s from %s", s.Name, name)
			}
		})
	}
}

// The renderer writes the committed region files byte for byte (ams without its database block,
// which only the primary has, and every region without its Cassandra datacenter, which is a
// choice made per region: a new region joins the Cassandra cluster when a person adds the
// block, see README "Adding a datacenter"): new regions look like the ones a person wrote, and the tables of
// pkg/regions agree with the committed AZs and copy regions.
func TestRenderReproducesCommittedRegions(t *testing.T) {
	fleet, err := config.LoadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	primaryDB := regexp.MustCompile(`(?m)^  global-sovereign:database:\n(    .*\n)+`)
	datacenter := regexp.MustCompile(`(?m)^  global-sovereign:cassandra:\n(    .*\n)+`)
	n := 0
	for _, s := range fleet.Stacks {
		if !s.IsRegion() {
			continue
		}
		n++
		data, err := os.ReadFile(filepath.Join(repo, s.File))
		if err != nil {
			t.Fatal(err)
		}
		want := string(data)
		if s.IsPrimary() {
			want = primaryDB.ReplaceAllString(want, "")
		}
		want = datacenter.ReplaceAllString(want, "")
		got := string(RenderRegion(RegionSpec{Code: s.Settings.Code, AWSRegion: s.Settings.AWSRegion, VPCCIDR: s.Network.VPCCIDR,
			Zones: zones(t, s.Settings.AWSRegion), TunnelBlock: s.VPN.TunnelInsideBlock}))
		if got != want {
			t.Errorf("%s: rendered\n%s\ncommitted\n%s", s.File, got, want)
		}
	}
	if n < 6 {
		t.Errorf("%d region stacks in the committed fleet", n)
	}
}
