package awscheck

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The calls below are small SigV4-signed requests in each service's own protocol, so that a
// check needs no SDK module per service (the service modules of SNS, CloudWatch, ElastiCache,
// Secrets Manager and AWS Backup would each add megabytes of generated code to every build of
// cmd/sovereign). Tests point Env.Endpoint at an httptest server answering as the service does.

// APIError is an error the service answered (its code and message), as opposed to a transport
// failure; checks compare Code (for example ResourceNotFoundException) to tell "absent" from
// "cannot ask".
type APIError struct {
	Code, Message string
	Status        int
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// endpointFor is the service's regional endpoint, or the test endpoint.
func endpointFor(env Env, host, region string) string {
	if env.Endpoint != "" {
		return strings.TrimSuffix(env.Endpoint, "/")
	}
	return "https://" + host + "." + region + ".amazonaws.com"
}

// Query sends one request of an AWS Query protocol service (SNS, CloudWatch, ElastiCache,
// RDS): a form with Action and Version, signed for service (the SigV4 name, which is also the
// endpoint's host prefix: sns, monitoring, elasticache, rds). The XML answer is decoded into out.
func Query(ctx context.Context, env Env, region, service string, form url.Values, out any) error {
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpointFor(env, service, region)+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	status, data, err := signedDo(ctx, env, region, service, req, []byte(body))
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		if xml.Unmarshal(data, &e) == nil && e.Code != "" {
			return &APIError{Code: e.Code, Message: e.Message, Status: status}
		}
		return &APIError{Code: fmt.Sprintf("HTTP%d", status), Message: strings.TrimSpace(string(data)), Status: status}
	}
	return xml.Unmarshal(data, out)
}

// JSON sends one request of an AWS JSON 1.1 service (Secrets Manager): the operation named in
// X-Amz-Target (prefix.Operation), the input as JSON; the answer is decoded into out.
func JSON(ctx context.Context, env Env, region, service, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpointFor(env, service, region)+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	status, data, err := signedDo(ctx, env, region, service, req, body)
	if err != nil {
		return err
	}
	return decodeJSON(status, data, out)
}

// RESTGet sends one GET of an AWS REST-JSON service (AWS Backup) at path (already escaped);
// the answer is decoded into out.
func RESTGet(ctx context.Context, env Env, region, service, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpointFor(env, service, region)+path, nil)
	if err != nil {
		return err
	}
	status, data, err := signedDo(ctx, env, region, service, req, nil)
	if err != nil {
		return err
	}
	return decodeJSON(status, data, out)
}

// decodeJSON decodes a JSON answer, or its error: `__type` (JSON 1.1, sometimes
// "prefix#Code") or the x-amzn-ErrorType-less REST body with `code`/`Code`.
func decodeJSON(status int, data []byte, out any) error {
	if status != http.StatusOK {
		var e struct {
			Type     string `json:"__type"`
			Code     string `json:"Code"`
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		_ = json.Unmarshal(data, &e)
		code := e.Type
		if i := strings.LastIndex(code, "#"); i >= 0 {
			code = code[i+1:]
		}
		if code == "" {
			code = e.Code
		}
		if code == "" {
			code = fmt.Sprintf("HTTP%d", status)
		}
		msg := e.Message
		if msg == "" {
			msg = e.Message2
		}
		return &APIError{Code: code, Message: msg, Status: status}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}

func jsonUnmarshal(s string, out any) error { return json.Unmarshal([]byte(s), out) }
