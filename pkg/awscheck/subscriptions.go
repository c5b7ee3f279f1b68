package awscheck

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Subscriptions lists the alert subscriptions still waiting for their address to confirm
// (sns:ListTopics, sns:ListSubscriptionsByTopic). An email subscription is created
// PendingConfirmation and delivers nothing until someone clicks the link AWS mailed; once the
// link has expired only a new subscription (an `up` after removing and re-adding the address)
// sends another. Every alarm, RDS, AWS Backup and ElastiCache event of the stack reaches nobody
// meanwhile.
//
// Topics are found by name: Pulumi names them <namePrefix>-alerts-<suffix> and
// <namePrefix>-cache-events-<suffix> (components/alerts); a stack not deployed yet has none.
var Subscriptions = Check{Name: "alert-subscriptions", Run: subscriptions}

func subscriptions(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	byRegion := map[string][]*config.Stack{}
	for _, n := range names {
		if s := fleet.Stack(n); s != nil && len(s.Alerts.Emails) > 0 {
			byRegion[s.Settings.AWSRegion] = append(byRegion[s.Settings.AWSRegion], s)
		}
	}
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	var out []Finding
	for _, region := range regions {
		topics, err := listTopics(ctx, env, region)
		if err != nil {
			return nil, err
		}
		for _, s := range byRegion[region] {
			for _, topic := range topics {
				name := topic[strings.LastIndex(topic, ":")+1:]
				if !isStackTopic(name, s.Settings.NamePrefix) {
					continue
				}
				pending, err := pendingEmails(ctx, env, region, topic)
				if err != nil {
					return nil, err
				}
				if len(pending) == 0 {
					continue
				}
				out = append(out, Finding{Severity: Warning, Stacks: []string{s.Name},
					Message: fmt.Sprintf("topic %s: %s not confirmed: nothing it publishes reaches them", name, strings.Join(pending, ", ")),
					Fix: "each address clicks the link in the \"AWS Notification - Subscription Confirmation\" mail; if the link has expired, " +
						"remove the address from alerts.emails, up, add it back, up"})
			}
		}
	}
	return out, nil
}

// isStackTopic says whether a topic name is the stack's alerts or cache events topic: the
// prefix, the topic's role, and Pulumi's random suffix (so gs-iad does not claim gs-iad-staging's).
func isStackTopic(name, prefix string) bool {
	for _, role := range []string{"-alerts-", "-cache-events-"} {
		if rest, ok := strings.CutPrefix(name, prefix+role); ok && rest != "" && !strings.Contains(rest, "-") {
			return true
		}
	}
	return false
}

func listTopics(ctx context.Context, env Env, region string) ([]string, error) {
	var out []string
	next := ""
	for {
		form := url.Values{"Action": {"ListTopics"}, "Version": {"2010-03-31"}}
		if next != "" {
			form.Set("NextToken", next)
		}
		var resp struct {
			Topics    []string `xml:"ListTopicsResult>Topics>member>TopicArn"`
			NextToken string   `xml:"ListTopicsResult>NextToken"`
		}
		if err := Query(ctx, env, region, "sns", form, &resp); err != nil {
			return nil, fmt.Errorf("sns:ListTopics in %s: %w", region, err)
		}
		out = append(out, resp.Topics...)
		if next = resp.NextToken; next == "" {
			slices.Sort(out)
			return out, nil
		}
	}
}

// pendingEmails are the endpoints of the topic's subscriptions still PendingConfirmation.
func pendingEmails(ctx context.Context, env Env, region, topic string) ([]string, error) {
	var out []string
	next := ""
	for {
		form := url.Values{"Action": {"ListSubscriptionsByTopic"}, "Version": {"2010-03-31"}, "TopicArn": {topic}}
		if next != "" {
			form.Set("NextToken", next)
		}
		var resp struct {
			Subs []struct {
				SubscriptionArn string `xml:"SubscriptionArn"`
				Endpoint        string `xml:"Endpoint"`
			} `xml:"ListSubscriptionsByTopicResult>Subscriptions>member"`
			NextToken string `xml:"ListSubscriptionsByTopicResult>NextToken"`
		}
		if err := Query(ctx, env, region, "sns", form, &resp); err != nil {
			return nil, fmt.Errorf("sns:ListSubscriptionsByTopic %s: %w", topic, err)
		}
		for _, s := range resp.Subs {
			if s.SubscriptionArn == "PendingConfirmation" {
				out = append(out, s.Endpoint)
			}
		}
		if next = resp.NextToken; next == "" {
			slices.Sort(out)
			return out, nil
		}
	}
}
