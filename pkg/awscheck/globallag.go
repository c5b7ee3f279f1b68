package awscheck

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// GlobalLag is what CloudWatch says about a secondary cluster's replication from the writer.
type GlobalLag struct {
	// Latest is the newest AuroraGlobalDBReplicationLag datapoint, in milliseconds; Points how
	// many one-minute datapoints the window held (0: the series is not reporting).
	Latest float64
	Points int
}

// GlobalReplicationLag reads AuroraGlobalDBReplicationLag of a secondary cluster over the last
// window (cloudwatch:GetMetricData in the secondary's region). The series carries a SourceRegion
// dimension beside DBClusterIdentifier, so it is read with the same Metrics Insights query the
// replication-lag alarm uses (components/database/alarms.go), which matches it whatever its
// other dimensions. Metrics Insights answers only over the last 3 hours.
func GlobalReplicationLag(ctx context.Context, env Env, region, clusterID string, window time.Duration) (GlobalLag, error) {
	end := time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	form := url.Values{
		"Action": {"GetMetricData"}, "Version": {"2010-08-01"},
		"StartTime": {end.Add(-window).Format(time.RFC3339)}, "EndTime": {end.Format(time.RFC3339)},
		"ScanBy":                                {"TimestampDescending"},
		"MetricDataQueries.member.1.Id":         {"lag"},
		"MetricDataQueries.member.1.Period":     {"60"},
		"MetricDataQueries.member.1.ReturnData": {"true"},
		"MetricDataQueries.member.1.Expression": {fmt.Sprintf(`SELECT MAX(AuroraGlobalDBReplicationLag) FROM "AWS/RDS" WHERE DBClusterIdentifier = '%s'`, clusterID)},
	}
	var resp struct {
		Results []struct {
			ID         string    `xml:"Id"`
			Timestamps []string  `xml:"Timestamps>member"`
			Values     []float64 `xml:"Values>member"`
			StatusCode string    `xml:"StatusCode"`
		} `xml:"GetMetricDataResult>MetricDataResults>member"`
	}
	if err := Query(ctx, env, region, "monitoring", form, &resp); err != nil {
		return GlobalLag{}, fmt.Errorf("cloudwatch:GetMetricData in %s: %w", region, err)
	}
	var lag GlobalLag
	for _, r := range resp.Results {
		if r.ID != "lag" || len(r.Values) == 0 {
			continue
		}
		// TimestampDescending: the first value is the newest.
		lag.Latest, lag.Points = r.Values[0], len(r.Values)
	}
	return lag, nil
}
