package autoengine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// ErrBackendMissing is what ProbeBackend returns, wrapped, for a backend that does not exist
// yet: a file:// directory that is not there, an S3 bucket S3 answers 404 for. The bootstrap
// creates that backend; any other failure to read it (credentials, network, a bucket of another
// account) stops it before it creates anything.
var ErrBackendMissing = errors.New("the backend does not exist")

// emptySHA256 is the SHA-256 of an empty payload, which SigV4 signs for a HEAD request.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// ProbeBackend asks the backend itself whether it exists, and answers with an error value
// rather than a CLI's message: for file://, the directory's stat (fs.ErrNotExist); for s3://,
// S3's HeadBucket (404: missing; 200, 301 or 403: it exists) signed with the caller's
// credentials, at the URL's endpoint= when one is given.
func ProbeBackend(ctx context.Context, backendURL string) error {
	u, err := url.Parse(backendURL)
	if err != nil {
		return fmt.Errorf("backend URL %q: %w", backendURL, err)
	}
	switch u.Scheme {
	case "file":
		dir := strings.SplitN(strings.TrimPrefix(backendURL, "file://"), "?", 2)[0]
		_, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", backendURL, ErrBackendMissing)
		}
		return err
	case "s3":
		return probeBucket(ctx, u)
	}
	return nil // other backends (Pulumi Cloud) exist
}

func probeBucket(ctx context.Context, u *url.URL) error {
	q := u.Query()
	region := q.Get("region")
	opts := []func(*awsconfig.LoadOptions) error{}
	if region != "" {
		opts = append(opts, awsconfig.WithRegion(region))
	}
	if p := q.Get("profile"); p != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(p))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("AWS credentials for %s: %w", u.Host, err)
	}
	if region == "" {
		region = cfg.Region
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("AWS credentials for %s: %w", u.Host, err)
	}
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		endpoint = "https://s3." + region + ".amazonaws.com"
	}
	return headBucket(ctx, http.DefaultClient, creds, endpoint, region, u.Host, time.Now())
}

// headBucket is S3's HeadBucket (path-style), signed with SigV4.
func headBucket(ctx context.Context, client *http.Client, creds aws.Credentials, endpoint, region, bucket string, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, strings.TrimSuffix(endpoint, "/")+"/"+url.PathEscape(bucket), nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptySHA256, "s3", region, now); err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("HeadBucket %s: %w", bucket, err)
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusMovedPermanently, http.StatusForbidden:
		// 301: it exists in another region; 403: it exists, and these credentials may not read
		// it (the CLI's own error then says so).
		return nil
	case http.StatusNotFound:
		return fmt.Errorf("s3://%s: %w", bucket, ErrBackendMissing)
	}
	return fmt.Errorf("HeadBucket %s: %s", bucket, resp.Status)
}
