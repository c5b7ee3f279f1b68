package scope

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestARNsFollowThePartition(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  func(Scope) string
		want map[string]string // partition -> ARN
	}{
		{"regional", func(s Scope) string { return s.ARN("cloudwatch", "alarm:*") }, map[string]string{
			"aws":        "arn:aws:cloudwatch:us-east-1:111122223333:alarm:*",
			"aws-us-gov": "arn:aws-us-gov:cloudwatch:us-east-1:111122223333:alarm:*",
		}},
		{"global", func(s Scope) string { return s.GlobalARN("budgets", "*") }, map[string]string{
			"aws":    "arn:aws:budgets::111122223333:*",
			"aws-cn": "arn:aws-cn:budgets::111122223333:*",
		}},
		{"account root", func(s Scope) string { return s.AccountRoot("127311923021") }, map[string]string{
			"aws":    "arn:aws:iam::127311923021:root",
			"aws-cn": "arn:aws-cn:iam::127311923021:root",
		}},
		{"managed policy", func(s Scope) string { return s.ManagedPolicy("service-role/AmazonEBSCSIDriverPolicy") }, map[string]string{
			"aws":    "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
			"aws-cn": "arn:aws-cn:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
		}},
		{"eks access policy", func(s Scope) string { return s.EKSAccessPolicy("AmazonEKSClusterAdminPolicy") }, map[string]string{
			"aws":        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
			"aws-us-gov": "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
		}},
	} {
		for partition, want := range tc.want {
			s := Scope{Partition: partition, AccountID: "111122223333", Region: "us-east-1"}
			if got := tc.got(s); got != want {
				t.Errorf("%s in %s: got %s, want %s", tc.name, partition, got, want)
			}
		}
	}
}

// No code that declares resources writes an ARN by hand: a literal "arn:aws:" breaks every
// other partition, and a hand-joined ARN repeats what Scope already knows.
func TestNoHandWrittenARNsInComponentsOrProgram(t *testing.T) {
	for _, dir := range []string{"../../components", "../program"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(src), "\n") {
				if strings.Contains(line, `"arn:`) || strings.Contains(line, `arn:%s`) {
					t.Errorf("%s:%d builds an ARN by hand; use scope.Scope: %s", path, i+1, strings.TrimSpace(line))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
