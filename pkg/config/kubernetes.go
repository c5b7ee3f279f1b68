package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// KubernetesVersion is one Kubernetes minor version as EKS supports it: the day EKS released it
// and the days its standard and extended support end (UTC; billing at the extended-support rate
// starts at the beginning of the end-of-standard-support day).
type KubernetesVersion struct {
	Minor                string // e.g. 1.35
	EKSRelease           string // YYYY-MM-DD
	EndOfStandardSupport string // YYYY-MM-DD
	EndOfExtendedSupport string // YYYY-MM-DD
}

// kubernetesVersions are the versions this project deploys, oldest first. Dates for 1.33 and 1.34
// are the EKS user guide's release calendar (awsdocs/amazon-eks-user-guide,
// latest/ug/versioning/kubernetes-versions.adoc, "Amazon EKS Kubernetes release calendar"). The
// 1.35 row is from endoflife.date/amazon-eks (EKS release 2026-01-27, end of standard support
// 2027-03-27, end of extended 2028-03-27): the stored copies of the user guide stop at 1.34, so
// the 1.35 dates are not confirmed from AWS's own page; check `aws eks describe-cluster-versions`
// before relying on them. Adding a version is one row here, one in addonVersionTable and a
// cluster-autoscaler chart in charts.go.
var kubernetesVersions = []KubernetesVersion{
	{"1.33", "2025-05-29", "2026-07-29", "2027-07-29"},
	{"1.34", "2025-10-02", "2026-12-02", "2027-12-02"},
	{"1.35", "2026-01-27", "2027-03-27", "2028-03-27"},
}

// DefaultKubernetesVersion is the version a cluster gets when kubernetesVersion is unset: the
// newest row of kubernetesVersions, in standard support until 2027-03-27.
const DefaultKubernetesVersion = "1.35"

// EKS add-ons the platform installs; their versions are pinned per Kubernetes minor version so an
// `up` never moves one unplanned (pulumi-eks v3.9.1 otherwise resolves vpc-cni, kube-proxy and
// coredns to the most recent build on every run: nodejs/eks/cluster/cluster.ts and
// addons/cni-addon.ts call aws.eks.getAddonVersion with mostRecent: true).
const (
	AddonVPCCNI           = "vpc-cni"
	AddonKubeProxy        = "kube-proxy"
	AddonCoreDNS          = "coredns"
	AddonPodIdentityAgent = "eks-pod-identity-agent"
	AddonEBSCSIDriver     = "aws-ebs-csi-driver"
)

// addonNames are the add-ons whose versions cluster.addonVersions may override.
var addonNames = []string{AddonVPCCNI, AddonKubeProxy, AddonCoreDNS, AddonPodIdentityAgent, AddonEBSCSIDriver}

// addonVersionTable pins each add-on's version per Kubernetes minor version. Each pin has its
// source in addonversions_test.go (confirmedAddonVersions), which fails on a pin without one:
//   - kube-proxy and coredns follow the Kubernetes minor version (the EKS user guide's
//     managing-kube-proxy and managing-coredns tables).
//   - vpc-cni, eks-pod-identity-agent and aws-ebs-csi-driver are one build across 1.33-1.35, so
//     a control-plane upgrade does not move them. vpc-cni v1.20.1-eksbuild.3, pinned before, is
//     the user guide's build for 1.27-1.33 only: an EKS upgrade insight for 1.35 lists
//     v1.22.3/v1.22.4 as its compatible builds.
//
// EKS refuses an add-on version that is not compatible with the cluster's version
// (InvalidParameterException "Addon version specified is not supported") at create or update,
// before anything changes. `sovereign preflight --online` confirms each pinned build with EKS
// (DescribeAddonVersions) in every selected stack's region (docs/eks-versions.md).
var addonVersionTable = map[string]map[string]string{
	"1.33": {
		AddonVPCCNI: "v1.22.4-eksbuild.3", AddonKubeProxy: "v1.33.10-eksbuild.2", AddonCoreDNS: "v1.12.4-eksbuild.18",
		AddonPodIdentityAgent: "v1.3.10-eksbuild.3", AddonEBSCSIDriver: "v1.60.1-eksbuild.1",
	},
	"1.34": {
		AddonVPCCNI: "v1.22.4-eksbuild.3", AddonKubeProxy: "v1.34.6-eksbuild.2", AddonCoreDNS: "v1.13.2-eksbuild.11",
		AddonPodIdentityAgent: "v1.3.10-eksbuild.3", AddonEBSCSIDriver: "v1.60.1-eksbuild.1",
	},
	"1.35": {
		AddonVPCCNI: "v1.22.4-eksbuild.3", AddonKubeProxy: "v1.35.3-eksbuild.2", AddonCoreDNS: "v1.14.3-eksbuild.3",
		AddonPodIdentityAgent: "v1.3.10-eksbuild.3", AddonEBSCSIDriver: "v1.60.1-eksbuild.1",
	},
}

