package awscheck_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fakeSNS answers ListTopics (two pages) and ListSubscriptionsByTopic as the SNS query API does,
// from topic ARN -> subscriptions (endpoint -> confirmed); the region is the SigV4 scope's.
func fakeSNS(t *testing.T, topics map[string]map[string]bool) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		region := ""
		if i := strings.Index(r.Header.Get("Authorization"), "Credential="); i >= 0 {
			if parts := strings.Split(r.Header.Get("Authorization")[i:], "/"); len(parts) > 3 {
				region = parts[2]
				if parts[3] != "sns" {
					t.Errorf("signed for %s", parts[3])
				}
			}
		}
		switch r.PostForm.Get("Action") {
		case "ListTopics":
			var inRegion []string
			for arn := range topics {
				if strings.Split(arn, ":")[3] == region {
					inRegion = append(inRegion, arn)
				}
			}
			slices.Sort(inRegion)
			// Page one holds one topic, page two the rest: the check must follow NextToken.
			page, next := inRegion, ""
			if r.PostForm.Get("NextToken") == "" && len(inRegion) > 1 {
				page, next = inRegion[:1], "page2"
			} else if r.PostForm.Get("NextToken") == "page2" {
				page = inRegion[1:]
			}
			var b strings.Builder
			for _, arn := range page {
				fmt.Fprintf(&b, "<member><TopicArn>%s</TopicArn></member>", arn)
			}
			fmt.Fprintf(w, `<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics>%s</Topics><NextToken>%s</NextToken></ListTopicsResult></ListTopicsResponse>`, b.String(), next)
		case "ListSubscriptionsByTopic":
			arn := r.PostForm.Get("TopicArn")
			var b strings.Builder
			for endpoint, confirmed := range topics[arn] {
				sub := "PendingConfirmation"
				if confirmed {
					sub = arn + ":0f1e2d3c"
				}
				fmt.Fprintf(&b, "<member><SubscriptionArn>%s</SubscriptionArn><Protocol>email</Protocol><Endpoint>%s</Endpoint><TopicArn>%s</TopicArn></member>", sub, endpoint, arn)
			}
			fmt.Fprintf(w, `<ListSubscriptionsByTopicResponse><ListSubscriptionsByTopicResult><Subscriptions>%s</Subscriptions></ListSubscriptionsByTopicResult></ListSubscriptionsByTopicResponse>`, b.String())
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>no</Message></Error></ErrorResponse>")
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSubscriptions(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	const oncall = "platform-oncall@global-sovereign.example"
	topics := map[string]map[string]bool{
		"arn:aws:sns:eu-west-1:111122223333:gs-ams-alerts-a01979c":           {oncall: true},
		"arn:aws:sns:eu-west-1:111122223333:gs-ams-cache-events-5b2e0d1":     {oncall: false},
		"arn:aws:sns:us-east-1:111122223333:gs-iad-alerts-14a92bd":           {oncall: false, "db@example.com": false},
		"arn:aws:sns:us-east-1:111122223333:gs-iad-staging-alerts-54f0997":   {oncall: true},
		"arn:aws:sns:us-east-1:111122223333:someone-elses-alerts-1234567":    {"x@example.com": false},
		"arn:aws:sns:ap-southeast-2:111122223333:gs-syd-cache-events-77aa01": {oncall: true},
	}
	fs := awscheck.Run(context.Background(), fakeEnv(fakeSNS(t, topics)), fleet, []string{"ams", "iad", "iad-staging", "syd"},
		[]awscheck.Check{awscheck.Subscriptions})
	var got []string
	for _, f := range fs {
		if f.Severity != awscheck.Warning || !strings.Contains(f.Fix, "alerts.emails") {
			t.Errorf("finding %+v", f)
		}
		got = append(got, fmt.Sprintf("%v %s", f.Stacks, f.Message))
	}
	want := []string{
		"[ams] topic gs-ams-cache-events-5b2e0d1: " + oncall + " not confirmed: nothing it publishes reaches them",
		"[iad] topic gs-iad-alerts-14a92bd: db@example.com, " + oncall + " not confirmed: nothing it publishes reaches them",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
