// Package pricelist refreshes pkg/cost's pinned price table from the AWS Price List API
// (GetProducts, served in us-east-1). It is the only part of the cost estimate that needs the
// AWS SDK and credentials; tests point it at an httptest server through a base endpoint.
package pricelist

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/pricing/types"

	"github.com/global-sovereign/global-sovereign/pkg/cost"
)

// Source names the API in refreshed prices.
const Source = "AWS Price List API (pricing:GetProducts)"

// API is the part of the pricing client the refresh calls.
type API interface {
	GetProducts(ctx context.Context, in *pricing.GetProductsInput, optFns ...func(*pricing.Options)) (*pricing.GetProductsOutput, error)
}

// NewClient returns a Price List client; endpoint, when set, replaces the service's endpoint.
func NewClient(cfg aws.Config, endpoint string) *pricing.Client {
	cfg = cfg.Copy()
	cfg.Region = "us-east-1" // the Price List API's endpoint region
	return pricing.NewFromConfig(cfg, func(o *pricing.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// query is how one SKU of the table is found: a service and attribute filters, plus
// the region's regionCode.
type query struct {
	service string
	match   map[string]string // TERM_MATCH filters
	usage   string            // CONTAINS filter on usagetype ("" for none)
}

// queryFor maps a table SKU to its Price List query, or false when the refresh does not know
// it (those prices stay as pinned, and the refresh says so).
func queryFor(sku string) (query, bool) {
	kind, rest, _ := strings.Cut(sku, ":")
	switch kind {
	case "ec2":
		return query{service: "AmazonEC2", match: map[string]string{
			"instanceType": rest, "operatingSystem": "Linux", "tenancy": "Shared",
			"preInstalledSw": "NA", "capacitystatus": "Used", "licenseModel": "No License required",
		}}, true
	case "ebs":
		return query{service: "AmazonEC2", match: map[string]string{"productFamily": "Storage", "volumeApiName": rest}}, true
	case "elasticache":
		return query{service: "AmazonElastiCache", match: map[string]string{"instanceType": rest, "cacheEngine": "Redis"}}, true
	case "eks":
		return query{service: "AmazonEKS", match: map[string]string{}, usage: "AmazonEKS-Hours:perCluster"}, true
	case "nat":
		u := map[string]string{"hour": "NatGateway-Hours", "data": "NatGateway-Bytes"}[rest]
		return query{service: "AmazonEC2", match: map[string]string{"productFamily": "NAT Gateway"}, usage: u}, u != ""
	case "alb":
		u := map[string]string{"hour": "LoadBalancerUsage", "lcu": "LCUUsage"}[rest]
		return query{service: "AWSELB", match: map[string]string{"productFamily": "Load Balancer-Application"}, usage: u}, u != ""
	case "rds":
		engine, class, ok := strings.Cut(rest, ":")
		if !ok || engine != "aurora-postgresql" {
			return query{}, false
		}
		return query{service: "AmazonRDS", match: map[string]string{
			"instanceType": class, "databaseEngine": "Aurora PostgreSQL", "deploymentOption": "Single-AZ",
		}}, true
	}
	return query{}, false
}

// Result says what a refresh did.
type Result struct {
	Updated int
	// Kept are SKU@region pairs left as pinned, with why.
	Kept []string
}

// Refresh asks the Price List API for every price of the table it knows how to query and
// replaces it (status fetched, read on date). A price the API does not answer unambiguously
// is kept as pinned and listed.
func Refresh(ctx context.Context, api API, table *cost.PriceTable, date string) (Result, error) {
	var res Result
	prices := append([]cost.Price(nil), table.Prices...)
	for _, p := range prices {
		q, ok := queryFor(p.SKU)
		if !ok {
			res.Kept = append(res.Kept, fmt.Sprintf("%s@%s: no Price List query for this SKU (kept as pinned)", p.SKU, p.Region))
			continue
		}
		usd, unit, err := fetch(ctx, api, q, p.Region)
		if err != nil {
			return res, fmt.Errorf("%s in %s: %w", p.SKU, p.Region, err)
		}
		if unit == "" {
			res.Kept = append(res.Kept, fmt.Sprintf("%s@%s: the Price List API has no unique on-demand price (kept as pinned)", p.SKU, p.Region))
			continue
		}
		p.USD, p.Source, p.Read, p.Status, p.CheckedAgainst = usd, Source+" "+q.service, date, cost.StatusFetched, ""
		table.Set(p)
		res.Updated++
	}
	if res.Updated > 0 {
		table.Date = date
	}
	return res, nil
}

// fetch returns the one on-demand unit price matching the query in a region, or unit "" when
// there is none or more than one distinct price.
func fetch(ctx context.Context, api API, q query, region string) (float64, string, error) {
	filters := []types.Filter{{Type: types.FilterTypeTermMatch, Field: aws.String("regionCode"), Value: aws.String(region)}}
	for _, k := range sortedKeys(q.match) {
		filters = append(filters, types.Filter{Type: types.FilterTypeTermMatch, Field: aws.String(k), Value: aws.String(q.match[k])})
	}
	if q.usage != "" {
		filters = append(filters, types.Filter{Type: types.FilterTypeContains, Field: aws.String("usagetype"), Value: aws.String(q.usage)})
	}
	in := &pricing.GetProductsInput{ServiceCode: aws.String(q.service), Filters: filters, FormatVersion: aws.String("aws_v1"), MaxResults: aws.Int32(100)}
	found := map[string]float64{}
	var unit string
	for {
		out, err := api.GetProducts(ctx, in)
		if err != nil {
			return 0, "", err
		}
		for _, doc := range out.PriceList {
			usd, u, ok, err := onDemand(doc)
			if err != nil {
				return 0, "", err
			}
			if ok {
				found[strconv.FormatFloat(usd, 'f', -1, 64)] = usd
				unit = u
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(found) != 1 {
		return 0, "", nil
	}
	for _, v := range found {
		return v, unit, nil
	}
	return 0, "", nil
}

// product is the part of a Price List product document the refresh reads.
type product struct {
	Terms struct {
		OnDemand map[string]struct {
			PriceDimensions map[string]struct {
				Unit         string            `json:"unit"`
				BeginRange   string            `json:"beginRange"`
				PricePerUnit map[string]string `json:"pricePerUnit"`
			} `json:"priceDimensions"`
		} `json:"OnDemand"`
	} `json:"terms"`
}

// onDemand reads the first tier's on-demand USD price of a product document.
func onDemand(doc string) (float64, string, bool, error) {
	var p product
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return 0, "", false, fmt.Errorf("price list product: %w", err)
	}
	for _, term := range p.Terms.OnDemand {
		for _, d := range term.PriceDimensions {
			if d.BeginRange != "" && d.BeginRange != "0" {
				continue
			}
			s, ok := d.PricePerUnit["USD"]
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, "", false, fmt.Errorf("price list product: USD %q: %w", s, err)
			}
			if v > 0 {
				return v, d.Unit, true, nil
			}
		}
	}
	return 0, "", false, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
