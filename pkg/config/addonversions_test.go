package config

import "testing"

// Every pinned add-on version is one a source shows EKS offering for that Kubernetes minor
// version. A row here is the evidence; a pin without one (or that differs from it) fails, so a
// new minor version cannot be added by copying the previous row's builds. Sources:
//   - coredns, kube-proxy, vpc-cni: the EKS user guide's "latest version of the Amazon EKS add-on
//     type for each Kubernetes version" tables (managing-coredns, managing-kube-proxy,
//     managing-vpc-cni), as copied with their date (2026-08-20) into a public upgrade checklist;
//     the stored copies of awsdocs/amazon-eks-user-guide itself stop at 1.33 (vpc-cni
//     v1.20.1-eksbuild.3 for 1.27-1.33). An EKS upgrade insight for 1.35 (2026-07-29) listed
//     vpc-cni v1.22.3-eksbuild.1 and v1.22.4-eksbuild.3 as the compatible builds: v1.20.1 was not.
//   - kube-proxy -eksbuild.2 builds: the same upgrade insight lists v1.35.3-eksbuild.2 among 1.35's
//     compatible versions; v1.34.6-eksbuild.2 and v1.33.10-eksbuild.2 are pinned in public
//     configurations of 1.34 and 1.33 clusters (one noting "verified default 2026-05-06").
//   - eks-pod-identity-agent: no user-guide table; v1.3.10-eksbuild.3 is the build 1.33, 1.34,
//     1.35 and 1.36 clusters resolved to in public configurations and test records (2026).
//   - aws-ebs-csi-driver: no user-guide table; v1.60.1-eksbuild.1 was `describe-addon-versions`'
//     default for 1.33 on 2026-06-05 in one public configuration and is pinned on 1.35 clusters
//     in others. The previous pin, v1.47.0-eksbuild.1, appears only with 1.32 and 1.33.
var confirmedAddonVersions = map[string]map[string]string{
	"1.33": {AddonVPCCNI: "v1.22.4-eksbuild.3", AddonKubeProxy: "v1.33.10-eksbuild.2", AddonCoreDNS: "v1.12.4-eksbuild.18",
		AddonPodIdentityAgent: "v1.3.10-eksbuild.3", AddonEBSCSIDriver: "v1.60.1-eksbuild.1"},
	"1.34": {AddonVPCCNI: "v1.22.4-eksbuild.3", AddonKubeProxy: "v1.34.6-eksbuild.2", AddonCoreDNS: "v1.13.2-eksbuild.11",
		AddonPodIdentityAgent: "v1.3.10-eksbuild.3", AddonEBSCSIDriver: "v1.60.1-eksbuild.1"},
	"1.35": {AddonVPCCNI: "v1.22.4-eksbuild.3", AddonKubeProxy: "v1.35.3-eksbuild.2", AddonCoreDNS: "v1.14.3-eksbuild.3",
		AddonPodIdentityAgent: "v1.3.10-eksbuild.3", AddonEBSCSIDriver: "v1.60.1-eksbuild.1"},
}

func TestAddonVersionsConfirmed(t *testing.T) {
	for _, minor := range SupportedKubernetesVersions() {
		for _, addon := range addonNames {
			got, want := addonVersionTable[minor][addon], confirmedAddonVersions[minor][addon]
			if want == "" {
				t.Errorf("%s %s: pinned %q with no source for this Kubernetes version", minor, addon, got)
			} else if got != want {
				t.Errorf("%s %s: pinned %q, the source confirms %q", minor, addon, got, want)
			}
		}
	}
	// The CNI, the Pod Identity agent and the EBS CSI driver are one build across the supported
	// versions: a control-plane upgrade does not move them, so an upgrade changes one thing.
	for _, addon := range []string{AddonVPCCNI, AddonPodIdentityAgent, AddonEBSCSIDriver} {
		seen := map[string]bool{}
		for _, minor := range SupportedKubernetesVersions() {
			seen[addonVersionTable[minor][addon]] = true
		}
		if len(seen) != 1 {
			t.Errorf("%s: %d builds across the supported versions, want one", addon, len(seen))
		}
	}
}
