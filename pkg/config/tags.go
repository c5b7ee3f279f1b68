package config

import (
	"slices"
	"strings"
)

// The tags of global-sovereign:tags are Stack.Tags, a map of tag keys to values.

// reservedTags are the tags the program sets on every resource through the provider's default
// tags; a stack's own tags may not replace them.
var reservedTags = []string{"project", "stack", "region", "environment", "managed-by"}

func (s *Stack) validateTags(is *issues) {
	for k, v := range s.Tags {
		path := keyPath(KeyTags, k)
		switch {
		case k == "" || len(k) > 128:
			is.add(path, "tag keys are 1 to 128 characters")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			is.add(path, "the aws: prefix is reserved by AWS")
		case slices.Contains(reservedTags, k):
			is.add(path, "set by the program on every resource; reserved: %s", strings.Join(reservedTags, ", "))
		case k == "CSIVolumeName" || k == "CSIVolumeSnapshotName" || strings.HasPrefix(k, "ebs.csi.aws.com/") || strings.HasPrefix(k, "kubernetes.io/"):
			// The EBS CSI driver refuses a StorageClass tag it sets itself; every volume would fail.
			is.add(path, "reserved by the EBS CSI driver (CSIVolumeName, ebs.csi.aws.com/*, kubernetes.io/*), which tags volumes with these tags too")
		}
		if strings.Contains(k, "=") || strings.Contains(k+v, "{{") {
			// Volumes get the tags as tagSpecification_N: "key=value", a Go template to the driver.
			is.add(path, "%q: no '=' in a key and no '{{' anywhere: the EBS CSI driver reads tags as key=value templates", k)
		}
		if len(v) > 256 {
			is.add(path, "tag values are at most 256 characters")
		}
	}
}
