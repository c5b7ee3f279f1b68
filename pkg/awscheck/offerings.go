package awscheck

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Offerings checks, for every selected stack with a cluster, that each node group's instance
// types are offered in each AZ the group runs in (EC2 DescribeInstanceTypeOfferings, location
// type availability-zone). A type missing from an AZ cannot launch there: a single-type group
// (general, Cassandra) is then short of capacity in that AZ from the first `up`; newer families
// are often missing from an AZ of us-west-1 or af-south-1. The call is the EC2 Query API signed
// with SigV4 (a small request instead of the large service/ec2 module).
var Offerings = Check{Name: "instance-offerings", Run: offerings}

// nodeGroupPlan is one group of a stack as it will run: its types and its AZs.
type nodeGroupPlan struct {
	stack, group string
	types, zones []string
}

func plans(fleet *config.Fleet, names []string) map[string][]nodeGroupPlan {
	byRegion := map[string][]nodeGroupPlan{}
	for _, n := range names {
		s := fleet.Stack(n)
		if s == nil || s.Cluster == nil {
			continue
		}
		network := s
		if ns := fleet.NetworkStack(s); ns != nil {
			network = ns
		}
		if network.Network == nil {
			continue
		}
		zones := network.Network.AvailabilityZones
		region := s.Settings.AWSRegion
		for _, g := range s.Cluster.NodeGroups {
			byRegion[region] = append(byRegion[region], nodeGroupPlan{n, g.Name, g.InstanceTypes, zones})
		}
		if c := s.Cassandra; c != nil && c.InstanceType != "" {
			for _, z := range zones { // one fixed group per AZ
				byRegion[region] = append(byRegion[region], nodeGroupPlan{n, "cassandra-" + z, []string{c.InstanceType}, []string{z}})
			}
		}
	}
	return byRegion
}

func offerings(ctx context.Context, env Env, fleet *config.Fleet, names []string) ([]Finding, error) {
	byRegion := plans(fleet, names)
	var fs []Finding
	for _, region := range sortedRegions(byRegion) {
		groups := byRegion[region]
		var types []string
		for _, g := range groups {
			for _, t := range g.types {
				if !slices.Contains(types, t) {
					types = append(types, t)
				}
			}
		}
		slices.Sort(types)
		offered, err := describeOfferings(ctx, env, region, types)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			for _, z := range g.zones {
				var missing []string
				for _, t := range g.types {
					if !offered[z][t] {
						missing = append(missing, t)
					}
				}
				switch {
				case len(missing) == 0:
				case len(missing) == len(g.types):
					fs = append(fs, Finding{Severity: Problem, Stacks: []string{g.stack},
						Message: fmt.Sprintf("node group %s: %s not offered in %s (%s): the group cannot launch a node there",
							g.group, strings.Join(missing, ", "), z, region),
						Fix: "pick instance types offered in every configured AZ (aws ec2 describe-instance-type-offerings --location-type " +
							"availability-zone --region " + region + "), or drop the AZ from network.availabilityZones"})
				default:
					fs = append(fs, Finding{Severity: Warning, Stacks: []string{g.stack},
						Message: fmt.Sprintf("node group %s: %s not offered in %s (%s); the group's other types are",
							g.group, strings.Join(missing, ", "), z, region),
						Fix: "replace the missing types with ones offered there, so the spot pool is as wide in every AZ"})
				}
			}
		}
	}
	return fs, nil
}

func sortedRegions(m map[string][]nodeGroupPlan) []string {
	out := make([]string, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// describeOfferings returns zone -> instance type -> offered, for the given types in a region.
func describeOfferings(ctx context.Context, env Env, region string, types []string) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	next := ""
	for {
		form := url.Values{
			"Action": {"DescribeInstanceTypeOfferings"}, "Version": {"2016-11-15"},
			"LocationType": {"availability-zone"}, "MaxResults": {"1000"},
			"Filter.1.Name": {"instance-type"},
		}
		for i, t := range types {
			form.Set("Filter.1.Value."+strconv.Itoa(i+1), t)
		}
		if next != "" {
			form.Set("NextToken", next)
		}
		var resp describeInstanceTypeOfferingsResponse
		if err := ec2Query(ctx, env, region, form, &resp); err != nil {
			return nil, fmt.Errorf("ec2:DescribeInstanceTypeOfferings in %s: %w", region, err)
		}
		for _, it := range resp.Offerings {
			if out[it.Location] == nil {
				out[it.Location] = map[string]bool{}
			}
			out[it.Location][it.InstanceType] = true
		}
		if next = resp.NextToken; next == "" {
			return out, nil
		}
	}
}

type describeInstanceTypeOfferingsResponse struct {
	Offerings []struct {
		InstanceType string `xml:"instanceType"`
		Location     string `xml:"location"`
	} `xml:"instanceTypeOfferingSet>item"`
	NextToken string `xml:"nextToken"`
}

type ec2ErrorResponse struct {
	Errors []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
}

// ec2Query sends one EC2 Query API request, signed with SigV4 with the Env's credentials, and
// decodes the XML answer into out.
func ec2Query(ctx context.Context, env Env, region string, form url.Values, out any) error {
	endpoint := "https://ec2." + region + ".amazonaws.com/"
	if env.Endpoint != "" {
		endpoint = strings.TrimSuffix(env.Endpoint, "/") + "/"
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	status, data, err := signedDo(ctx, env, region, "ec2", req, []byte(body))
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		var e ec2ErrorResponse
		if xml.Unmarshal(data, &e) == nil && len(e.Errors) > 0 {
			return fmt.Errorf("%s: %s", e.Errors[0].Code, e.Errors[0].Message)
		}
		return fmt.Errorf("HTTP %d", status)
	}
	return xml.Unmarshal(data, out)
}

// signedDo signs req (whose body is body) with SigV4 for service in region with the Env's
// credentials, sends it and returns the status and the answer's body.
func signedDo(ctx context.Context, env Env, region, service string, req *http.Request, body []byte) (int, []byte, error) {
	cfg := env.Region(region)
	if cfg.Credentials == nil {
		return 0, nil, fmt.Errorf("no AWS credentials")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return 0, nil, err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		return 0, nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, data, err
}
