package config

import (
	"fmt"
	"slices"
	"strings"
)

// AutoscalerChart is a release of the cluster-autoscaler Helm chart and the autoscaler version it
// runs. The autoscaler's maintainers support a release only with the Kubernetes minor version it
// was built for, so the chart follows the cluster's minor version.
type AutoscalerChart struct {
	Chart      string // chart version, e.g. 9.51.0
	AppVersion string // image tag without the v, e.g. 1.33.0
}

// Minor is the Kubernetes minor version the chart's autoscaler is built for, e.g. "1.33".
func (c AutoscalerChart) Minor() string {
	parts := strings.SplitN(c.AppVersion, ".", 3)
	return parts[0] + "." + parts[1]
}

// autoscalerCharts lists the cluster-autoscaler chart releases this project knows, in release
// order, read from cluster-autoscaler/charts/cluster-autoscaler/Chart.yaml in kubernetes/autoscaler
// (version and appVersion of each release). Add a row when a new release is adopted; the newest
// row of a minor version is that version's default.
var autoscalerCharts = []AutoscalerChart{
	{"9.46.6", "1.32.0"},
	{"9.47.0", "1.33.0"}, {"9.48.0", "1.33.0"}, {"9.49.0", "1.33.0"}, {"9.50.0", "1.33.0"}, {"9.50.1", "1.33.0"}, {"9.51.0", "1.33.0"},
	{"9.52.0", "1.34.1"}, {"9.52.1", "1.34.1"}, {"9.53.0", "1.34.2"},
	{"9.54.0", "1.35.0"}, {"9.54.1", "1.35.0"}, {"9.55.0", "1.35.0"}, {"9.55.1", "1.35.0"}, {"9.56.0", "1.35.0"},
	{"9.57.0", "1.35.0"}, {"9.58.0", "1.35.0"}, {"9.59.0", "1.35.0"},
}

// newestAutoscalerChart is the newest known chart for a Kubernetes minor version, or "".
func newestAutoscalerChart(minor string) string {
	newest := ""
	for _, c := range autoscalerCharts {
		if c.Minor() == minor {
			newest = c.Chart
		}
	}
	return newest
}

// LookupAutoscalerChart returns the known release with that chart version.
func LookupAutoscalerChart(version string) (AutoscalerChart, bool) {
	for _, c := range autoscalerCharts {
		if c.Chart == version {
			return c, true
		}
	}
	return AutoscalerChart{}, false
}

// knownAutoscalerCharts describes the table for messages: "9.51.0 (1.33), ...".
func knownAutoscalerCharts(minor string) string {
	var out []string
	for _, c := range autoscalerCharts {
		if minor == "" || c.Minor() == minor {
			out = append(out, fmt.Sprintf("%s (Kubernetes %s)", c.Chart, c.Minor()))
		}
	}
	return strings.Join(out, ", ")
}

// supportedAutoscalerMinors lists the minor versions the table has a chart for.
func supportedAutoscalerMinors() string {
	var out []string
	for _, c := range autoscalerCharts {
		if !slices.Contains(out, c.Minor()) {
			out = append(out, c.Minor())
		}
	}
	return strings.Join(out, ", ")
}
