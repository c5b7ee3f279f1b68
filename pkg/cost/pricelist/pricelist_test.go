package pricelist

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/global-sovereign/global-sovereign/pkg/cost"
)

// fakePriceList answers GetProducts as the Price List API does (awsJson1_1, PriceList as JSON
// strings), from products keyed by "<service> <filters>".
type fakePriceList struct {
	t        *testing.T
	products map[string][]string // key: service|regionCode|instanceType or usagetype
	calls    int
}

func (f *fakePriceList) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls++
	if got := r.Header.Get("X-Amz-Target"); got != "AWSPriceListService.GetProducts" {
		f.t.Errorf("X-Amz-Target %q", got)
	}
	body, _ := io.ReadAll(r.Body)
	var in struct {
		ServiceCode string
		Filters     []struct{ Type, Field, Value string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		f.t.Fatalf("request body %s: %v", body, err)
	}
	key := []string{in.ServiceCode}
	for _, fl := range in.Filters {
		switch fl.Field {
		case "regionCode", "instanceType", "usagetype", "volumeApiName":
			key = append(key, fl.Value)
		}
		if fl.Field == "usagetype" && fl.Type != "CONTAINS" {
			f.t.Errorf("usagetype filter %s", fl.Type)
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"FormatVersion": "aws_v1", "PriceList": f.products[strings.Join(key, "|")]})
}

func productDoc(usd string) string {
	doc := map[string]any{
		"product": map[string]any{"attributes": map[string]any{}},
		"terms": map[string]any{"OnDemand": map[string]any{"T1": map[string]any{"priceDimensions": map[string]any{
			"D1": map[string]any{"unit": "Hrs", "beginRange": "0", "endRange": "Inf", "pricePerUnit": map[string]any{"USD": usd}},
		}}}},
	}
	data, _ := json.Marshal(doc)
	return string(data)
}

func TestRefresh(t *testing.T) {
	fake := &fakePriceList{t: t, products: map[string][]string{
		"AmazonEC2|eu-west-1|m5.large": {productDoc("0.1070000000")},
		// Two products with different prices: ambiguous, kept as pinned.
		"AmazonEC2|us-east-1|m5.large":                   {productDoc("0.0960000000"), productDoc("0.1920000000")},
		"AmazonEKS|eu-west-1|AmazonEKS-Hours:perCluster": {productDoc("0.1000000000")},
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", Source: "test"}, nil
	})}
	table, err := cost.ParsePrices([]byte(`{"date": "2026-01-01", "hoursPerMonth": 730, "prices": [
		{"sku": "ec2:m5.large", "region": "eu-west-1", "usd": 0.1, "unit": "instance-hour", "source": "page", "read": "2026-01-01", "status": "unconfirmed"},
		{"sku": "ec2:m5.large", "region": "us-east-1", "usd": 0.096, "unit": "instance-hour", "source": "page", "read": "2026-01-01", "status": "transcribed", "checkedAgainst": "x"},
		{"sku": "eks:cluster", "region": "eu-west-1", "usd": 0.2, "unit": "cluster-hour", "source": "page", "read": "2026-01-01", "status": "unconfirmed"},
		{"sku": "kms:key", "region": "eu-west-1", "usd": 1, "unit": "key-month", "source": "page", "read": "2026-01-01", "status": "unconfirmed"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Refresh(context.Background(), NewClient(cfg, srv.URL), table, "2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	if res.Updated != 2 || len(res.Kept) != 2 {
		t.Fatalf("%+v; want 2 updated (m5.large and EKS in eu-west-1), 2 kept (ambiguous, no query)", res)
	}
	p, _ := table.Lookup("ec2:m5.large", "eu-west-1")
	if p.USD != 0.107 || p.Status != cost.StatusFetched || p.Read != "2026-12-07" || !strings.HasPrefix(p.Source, Source) || p.Unit != "instance-hour" {
		t.Errorf("refreshed: %+v", p)
	}
	if p, _ := table.Lookup("eks:cluster", "eu-west-1"); p.USD != 0.1 {
		t.Errorf("eks: %+v", p)
	}
	if p, _ := table.Lookup("ec2:m5.large", "us-east-1"); p.Status != cost.StatusTranscribed || p.USD != 0.096 {
		t.Errorf("an ambiguous answer replaced the pinned price: %+v", p)
	}
	if table.Date != "2026-12-07" {
		t.Errorf("table date %s", table.Date)
	}
	if fake.calls != 3 {
		t.Errorf("%d calls; want one per refreshable price", fake.calls)
	}
}

// An API error stops the refresh and names the price; the caller keeps the file unchanged.
func TestRefreshError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type": "AccessDeniedException", "message": "no pricing:GetProducts"}`)
	}))
	defer srv.Close()
	cfg := aws.Config{Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
	})}
	table := cost.PinnedPrices()
	_, err := Refresh(context.Background(), NewClient(cfg, srv.URL), table, "2026-12-07")
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("err %v", err)
	}
}
