package awscheck

import (
	"time"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// KubernetesSupport is an offline note (no AWS call): a warning for each selected stack whose
// cluster's Kubernetes version is past EKS standard support today, from the version table in
// pkg/config/kubernetes.go.
func KubernetesSupport(fleet *config.Fleet, names []string) []Finding {
	return kubernetesSupportOn(fleet, names, time.Now())
}

func kubernetesSupportOn(fleet *config.Fleet, names []string, now time.Time) []Finding {
	var out []Finding
	for _, n := range fleet.KubernetesSupportNotes(names, now) {
		out = append(out, Finding{
			Severity: Warning, Stacks: []string{n.Stack}, Check: "kubernetes-support",
			Message: n.Message(now),
			Fix:     n.File + ": global-sovereign:cluster.kubernetesVersion (one minor version per `up`: control plane, then node groups and add-ons)",
		})
	}
	return out
}
