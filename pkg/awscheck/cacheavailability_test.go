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

// fakeCacheOfferings answers DescribeReservedCacheNodesOfferings as the ElastiCache query API
// does, from the node types each region sells (the SigV4 scope's region).
func fakeCacheOfferings(t *testing.T, offered map[string][]string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		region := ""
		if i := strings.Index(r.Header.Get("Authorization"), "Credential="); i >= 0 {
			if parts := strings.Split(r.Header.Get("Authorization")[i:], "/"); len(parts) > 2 {
				region = parts[2]
			}
		}
		if r.PostForm.Get("Action") != "DescribeReservedCacheNodesOfferings" || r.PostForm.Get("Version") != "2015-02-02" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, "<ErrorResponse><Error><Code>InvalidAction</Code><Message>no</Message></Error></ErrorResponse>")
			return
		}
		body := ""
		if nt := r.PostForm.Get("CacheNodeType"); slices.Contains(offered[region], nt) {
			for _, term := range []string{"31536000", "94608000"} {
				body += fmt.Sprintf("<ReservedCacheNodesOffering><ReservedCacheNodesOfferingId>o-%s</ReservedCacheNodesOfferingId><CacheNodeType>%s</CacheNodeType><Duration>%s</Duration><ProductDescription>redis</ProductDescription></ReservedCacheNodesOffering>", term, nt, term)
			}
		}
		fmt.Fprintf(w, `<DescribeReservedCacheNodesOfferingsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeReservedCacheNodesOfferingsResult><ReservedCacheNodesOfferings>%s</ReservedCacheNodesOfferings></DescribeReservedCacheNodesOfferingsResult></DescribeReservedCacheNodesOfferingsResponse>`, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCacheAvailability(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	all := map[string][]string{}
	for _, s := range fleet.Stacks {
		if s.Cache != nil {
			all[s.Settings.AWSRegion] = append(all[s.Settings.AWSRegion], s.Cache.NodeType)
		}
	}
	fs, err := awscheck.CacheAvailability.Run(context.Background(), fakeEnv(fakeCacheOfferings(t, all)), fleet, fleet.Names())
	if err != nil || len(fs) != 0 {
		t.Fatalf("findings %v, err %v", fs, err)
	}
	// af-south-1 sells no cache.r7g.large; us-east-1 no cache.t4g.medium (the environments').
	short := map[string][]string{}
	for region, types := range all {
		for _, nt := range types {
			if region == "af-south-1" && nt == "cache.r7g.large" || region == "us-east-1" && nt == "cache.t4g.medium" {
				continue
			}
			short[region] = append(short[region], nt)
		}
	}
	fs, err = awscheck.CacheAvailability.Run(context.Background(), fakeEnv(fakeCacheOfferings(t, short)), fleet, fleet.Names())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.Severity != awscheck.Problem || !strings.Contains(f.Fix, "cache.nodeType") {
			t.Errorf("finding %+v", f)
		}
		got = append(got, fmt.Sprintf("%v %s", f.Stacks, f.Message))
	}
	want := []string{
		"[jnb] ElastiCache node type cache.r7g.large is not offered in af-south-1 (no reserved-node offering lists it)",
		"[iad-development iad-staging] ElastiCache node type cache.t4g.medium is not offered in us-east-1 (no reserved-node offering lists it)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
