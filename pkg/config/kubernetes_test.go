package config

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every version of the table has a cluster-autoscaler chart of its own minor and a pinned
// version of every add-on (kube-proxy's of the same minor), and rows are in release order.
func TestKubernetesVersionTable(t *testing.T) {
	dateRE := regexp.MustCompile(`^20[0-9]{2}-[01][0-9]-[0-3][0-9]$`)
	for i, v := range kubernetesVersions {
		if i > 0 && (v.EKSRelease <= kubernetesVersions[i-1].EKSRelease || v.Minor <= kubernetesVersions[i-1].Minor) {
			t.Errorf("%s: out of release order", v.Minor)
		}
		for _, d := range []string{v.EKSRelease, v.EndOfStandardSupport, v.EndOfExtendedSupport} {
			if !dateRE.MatchString(d) {
				t.Errorf("%s: date %q", v.Minor, d)
			}
		}
		if !(v.EKSRelease < v.EndOfStandardSupport && v.EndOfStandardSupport < v.EndOfExtendedSupport) {
			t.Errorf("%s: dates out of order %+v", v.Minor, v)
		}
		if newestAutoscalerChart(v.Minor) == "" {
			t.Errorf("%s: no cluster-autoscaler chart", v.Minor)
		}
		addons := addonVersionTable[v.Minor]
		for _, a := range addonNames {
			if !addonVersionRE.MatchString(addons[a]) {
				t.Errorf("%s: %s version %q", v.Minor, a, addons[a])
			}
		}
		if !strings.HasPrefix(addons[AddonKubeProxy], "v"+v.Minor+".") {
			t.Errorf("%s: kube-proxy %s is not of the cluster's minor version", v.Minor, addons[AddonKubeProxy])
		}
	}
	if len(addonVersionTable) != len(kubernetesVersions) {
		t.Errorf("add-on table has %d versions, the version table %d", len(addonVersionTable), len(kubernetesVersions))
	}
}

// The default version is in standard support on the day this project was last reviewed
// (2026-12-07): a new cluster does not bill at the extended rate from day one; 1.33 (standard
// support ended 2026-07-29) and 1.34 (2026-12-02) would.
func TestDefaultKubernetesVersionInStandardSupport(t *testing.T) {
	reviewed := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	v, ok := LookupKubernetesVersion(DefaultKubernetesVersion)
	if !ok || v.SupportOn(reviewed) != SupportStandard {
		t.Fatalf("default %s is not in standard support on %s: %+v", DefaultKubernetesVersion, reviewed.Format(time.DateOnly), v)
	}
	if DefaultKubernetesVersion != kubernetesVersions[len(kubernetesVersions)-1].Minor {
		t.Errorf("default %s is not the newest row", DefaultKubernetesVersion)
	}
	tests := []struct {
		minor, day string
		want       string
	}{
		{"1.33", "2026-07-28", SupportStandard},
		{"1.33", "2026-07-29", SupportExtended}, // billing starts at the beginning of the day
		{"1.34", "2026-12-07", SupportExtended},
		{"1.33", "2027-07-29", SupportEnded},
		{"1.35", "2026-12-07", SupportStandard},
	}
	for _, tt := range tests {
		v, _ := LookupKubernetesVersion(tt.minor)
		day, _ := time.Parse(time.DateOnly, tt.day)
		if got := v.SupportOn(day); got != tt.want {
			t.Errorf("%s on %s: %s, want %s", tt.minor, tt.day, got, tt.want)
		}
	}
}

// An unset version takes the default; add-on versions follow the version, and an override
// replaces one of them only.
func TestClusterVersionDefaultsAndAddons(t *testing.T) {
	s := parseValid(t, "Pulumi.iad.yaml", withCluster(strings.Replace(clusterData, "    kubernetesVersion: \"1.33\"\n", "", 1)))
	if s.Cluster.KubernetesVersion != DefaultKubernetesVersion || s.Cluster.AutoscalerChart().Minor() != DefaultKubernetesVersion {
		t.Errorf("default version %q, chart %+v", s.Cluster.KubernetesVersion, s.Cluster.AutoscalerChart())
	}
	if s.Cluster.ControlPlaneLogRetentionDays != DefaultControlPlaneLogRetentionDays {
		t.Errorf("log retention %d", s.Cluster.ControlPlaneLogRetentionDays)
	}
	for minor := range addonVersionTable {
		data := strings.Replace(clusterData, `"1.33"`, `"`+minor+`"`, 1)
		data = strings.Replace(data, "    nodeGroups:", "    addonVersions: {coredns: v9.9.9-eksbuild.1}\n    nodeGroups:", 1)
		got := parseValid(t, "Pulumi.iad.yaml", withCluster(data)).Cluster.AddonVersions()
		for _, a := range addonNames {
			want := addonVersionTable[minor][a]
			if a == AddonCoreDNS {
				want = "v9.9.9-eksbuild.1"
			}
			if got[a] != want {
				t.Errorf("%s: %s = %q, want %q", minor, a, got[a], want)
			}
		}
	}
}

// Node group kinds decide gating and alarms; the alarm defaults leave spot and dedicated groups
// without a CPU alarm and a kind set in config keeps its value.
func TestNodeKindsAndAlarmDefaults(t *testing.T) {
	data := strings.Replace(clusterData, "    nodeGroups:", "    nodeCpuAlarmPercent: {general: 90}\n    nodeGroups:", 1)
	s := parseValid(t, "Pulumi.iad.yaml", withCluster(data))
	kinds := []string{}
	for _, g := range s.Cluster.NodeGroups {
		kinds = append(kinds, g.Kind())
	}
	if !slices.Equal(kinds, []string{NodeKindGeneral, NodeKindSpot}) {
		t.Errorf("kinds %v", kinds)
	}
	want := map[string]int{NodeKindGeneral: 90, NodeKindSpot: 0, NodeKindDedicated: 0, NodeKindCassandra: 85}
	for k, v := range want {
		if s.Cluster.NodeCPUAlarmPercent[k] != v {
			t.Errorf("alarm %s = %d, want %d", k, s.Cluster.NodeCPUAlarmPercent[k], v)
		}
	}
	if (NodeGroup{Taints: []Taint{{Key: "a", Effect: TaintPreferNoSchedule}}}).Kind() != NodeKindGeneral {
		t.Error("a PreferNoSchedule taint does not keep the platform off a group")
	}
}

// Preflight's note: a stack whose version is past standard support is named, with the versions
// to move to.
func TestKubernetesSupportNotes(t *testing.T) {
	dir := writeFleet(t, map[string]string{"Pulumi.iad.yaml": withCluster(clusterData)})
	f, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	notes := f.KubernetesSupportNotes([]string{"iad"}, day)
	if len(notes) != 1 || notes[0].Support != SupportExtended || notes[0].Version != "1.33" {
		t.Fatalf("notes %+v", notes)
	}
	if msg := notes[0].Message(day); !strings.Contains(msg, "extended-support rate") || !strings.Contains(msg, "one of 1.35") {
		t.Errorf("message %q", msg)
	}
	if notes := f.KubernetesSupportNotes([]string{"iad"}, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)); len(notes) != 0 {
		t.Errorf("1.33 in standard support on 2026-07-01, notes %+v", notes)
	}
}
