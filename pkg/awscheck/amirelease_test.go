package awscheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// fakeSSM answers ssm:GetParameter (JSON 1.1) with the parameters each region (read from the
// SigV4 credential scope) publishes, ParameterNotFound otherwise.
type fakeSSM struct {
	mu        sync.Mutex
	published map[string][]string // region -> parameter names
	asked     []string            // region + " " + name
}

func (f *fakeSSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/ssm/aws4_request") ||
		r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"UnrecognizedClientException","message":"bad request"}`)
		return
	}
	region := strings.Split(strings.SplitN(auth, "Credential=", 2)[1], "/")[2]
	var in struct{ Name string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	f.mu.Lock()
	f.asked = append(f.asked, region+" "+in.Name)
	f.mu.Unlock()
	for _, p := range f.published[region] {
		if p == in.Name {
			fmt.Fprintf(w, `{"Parameter":{"Name":%q,"Type":"String","Value":"ami-0123456789abcdef0","Version":1}}`, p)
			return
		}
	}
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprint(w, `{"__type":"ParameterNotFound"}`)
}

// A pinned release must be published in every region that runs it: af-south-1 gets releases
// last, and a node group there cannot move to one it lacks.
func TestAMIRelease(t *testing.T) {
	const release = "1.35.0-20261120"
	param, ok := AMIReleaseParameter(release)
	if !ok || param != "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.35-v20261120/image_id" {
		t.Fatalf("parameter %q", param)
	}
	fake := &fakeSSM{published: map[string][]string{"eu-west-1": {param}, "us-west-1": {param}}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret", Source: "test"}, nil
	})
	env := Env{Config: aws.Config{Region: "us-east-1", Credentials: creds}, Endpoint: srv.URL}
	fleet := fleetWith(t, deployRole, adminRole)
	for _, n := range []string{"ams", "sfo", "jnb"} {
		fleet.Stack(n).Cluster.AMIReleaseVersion = release
	}
	fs := Run(context.Background(), env, fleet, []string{"ams", "sfo", "jnb", "global"}, []Check{AMIRelease})
	if len(fs) != 1 || fs[0].Severity != Problem || strings.Join(fs[0].Stacks, ",") != "jnb" ||
		!strings.Contains(fs[0].Message, "not published in af-south-1") || !strings.Contains(fs[0].Fix, "recommended/release_version") {
		t.Fatalf("findings %v", fs)
	}
	if len(fake.asked) != 3 {
		t.Errorf("asked %v, want one call per region", fake.asked)
	}
	// No pinned release: EKS picks one per region itself, nothing to ask.
	fake.asked = nil
	if fs := Run(context.Background(), env, fleetWith(t, deployRole, adminRole), []string{"ams"}, []Check{AMIRelease}); len(fs) != 0 || len(fake.asked) != 0 {
		t.Errorf("unpinned: findings %v, asked %v", fs, fake.asked)
	}
}
