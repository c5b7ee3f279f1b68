package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Price statuses: where a unit price in the table came from.
const (
	// StatusFetched: read from the AWS Price List API by `sovereign cost --refresh-prices`.
	StatusFetched = "fetched"
	// StatusTranscribed: copied from the AWS pricing page and checked against the published
	// source named in CheckedAgainst.
	StatusTranscribed = "transcribed"
	// StatusUnconfirmed: copied from the AWS pricing page; no source available when it was
	// written confirmed it. Estimates say how much of their total rests on such prices.
	StatusUnconfirmed = "unconfirmed"
)

// Price is one unit price of one SKU in one region.
type Price struct {
	SKU    string  `json:"sku"`
	Region string  `json:"region"`
	USD    float64 `json:"usd"`
	Unit   string  `json:"unit"`
	// Source is the AWS page or Price List offer the price is read from.
	Source string `json:"source"`
	// Read is the date (YYYY-MM-DD) the price was read.
	Read           string `json:"read"`
	Status         string `json:"status"`
	CheckedAgainst string `json:"checkedAgainst,omitempty"`
	Note           string `json:"note,omitempty"`
}

// PriceTable is the pinned table of list prices (prices.json).
type PriceTable struct {
	// Date is when the table as a whole was last written.
	Date     string `json:"date"`
	Currency string `json:"currency"`
	Source   string `json:"source"`
	// HoursPerMonth converts hourly prices to monthly (AWS's calculator uses 730).
	HoursPerMonth float64 `json:"hoursPerMonth"`
	Prices        []Price `json:"prices"`

	byKey map[string]Price
}

//go:embed prices.json
var pinned []byte

// PinnedPrices is the table committed with this package.
func PinnedPrices() *PriceTable {
	t, err := ParsePrices(pinned)
	if err != nil {
		panic(err) // the embedded table is checked by TestPinnedPrices
	}
	return t
}

// ReadPrices reads a price table file.
func ReadPrices(path string) (*PriceTable, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := ParsePrices(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParsePrices decodes and checks a price table.
func ParsePrices(data []byte) (*PriceTable, error) {
	var t PriceTable
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("price table: %w", err)
	}
	if t.HoursPerMonth <= 0 {
		return nil, fmt.Errorf("price table: hoursPerMonth %v: want a positive number (730)", t.HoursPerMonth)
	}
	t.index()
	for _, p := range t.Prices {
		switch {
		case p.USD < 0:
			return nil, fmt.Errorf("price table: %s in %s: negative price %v", p.SKU, p.Region, p.USD)
		case p.Source == "" || p.Read == "":
			return nil, fmt.Errorf("price table: %s in %s: every price needs its source and the date it was read", p.SKU, p.Region)
		case p.Status != StatusFetched && p.Status != StatusTranscribed && p.Status != StatusUnconfirmed:
			return nil, fmt.Errorf("price table: %s in %s: status %q; allowed: %s, %s, %s", p.SKU, p.Region, p.Status, StatusFetched, StatusTranscribed, StatusUnconfirmed)
		}
	}
	return &t, nil
}

func (t *PriceTable) index() {
	t.byKey = map[string]Price{}
	for _, p := range t.Prices {
		t.byKey[p.SKU+"@"+p.Region] = p
	}
}

// Lookup returns the price of a SKU in a region.
func (t *PriceTable) Lookup(sku, region string) (Price, bool) {
	p, ok := t.byKey[sku+"@"+region]
	return p, ok
}

// Set replaces (or adds) one price; the refresh uses it.
func (t *PriceTable) Set(p Price) {
	for i := range t.Prices {
		if t.Prices[i].SKU == p.SKU && t.Prices[i].Region == p.Region {
			t.Prices[i] = p
			t.index()
			return
		}
	}
	t.Prices = append(t.Prices, p)
	sort.Slice(t.Prices, func(i, j int) bool {
		if t.Prices[i].SKU != t.Prices[j].SKU {
			return t.Prices[i].SKU < t.Prices[j].SKU
		}
		return t.Prices[i].Region < t.Prices[j].Region
	})
	t.index()
}

// Marshal renders the table as the committed file.
func (t *PriceTable) Marshal() ([]byte, error) {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