// LookupKubernetesVersion returns the table's row for a minor version.
func LookupKubernetesVersion(minor string) (KubernetesVersion, bool) {
	for _, v := range kubernetesVersions {
		if v.Minor == minor {
			return v, true
		}
	}
	return KubernetesVersion{}, false
}

// SupportedKubernetesVersions are the minor versions of the table, oldest first.
func SupportedKubernetesVersions() []string {
	out := make([]string, len(kubernetesVersions))
	for i, v := range kubernetesVersions {
		out[i] = v.Minor
	}
	return out
}

// Where a version is in EKS's lifecycle on a day (KubernetesVersion.SupportOn).
const (
	SupportStandard = "standard"
	SupportExtended = "extended"
	SupportEnded    = "ended"
)

// SupportOn is the version's support phase on day t (UTC).
func (v KubernetesVersion) SupportOn(t time.Time) string {
	day := t.UTC().Format(time.DateOnly)
	switch {
	case day < v.EndOfStandardSupport:
		return SupportStandard
	case day < v.EndOfExtendedSupport:
		return SupportExtended
	}
	return SupportEnded
}

// AddonVersions are the add-on versions of the cluster: the table's for its Kubernetes version,
// with cluster.addonVersions laid over them.
func (c *Cluster) AddonVersions() map[string]string {
	out := map[string]string{}
	for k, v := range addonVersionTable[c.KubernetesVersion] {
		out[k] = v
	}
	for k, v := range c.AddonVersionOverrides {
		out[k] = v
	}
	return out
}

// KubernetesSupportNote is what `sovereign preflight` says about each selected stack whose
// cluster runs a version outside standard support on day now: extended support bills every
// cluster hour at the extended rate (AWS EKS pricing), and after it ends EKS upgrades the control
// plane on its own.
type KubernetesSupportNote struct {
	Stack, File, Version string
	Support              string
	Until                string
}

// KubernetesSupportNotes lists the named stacks whose clusters are past standard support on now.
func (f *Fleet) KubernetesSupportNotes(names []string, now time.Time) []KubernetesSupportNote {
	var out []KubernetesSupportNote
	for _, n := range names {
		s := f.Stack(n)
		if s == nil || s.Cluster == nil {
			continue
		}
		v, ok := LookupKubernetesVersion(s.Cluster.KubernetesVersion)
		if !ok {
			continue // validation refused it
		}
		switch sup := v.SupportOn(now); sup {
		case SupportExtended:
			out = append(out, KubernetesSupportNote{n, s.File, v.Minor, sup, v.EndOfExtendedSupport})
		case SupportEnded:
			out = append(out, KubernetesSupportNote{n, s.File, v.Minor, sup, v.EndOfExtendedSupport})
		}
	}
	return out
}

// newerInStandard lists the table's versions in standard support on now, for messages.
func newerInStandard(now time.Time) string {
	var out []string
	for _, v := range kubernetesVersions {
		if v.SupportOn(now) == SupportStandard {
			out = append(out, v.Minor)
		}
	}
	if len(out) == 0 {
		return "none in the table: add the newest EKS version to pkg/config/kubernetes.go"
	}
	return strings.Join(out, ", ")
}

