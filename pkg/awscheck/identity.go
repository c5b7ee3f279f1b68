package awscheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Identity compares the caller with the roles each selected cluster is configured for.
// pulumi-eks v3.9.1 always creates the cluster with bootstrapClusterCreatorAdminPermissions
// (nodejs/eks/cluster/cluster.ts; pulumi/pulumi-eks#2373: it cannot be turned off), so EKS gives
// whoever creates it an admin access entry of its own:
//   - the creator must be cluster.creatorRoleArn (the CI deploy role), or the deploy role has no
//     entry and every Kubernetes object, client and global stack fails with 401;
//   - a caller that is in adminRoleArns gets a second entry from the project, which EKS refuses
//     with ResourceInUseException on create: a problem for a cluster that does not exist yet,
//     nothing for one that does. `up` runs this check too (cmd/sovereign/updeployer.go).
var Identity = Check{Name: "cluster-identity", Run: identity}

func identity(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	out, err := sts.NewFromConfig(env.Region("us-east-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("sts:GetCallerIdentity: %w", err)
	}
	caller := ""
	if out.Arn != nil {
		caller = *out.Arn
	}
	type key struct {
		sev  Severity
		what string
	}
	groups := map[key][]string{}
	var order []key
	add := func(k key, stack string) {
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], stack)
	}
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Cluster == nil || s.Cluster.CreatorRoleArn == "" {
			continue // offline preflight asks for creatorRoleArn
		}
		c := s.Cluster
		switch {
		case SameRole(caller, c.CreatorRoleArn):
			add(key{Info, "creator"}, n)
		case containsRole(c.AdminRoleArns, caller):
			// Fine on a cluster that exists (it has the project's entry); a collision when it
			// creates one. EKS ListAccessEntries answers 404 for a cluster that does not exist.
			_, exists, err := listAccessEntries(ctx, env, s.Settings.AWSRegion, s.Settings.NamePrefix)
			if err != nil {
				return nil, fmt.Errorf("eks:ListAccessEntries on %s: %w", s.Settings.NamePrefix, err)
			}
			if !exists {
				add(key{Problem, "admin"}, n)
			}
		default:
			add(key{Problem, "other"}, n)
		}
	}
	var fs []Finding
	for _, k := range order {
		f := Finding{Severity: k.sev, Stacks: groups[k]}
		switch k.what {
		case "creator":
			f.Message = fmt.Sprintf("%s is creatorRoleArn: it creates these clusters and EKS makes it their admin on its own (no entry of the project's)", caller)
		case "admin":
			f.Message = fmt.Sprintf("%s is in adminRoleArns, not creatorRoleArn, and these clusters do not exist yet: creating them as it "+
				"fails (EKS gives the creator an entry, and the project's own entry for it collides: ResourceInUseException)", caller)
			f.Fix = "run the first `up` of a stack as creatorRoleArn (the CI deploy role)"
		default:
			f.Message = fmt.Sprintf("%s is neither creatorRoleArn nor in adminRoleArns: a cluster it creates makes it the implicit admin and "+
				"leaves the deploy role without access (401 for every Kubernetes object, client and global stack); on a cluster that exists "+
				"every Kubernetes call fails with 401", caller)
			f.Fix = "run as the deploy role (creatorRoleArn), or add this role to cluster.adminRoleArns for clusters that already exist"
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// SameRole says whether a caller ARN (an IAM role, or an STS assumed-role session of it) is the
// IAM role roleArn. An assumed-role ARN (arn:aws:sts::<account>:assumed-role/<name>/<session>)
// drops the role's path, so roles compare by partition, account and name.
func SameRole(caller, roleArn string) bool {
	cp, ca, cn, ok1 := roleOf(caller)
	rp, ra, rn, ok2 := roleOf(roleArn)
	return ok1 && ok2 && cp == rp && ca == ra && cn == rn
}

func containsRole(roles []string, caller string) bool {
	for _, r := range roles {
		if SameRole(caller, r) {
			return true
		}
	}
	return false
}

// roleOf is the partition, account and role name of a role or assumed-role ARN.
func roleOf(arn string) (partition, account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", "", "", false
	}
	resource := parts[5]
	switch {
	case parts[2] == "iam" && strings.HasPrefix(resource, "role/"):
		segs := strings.Split(resource, "/")
		return parts[1], parts[4], segs[len(segs)-1], true
	case parts[2] == "sts" && strings.HasPrefix(resource, "assumed-role/"):
		segs := strings.Split(resource, "/")
		if len(segs) < 3 {
			return "", "", "", false
		}
		return parts[1], parts[4], segs[1], true
	}
	return "", "", "", false
}
