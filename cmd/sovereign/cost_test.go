package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/internal/fleettest"
	"github.com/global-sovereign/global-sovereign/pkg/cost"
)

// sovereign cost --all synthesizes the committed fleet and prints every stack and the totals per
// environment, by region and by component, with the price table's date.
func TestCostAll(t *testing.T) {
	code, out, errs := runCLI(t, "cost", "--all", "--dir", repo)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"Prices: pinned table of " + cost.PinnedPrices().Date, "spot node groups at 60% off on-demand",
		"production: $", "by region:", "by component:"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`\nams +region +production +eu-west-1 +\$[0-9,]+\.[0-9]{2} `).MatchString(out) {
		t.Errorf("no line for ams in:\n%s", out)
	}
	// The same numbers from the committed graphs, as JSON.
	code, js, errs := runCLI(t, "cost", "--graphs", filepath.Join(repo, "testdata", "synth"), "--json", "--dir", repo)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	var doc struct {
		Stacks       []cost.Estimate         `json:"stacks"`
		Environments map[string]*cost.Totals `json:"environments"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Stacks) != 10 || doc.Environments["production"] == nil || doc.Environments["production"].MonthlyUSD <= 0 {
		t.Errorf("json: %d stacks, environments %v", len(doc.Stacks), doc.Environments)
	}
}

// With --base the output is the PR comment's cost section.
func TestCostBase(t *testing.T) {
	graphs := filepath.Join(repo, "testdata", "synth")
	md := filepath.Join(t.TempDir(), "cost.md")
	code, _, errs := runCLI(t, "cost", "--graphs", graphs, "--base", graphs, "--markdown", md, "--title", "same", "--dir", repo)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	data, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "### Monthly cost estimate: same") || !strings.Contains(string(data), "No stack's estimate changes beyond the threshold") {
		t.Errorf("cost section:\n%s", data)
	}
}

// preflight warns (without failing) when an environment's estimate exceeds its budget.
func TestPreflightBudgetWarning(t *testing.T) {
	dir := fleettest.Copy(t, repo, fleettest.Edit{File: "Pulumi.global.yaml", Old: "monthlyLimitUsd: 250000", New: "monthlyLimitUsd: 1000"})
	_, out, errs := runCLI(t, "preflight", "--stack", "ams", "--dir", dir)
	want := "warning [ams, global, iad, iad-ezra, jnb, sfo, sin, syd] cost: environment production: estimated $"
	if !strings.Contains(out, want) || !strings.Contains(out, "exceeds its budget of $1,000.00") {
		t.Errorf("no budget warning in:\n%s%s", out, errs)
	}
	// The committed budgets hold the committed fleet's estimate: no warning.
	_, out, _ = runCLI(t, "preflight", "--all", "--dir", repo)
	if strings.Contains(out, " cost: ") {
		t.Errorf("budget warning for the committed fleet:\n%s", out)
	}
}

// --refresh-prices rewrites the table from the Price List API (a fake here) and says what it kept.
func TestCostRefreshPrices(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		var list []string
		if strings.Contains(string(body), `"Value":"m5.large"`) && strings.Contains(string(body), `"Value":"af-south-1"`) {
			list = append(list, `{"terms":{"OnDemand":{"t":{"priceDimensions":{"d":{"unit":"Hrs","beginRange":"0","pricePerUnit":{"USD":"0.1270000000"}}}}}}}`)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"PriceList": list})
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	path := filepath.Join(t.TempDir(), "prices.json")
	data, _ := cost.PinnedPrices().Marshal()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "cost", "--refresh-prices", "--prices", path, "--aws-endpoint", srv.URL, "--dir", repo)
	if code != 0 || !strings.Contains(out, "1 price(s) fetched from the AWS Price List API") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	tbl, err := cost.ReadPrices(path)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := tbl.Lookup("ec2:m5.large", "af-south-1"); p.Status != cost.StatusFetched || p.USD != 0.127 {
		t.Errorf("refreshed price: %+v", p)
	}
	if p, _ := tbl.Lookup("ec2:m5.large", "eu-west-1"); p.Status == cost.StatusFetched {
		t.Errorf("a price the API did not answer was marked fetched: %+v", p)
	}
}

// Without credentials the refresh stops, names the pinned table's date, and leaves the file.
func TestCostRefreshWithoutCredentials(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	path := filepath.Join(t.TempDir(), "prices.json")
	data, _ := cost.PinnedPrices().Marshal()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "cost", "--refresh-prices", "--prices", path, "--dir", repo)
	if code != exitConfig || !strings.Contains(errs, "the pinned table of "+cost.PinnedPrices().Date+" stays in use") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if after, _ := os.ReadFile(path); string(after) != string(data) {
		t.Error("the price file changed without credentials")
	}
}
