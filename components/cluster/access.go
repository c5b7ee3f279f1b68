package cluster

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Access association names, one per list a principal is in: the association carries the list,
// the entry only the principal.
const (
	AssociationAdmin   = "cluster-admin"
	AssociationViewer  = "admin-view"
	AssociationAuditor = "audit"
)

// Grant is one principal's access entry: its stable key and its policy associations
// (association name to policy ARN).
type Grant struct {
	Key          string
	PrincipalArn string
	Policies     map[string]string
	// Legacy are the keys pulumi-eks named this principal's entries by before (`admin-<i>`,
	// `viewer-<i>`, `auditor-<i>`, by list index), with the association under each.
	Legacy []LegacyKey
}

// LegacyKey is a pulumi-eks accessEntries key of a stack deployed before the entries were keyed
// by principal, and the association it carried.
type LegacyKey struct{ Key, Association string }

// Grants groups the three role lists by principal. Each entry is keyed by the role's account and
// name (`<account>-<name>`, the ARN without its path: what names a role), always, so a role of
// the same name in another account added or removed renames no entry, and
// removing or reordering a role deletes or creates exactly that role's entry: the principal ARN
// is immutable (terraform-provider-aws access_entry.go, ForceNew), and a key that moved to another
// principal became a create-before-delete replacement whose create EKS refuses with
// ResourceInUseException while the principal's old entry still exists. A role moved between
// lists keeps its entry and changes only its association (EKS allows several per entry).
func Grants(admins, viewers, auditors []string, admin, view, audit string) []Grant {
	byArn := map[string]*Grant{}
	var order []string
	add := func(list string, arns []string, association, policy string) {
		for i, arn := range arns {
			g, ok := byArn[arn]
			if !ok {
				g = &Grant{PrincipalArn: arn, Policies: map[string]string{}}
				byArn[arn] = g
				order = append(order, arn)
			}
			g.Policies[association] = policy
			g.Legacy = append(g.Legacy, LegacyKey{fmt.Sprintf("%s-%d", list, i), association})
		}
	}
	add("admin", admins, AssociationAdmin, admin)
	add("viewer", viewers, AssociationViewer, view)
	add("auditor", auditors, AssociationAuditor, audit)

	out := make([]Grant, 0, len(order))
	for _, arn := range order {
		g := *byArn[arn]
		g.Key = accountOf(arn) + "-" + roleName(arn)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Grant) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// roleName is the last path segment of an IAM ARN (role/path/name -> name).
func roleName(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

// accountOf is the account field of an ARN.
func accountOf(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// Types of the access resources.
const (
	tAccessEntry       = "aws:eks/accessEntry:AccessEntry"
	tPolicyAssociation = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
)

// LegacyURN is the URN pulumi-eks v3.9.1 gave an access entry (association == "") or its policy
// association when this component passed them as the Cluster's accessEntries
// (nodejs/eks/cluster/cluster.ts createCore calls createAccessEntries with the component as
// parent; authenticationMode.ts: entry `<component>-<key>`, association
// `<component>-<key>-<association>` with the entry as parent). componentURN is the
// eks:index:Cluster's URN, component its name.
func LegacyURN(componentURN, component, key, association string) string {
	prefix, qualified, _ := splitURN(componentURN)
	typ := qualified + "$" + tAccessEntry
	name := component + "-" + key
	if association != "" {
		typ += "$" + tPolicyAssociation
		name += "-" + association
	}
	return prefix + "::" + typ + "::" + name
}

// splitURN cuts urn:pulumi:<stack>::<project>::<qualified type>::<name> into
// "urn:pulumi:<stack>::<project>", the qualified type and the name.
func splitURN(urn string) (prefix, qualified, name string) {
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) != 4 {
		return urn, "", ""
	}
	return parts[0] + "::" + parts[1], parts[2], parts[3]
}

// accessEntries declares one access entry per principal and one policy association per list it
// is in, on the cluster pulumi-eks created. Each carries aliases to the URNs pulumi-eks gave the
// same principal's entry before (by list index), so a stack deployed before keeps its entries:
// they are renamed in the state, not replaced. The aliases hold for the lists as they were at
// that deployment: the first `up` with this code must not also edit the role lists.
func (b *builder) accessEntries(eksComponent pulumi.Resource, component string) error {
	grants := Grants(b.args.AdminRoleArns, b.args.ViewerRoleArns, b.args.AuditorRoleArns,
		ClusterAdminPolicy(b.args.Scope), ViewPolicy(b.args.Scope), AuditPolicy(b.args.Scope))
	for _, g := range grants {
		var aliases []pulumi.Alias
		for _, l := range g.Legacy {
			aliases = append(aliases, legacyAlias(eksComponent, component, l.Key, ""))
		}
		entry, err := awseks.NewAccessEntry(b.ctx, b.name+"-access-"+g.Key, &awseks.AccessEntryArgs{
			ClusterName:  b.clusterName,
			PrincipalArn: pulumi.String(g.PrincipalArn),
		}, b.parent, pulumi.Provider(b.args.AWSProvider), pulumi.Aliases(aliases))
		if err != nil {
			return err
		}
		for _, association := range slices.Sorted(maps.Keys(g.Policies)) {
			var aliases []pulumi.Alias
			for _, l := range g.Legacy {
				if l.Association == association {
					aliases = append(aliases, legacyAlias(eksComponent, component, l.Key, association))
				}
			}
			_, err := awseks.NewAccessPolicyAssociation(b.ctx, b.name+"-access-"+g.Key+"-"+association, &awseks.AccessPolicyAssociationArgs{
				ClusterName:  b.clusterName,
				PrincipalArn: entry.PrincipalArn,
				PolicyArn:    pulumi.String(g.Policies[association]),
				AccessScope:  awseks.AccessPolicyAssociationAccessScopeArgs{Type: pulumi.String("cluster")},
			}, b.parent, pulumi.Provider(b.args.AWSProvider), pulumi.DependsOn([]pulumi.Resource{entry}), pulumi.Aliases(aliases))
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func legacyAlias(eksComponent pulumi.Resource, component, key, association string) pulumi.Alias {
	urn := eksComponent.URN().ApplyT(func(u pulumi.URN) pulumi.URN {
		return pulumi.URN(LegacyURN(string(u), component, key, association))
	}).(pulumi.URNOutput)
	return pulumi.Alias{URN: urn}
}
