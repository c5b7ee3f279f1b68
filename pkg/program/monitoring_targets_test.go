package program_test

import (
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/monitoring"
)

// kube-prometheus-stack in every cluster: no targets EKS does not expose (they would only ever be
// down), and a stack label that tells the clusters writing to one workspace apart.
func TestPrometheusScrapesOnlyWhatEKSExposes(t *testing.T) {
	checked := 0
	for name, r := range synthAll(t) {
		for _, rel := range r.Graph.ByType(tRelease) {
			if rel.Inputs["chart"] != monitoring.Chart {
				continue
			}
			checked++
			v := rel.Inputs["values"].(map[string]any)
			for _, k := range []string{"kubeControllerManager", "kubeScheduler", "kubeEtcd"} {
				if m, _ := v[k].(map[string]any); m["enabled"] != false {
					t.Errorf("%s: %s is scraped, but EKS exposes no such target", name, k)
				}
			}
			labels := v["prometheus"].(map[string]any)["prometheusSpec"].(map[string]any)["externalLabels"].(map[string]any)
			if labels["stack"] != name || labels["cluster"] == nil {
				t.Errorf("%s: external labels %v", name, labels)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no kube-prometheus-stack release")
	}
}

// The releases a fresh cluster takes longer than Helm's default 300 s to make ready wait longer.
func TestSlowReleasesWaitLongerThanHelmsDefault(t *testing.T) {
	slow := map[string]bool{cassandra.CertManagerChart: true, cassandra.OperatorChart: true, monitoring.Chart: true}
	checked := 0
	for name, r := range synthAll(t) {
		for _, rel := range r.Graph.ByType(tRelease) {
			chart, _ := rel.Inputs["chart"].(string)
			if !slow[chart] {
				continue
			}
			checked++
			if timeout, _ := rel.Inputs["timeout"].(float64); timeout <= 300 {
				t.Errorf("%s: release %s waits %vs, Helm's default is 300", name, chart, rel.Inputs["timeout"])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no release to check")
	}
}
