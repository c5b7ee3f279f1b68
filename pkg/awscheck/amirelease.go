package awscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// AMIRelease checks that the pinned cluster.amiReleaseVersion is published in every selected
// stack's region. AMI releases reach regions at different times (opt-in regions such as
// af-south-1 last), and UpdateNodegroupVersion refuses a release not published in the group's
// region, failing that region's `up` in the middle of a rollout. EKS publishes each release of
// the AL2023 x86_64 standard AMI (the node groups' AL2023_x86_64_STANDARD) as public SSM
// parameters under
// /aws/service/eks/optimized-ami/<minor>/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-<minor>-v<YYYYMMDD>/
// (beside recommended/): ssm:GetParameter of its image_id answers ParameterNotFound in a region
// that does not have the release.
var AMIRelease = Check{Name: "ami-release", Run: amiRelease}

// AMIReleaseParameter is the public SSM parameter holding the AMI id of an AL2023 x86_64
// standard release (release as in cluster.amiReleaseVersion, <minor>.<patch>-<YYYYMMDD>).
func AMIReleaseParameter(release string) (string, bool) {
	version, date, ok := strings.Cut(release, "-")
	parts := strings.Split(version, ".")
	if !ok || len(parts) != 3 || len(date) != 8 {
		return "", false
	}
	minor := parts[0] + "." + parts[1]
	return fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-%s-v%s/image_id",
		minor, minor, date), true
}

func amiRelease(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	groups := byRegion(fleet, names, func(s *config.Stack) (string, bool) {
		if s.Cluster == nil || s.Cluster.AMIReleaseVersion == "" {
			return "", false
		}
		return s.Cluster.AMIReleaseVersion, true
	})
	var out []Finding
	for _, w := range groups {
		param, ok := AMIReleaseParameter(w.value)
		if !ok {
			continue // validation refuses the form
		}
		var resp struct {
			Parameter struct{ Value string } `json:"Parameter"`
		}
		err := JSON(ctx, env, w.region, "ssm", "AmazonSSM.GetParameter", map[string]string{"Name": param}, &resp)
		var apiErr *APIError
		switch {
		case errors.As(err, &apiErr) && apiErr.Code == "ParameterNotFound":
			out = append(out, Finding{Severity: Problem, Stacks: w.stacks,
				Message: fmt.Sprintf("AMI release %s is not published in %s (%s not found): node groups there cannot move to it", w.value, w.region, param),
				Fix: fmt.Sprintf("set cluster.amiReleaseVersion to a release every region has: read `aws ssm get-parameter --region %s --name "+
					"/aws/service/eks/optimized-ami/%s/amazon-linux-2023/x86_64/standard/recommended/release_version` in the slowest region, or wait", w.region,
					strings.Join(strings.Split(w.value, ".")[:2], "."))})
		case err != nil:
			return nil, fmt.Errorf("ssm:GetParameter %s in %s: %w", param, w.region, err)
		}
	}
	return out, nil
}