// Message says what the note means and what to do.
func (n KubernetesSupportNote) Message(now time.Time) string {
	if n.Support == SupportEnded {
		return fmt.Sprintf("Kubernetes %s left extended support on %s: EKS upgrades the control plane on its own and creates no new cluster of it; "+
			"set kubernetesVersion to one of %s", n.Version, n.Until, newerInStandard(now))
	}
	return fmt.Sprintf("Kubernetes %s is in EKS extended support (until %s): every cluster hour bills at the extended-support rate; "+
		"upgrade one minor version at a time to one of %s", n.Version, n.Until, newerInStandard(now))
}

func validateKubernetesVersion(is *issues, c *Cluster) {
	path := keyPath(KeyCluster, "kubernetesVersion")
	if _, ok := LookupKubernetesVersion(c.KubernetesVersion); !ok {
		is.add(path, "%q: want one of %s, quoted (the versions whose add-on versions pkg/config/kubernetes.go pins)",
			c.KubernetesVersion, strings.Join(SupportedKubernetesVersions(), ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(c.AddonVersionOverrides)) {
		p := keyPath(KeyCluster, "addonVersions", k)
		switch {
		case !slices.Contains(addonNames, k):
			is.add(p, "unknown add-on; want one of %s", strings.Join(addonNames, ", "))
		case !addonVersionRE.MatchString(c.AddonVersionOverrides[k]):
			is.add(p, "%q: want an EKS add-on version, v<major>.<minor>.<patch>-eksbuild.<n>", c.AddonVersionOverrides[k])
		}
	}
	if r := c.AMIReleaseVersion; r != "" {
		p := keyPath(KeyCluster, "amiReleaseVersion")
		m := amiReleaseRE.FindStringSubmatch(r)
		switch {
		case m == nil:
			is.add(p, "%q: want an EKS optimized AMI release, <kubernetes version>-<YYYYMMDD> (e.g. 1.35.0-20261120)", r)
		case m[1] != c.KubernetesVersion:
			is.add(p, "%q is a release for Kubernetes %s, but kubernetesVersion is %s; the node groups move to both at once, "+
				"so name a release of %s", r, m[1], c.KubernetesVersion, c.KubernetesVersion)
		}
	}
}

// Environment variables this program sets on the VPC CNI through the vpc-cni add-on's
// configurationValues (components/cluster), beside those pulumi-eks sets itself. EKS refuses
// configuration values its add-on build's schema does not have, so preflight --online checks
// every name the cluster's configuration carries against DescribeAddonConfiguration
// (pkg/awscheck/addonconfig.go).
const (
	CNIEnvPluginLogLevel = "AWS_VPC_K8S_PLUGIN_LOG_LEVEL" // every cluster
	CNIEnvPodMTU         = "POD_MTU"                      // clusters of a region with a Cassandra datacenter
)

// pulumiEKSCNIEnv are the env names pulumi-eks v3.9.1 writes into the vpc-cni configuration
// itself (nodejs/eks/cluster/addons/cni-addon.ts, as pkg/synth's model of it writes them).
var pulumiEKSCNIEnv = []string{"WARM_ENI_TARGET", "AWS_VPC_K8S_CNI_LOGLEVEL", "AWS_VPC_K8S_CNI_LOG_FILE",
	"AWS_VPC_K8S_CNI_VETHPREFIX", "AWS_VPC_ENI_MTU", "AWS_VPC_K8S_PLUGIN_LOG_FILE", "ENABLE_POD_ENI",
	"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "AWS_VPC_K8S_CNI_EXTERNALSNAT"}

// VPCCNIEnv is the names of every VPC CNI environment variable s's cluster configures, pulumi-eks's
// and the program's, sorted (pkg/program TestVPCCNIEnvIsWhatPreflightChecks holds it to the graph).
func (s *Stack) VPCCNIEnv() []string {
	if s.Cluster == nil {
		return nil
	}
	out := append(slices.Clone(pulumiEKSCNIEnv), CNIEnvPluginLogLevel)
	if s.IsRegion() && s.Cassandra != nil {
		out = append(out, CNIEnvPodMTU)
	}
	slices.Sort(out)
	return out
}
