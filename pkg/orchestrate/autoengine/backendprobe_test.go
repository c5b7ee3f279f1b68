package autoengine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The backend's existence is an error value from the backend itself, not a CLI message: a
// missing directory, S3's 404 for HeadBucket; 403 and 301 mean the bucket exists.
func TestProbeBackend(t *testing.T) {
	dir := t.TempDir()
	if err := ProbeBackend(context.Background(), "file://"+dir); err != nil {
		t.Errorf("existing dir: %v", err)
	}
	if err := ProbeBackend(context.Background(), "file://"+filepath.Join(dir, "nope")); !errors.Is(err, ErrBackendMissing) {
		t.Errorf("missing dir: %v", err)
	}
	status := map[string]int{"/gone": 404, "/mine": 200, "/denied": 403, "/elsewhere": 301, "/broken": 500}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") ||
			!strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/s3/aws4_request") {
			t.Errorf("unsigned or wrong request: %s %s", r.Method, r.Header.Get("Authorization"))
		}
		w.WriteHeader(status[r.URL.Path])
	}))
	defer srv.Close()
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	for bucket, want := range map[string]string{"gone": "missing", "mine": "ok", "denied": "ok", "elsewhere": "ok", "broken": "error"} {
		err := headBucket(context.Background(), srv.Client(), creds, srv.URL, "eu-west-1", bucket, time.Now())
		got := "ok"
		switch {
		case errors.Is(err, ErrBackendMissing):
			got = "missing"
		case err != nil:
			got = "error"
		}
		if got != want {
			t.Errorf("%s: %v, want %s", bucket, err, want)
		}
	}
}
