package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// offlineNotes are what preflight says from the config alone without refusing: warnings (a
// version in extended support, an estimate over budget) and facts (which path a deploy takes).
// Each entry is one check; add yours as one line.
var offlineNotes = []func(fleet *config.Fleet, names []string) []awscheck.Finding{
	budgetNote,                 // cost.go: an environment's estimate at 80% of its budget or over
	awscheck.KubernetesSupport, // a cluster version past EKS standard support
	awscheck.AWSCLI,            // the aws CLI the clusters' kubeconfigs run
	awscheck.CostAccount,       // the account's anomaly monitor and cost allocation tag: adopted, created or left to a person
}

// onlineChecks are what preflight --online asks AWS. Add yours as one line.
var onlineChecks = []awscheck.Check{
	awscheck.Identity,           // the caller against each cluster's creatorRoleArn and adminRoleArns
	awscheck.Offerings,          // every node group's instance types offered in each of its AZs
	awscheck.Access,             // the caller is an admin (creator, adminRoleArns) with an entry on each cluster that exists
	awscheck.AuroraAvailability, // the Aurora version and instance class exist in every region (pkg/awscheck/availability.go)
	awscheck.CacheAvailability,  // the ElastiCache node type is sold in every region (pkg/awscheck/cacheavailability.go)
	awscheck.EngineVersions,     // the running Aurora version is not newer than the config's (an AWS-forced minor upgrade)
	awscheck.Subscriptions,      // alert email subscriptions still PendingConfirmation (pkg/awscheck/subscriptions.go)
	awscheck.AMIRelease,         // the pinned AMI release published in every region that runs it (pkg/awscheck/amirelease.go)
	awscheck.Backup,             // AWS Backup opted in to Aurora per region; the copy vault's key usable (pkg/awscheck/backup.go)
	awscheck.AuroraWriter,       // each Aurora writer is the instance the roll changes last, or the failover that makes it so (pkg/awscheck/writer.go)
	awscheck.AddonVersions,      // every pinned EKS add-on build listed by EKS for its Kubernetes version in its region (pkg/awscheck/addons.go)
	awscheck.AddonConfiguration, // the pinned vpc-cni build's schema takes the env the program sets, POD_MTU included (pkg/awscheck/addonconfig.go)
}

func newPreflight(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	var online bool
	var endpoint string
	var github func(context.Context) []awscheck.Finding // --github (preflight_github.go)
	cmd := &cobra.Command{
		Use:   "preflight [--stack S | --all | --env E --region C] [--online]",
		Short: "List what a person must set before the first real deploy; exit 2 while anything remains",
		Long: "preflight lists values that validate, so that synth and reviews work offline, but that a real\n" +
			"deploy must not use: placeholder hosted zones and alert addresses, no allowedAccountIds, no\n" +
			"cluster admin roles, no deployer network path to the Kubernetes API. `sovereign up` refuses to\n" +
			"start while any remain for the stacks it would deploy.\n\n" +
			"With --online it also asks AWS, with the caller's credentials, what only the account can\n" +
			"answer (the caller's identity against the configured roles, instance types offered per AZ,\n" +
			"unconfirmed alert subscriptions, account-wide singletons).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fleet, names, err := loadSelected(g.dir, sel)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			var findings []awscheck.Finding
			for _, note := range offlineNotes {
				findings = append(findings, note(fleet, names)...)
			}
			findings = append(findings, github(contextOf(cmd))...)
			if online {
				env, err := awscheck.Load(contextOf(cmd), endpoint)
				if err != nil {
					return configError(err)
				}
				findings = append(findings, awscheck.Run(contextOf(cmd), env, fleet, names, onlineChecks)...)
			}
			for _, f := range findings {
				fmt.Fprintln(out, f)
			}
			ps := fleet.Preflight(names)
			if n := len(ps) + awscheck.Problems(findings); n > 0 {
				if len(ps) == 0 {
					return configError(fmt.Errorf("%d item(s) to fix before `sovereign up` (above)", n))
				}
				return configError(fmt.Errorf("%w\n%d item(s) to set before `sovereign up`", groupInherited(ps), n))
			}
			fmt.Fprintf(out, "ok: nothing left to set for %s\n", strings.Join(names, ", "))
			return nil
		},
	}
	sel.register(cmd)
	github = githubPreflight(cmd, &g.dir)
	cmd.Flags().BoolVar(&online, "online", false, "also ask AWS (with the caller's credentials) what only the account can answer")
	cmd.Flags().StringVar(&endpoint, "aws-endpoint", "", "send every AWS call to this endpoint (tests: a fake AWS API)")
	_ = cmd.Flags().MarkHidden("aws-endpoint")
	return cmd
}

// contextOf is the command's context, or the background one when cobra ran without one.
func contextOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}
