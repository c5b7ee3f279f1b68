package bootstrap

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// A fake IAM answering GetOpenIDConnectProvider as IAM does: 200 for a provider the account has,
// 404 NoSuchEntity for one it lacks, 403 AccessDenied without the permission.
func TestOIDCProviderExists(t *testing.T) {
	have := OIDCProviderArn("111122223333")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(body))
		if q.Get("Action") != "GetOpenIDConnectProvider" || !strings.Contains(r.Header.Get("Authorization"), "/us-east-1/iam/aws4_request") {
			t.Errorf("request: %s %s", body, r.Header.Get("Authorization"))
		}
		switch q.Get("OpenIDConnectProviderArn") {
		case have:
			w.Write([]byte(`<GetOpenIDConnectProviderResponse><GetOpenIDConnectProviderResult><Url>token.actions.githubusercontent.com</Url></GetOpenIDConnectProviderResult></GetOpenIDConnectProviderResponse>`))
		case OIDCProviderArn("444455556666"):
			w.WriteHeader(403)
			w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error></ErrorResponse>`))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>OpenIDConnect Provider not found</Message></Error></ErrorResponse>`))
		}
	}))
	defer srv.Close()
	creds := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}
	ctx := context.Background()
	if ok, err := OIDCProviderExists(ctx, srv.Client(), creds, srv.URL, have); !ok || err != nil {
		t.Errorf("existing: %v %v", ok, err)
	}
	if ok, err := OIDCProviderExists(ctx, srv.Client(), creds, srv.URL, OIDCProviderArn("999999999999")); ok || err != nil {
		t.Errorf("missing: %v %v", ok, err)
	}
	ok, err := OIDCProviderExists(ctx, srv.Client(), creds, srv.URL, OIDCProviderArn("444455556666"))
	var iamErr *IAMError
	if ok || !errors.As(err, &iamErr) || iamErr.Code != "AccessDenied" || errors.Is(err, ErrNoSuchEntity) {
		t.Errorf("denied: %v %v", ok, err)
	}
}
