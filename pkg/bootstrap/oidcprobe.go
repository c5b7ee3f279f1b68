package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// IAM allows one OIDC provider per URL in an account: when token.actions.githubusercontent.com
// already has one (another project's, a console click), creating it fails with
// EntityAlreadyExists. The bootstrap asks IAM first (GetOpenIDConnectProvider) and adopts an
// existing provider: the program imports it, and never deletes it (RetainOnDelete).

// ErrNoSuchEntity is IAM's NoSuchEntity error code.
var ErrNoSuchEntity = errors.New("NoSuchEntity")

// IAMError is an error response of IAM's query API.
type IAMError struct {
	Status  int
	Code    string `xml:"Error>Code"`
	Message string `xml:"Error>Message"`
}

func (e *IAMError) Error() string { return fmt.Sprintf("IAM %s (%d): %s", e.Code, e.Status, e.Message) }

// Is makes errors.Is(err, ErrNoSuchEntity) true for that code.
func (e *IAMError) Is(target error) bool {
	return target == ErrNoSuchEntity && e.Code == "NoSuchEntity"
}

// OIDCProviderExists asks IAM (at endpoint, https://iam.amazonaws.com by default) whether the
// account has the provider with the ARN.
func OIDCProviderExists(ctx context.Context, client *http.Client, creds aws.Credentials, endpoint, arn string) (bool, error) {
	if endpoint == "" {
		endpoint = "https://iam.amazonaws.com"
	}
	form := url.Values{"Action": {"GetOpenIDConnectProvider"}, "Version": {"2010-05-08"}, "OpenIDConnectProviderArn": {arn}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(endpoint, "/")+"/", strings.NewReader(form))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	// IAM is global: its requests are signed for us-east-1.
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		return false, err
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, fmt.Errorf("IAM GetOpenIDConnectProvider: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode == http.StatusOK {
		return true, nil
	}
	e := &IAMError{Status: resp.StatusCode}
	if xerr := xml.Unmarshal(body, e); xerr != nil || e.Code == "" {
		return false, fmt.Errorf("IAM GetOpenIDConnectProvider: %s", resp.Status)
	}
	if errors.Is(e, ErrNoSuchEntity) {
		return false, nil
	}
	return false, e
}
