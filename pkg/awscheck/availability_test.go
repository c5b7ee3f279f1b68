package awscheck_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fakeCatalog answers DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions as the
// RDS query API does, from a table of what each region offers; the region is the SigV4 scope's.
func fakeCatalog(t *testing.T, versions map[string][]string, classes map[string][]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		region := ""
		if i := strings.Index(r.Header.Get("Authorization"), "Credential="); i >= 0 {
			if parts := strings.Split(r.Header.Get("Authorization")[i:], "/"); len(parts) > 2 {
				region = parts[2]
			}
		}
		action := r.PostForm.Get("Action")
		switch action {
		case "DescribeDBEngineVersions":
			body := ""
			for _, v := range versions[region] {
				if v == r.PostForm.Get("EngineVersion") {
					body = fmt.Sprintf("<DBEngineVersion><Engine>aurora-postgresql</Engine><EngineVersion>%s</EngineVersion></DBEngineVersion>", v)
				}
			}
			fmt.Fprintf(w, "<%sResponse><%sResult><DBEngineVersions>%s</DBEngineVersions></%sResult></%sResponse>", action, action, body, action, action)
		case "DescribeOrderableDBInstanceOptions":
			body := ""
			for _, c := range classes[region] {
				if c == r.PostForm.Get("DBInstanceClass") {
					body = fmt.Sprintf("<OrderableDBInstanceOption><DBInstanceClass>%s</DBInstanceClass></OrderableDBInstanceOption>", c)
				}
			}
			fmt.Fprintf(w, "<%sResponse><%sResult><OrderableDBInstanceOptions>%s</OrderableDBInstanceOptions></%sResult></%sResponse>", action, action, body, action, action)
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>%s</Message></Error></ErrorResponse>", action)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAuroraAvailability(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	all := map[string][]string{}
	classes := map[string][]string{}
	for _, s := range fleet.Stacks {
		if s.Database != nil {
			all[s.Settings.AWSRegion] = append(all[s.Settings.AWSRegion], s.Database.EngineVersion)
			classes[s.Settings.AWSRegion] = append(classes[s.Settings.AWSRegion], s.Database.InstanceClass)
		}
	}
	env := func(url string) awscheck.Env {
		return awscheck.Env{Endpoint: url, Config: aws.Config{Region: "us-east-1", RetryMaxAttempts: 1,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
			})}}
	}
	// Everything offered: no findings.
	fs, err := awscheck.AuroraAvailability.Run(context.Background(), env(fakeCatalog(t, all, classes)), fleet, fleet.Names())
	if err != nil || len(fs) != 0 {
		t.Fatalf("findings %v, err %v", fs, err)
	}
	// af-south-1 lacks the version, us-west-1 the class.
	short := map[string][]string{}
	for k, v := range all {
		if k != "af-south-1" {
			short[k] = v
		}
	}
	shortClasses := map[string][]string{}
	for k, v := range classes {
		if k != "us-west-1" {
			shortClasses[k] = v
		}
	}
	fs, err = awscheck.AuroraAvailability.Run(context.Background(), env(fakeCatalog(t, short, shortClasses)), fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%v %s", f.Stacks, f.Message))
	}
	want := []string{
		"[jnb] Aurora PostgreSQL 16.6 is not offered in af-south-1",
		"[sfo] db.r6i.2xlarge is not orderable for Aurora PostgreSQL 16.6 in us-west-1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range fs {
		if f.Severity != awscheck.Problem || f.Fix == "" {
			t.Errorf("finding %+v", f)
		}
	}
}
