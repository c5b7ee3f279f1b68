package awscheck_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fakeAddonSchema answers EKS DescribeAddonConfiguration as the REST-JSON API does: the
// configuration schema of the vpc-cni build asked for, a JSON schema (as a string) whose
// env.properties are envKeys(region). A request on another path, for another add-on or without a
// version is answered 400 so that a wrong request cannot pass.
func fakeAddonSchema(t *testing.T, envKeys func(region string) []string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		scope := strings.Split(strings.SplitN(strings.SplitN(r.Header.Get("Authorization"), "Credential=", 2)[1], ",", 2)[0], "/")
		if r.Method != http.MethodGet || r.URL.Path != "/addons/configuration-schemas" || q.Get("addonName") != config.AddonVPCCNI ||
			q.Get("addonVersion") == "" || len(scope) < 4 || scope[3] != "eks" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"unexpected request ` + r.Method + " " + r.URL.String() + `"}`))
			return
		}
		keys := envKeys(scope[2])
		if len(keys) == 1 && keys[0] == "!denied" {
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"not authorized to perform eks:DescribeAddonConfiguration"}`))
			return
		}
		props := map[string]any{}
		for _, k := range keys {
			props[k] = map[string]any{"type": "string"}
		}
		// The shape of the add-on schemas: a draft-06 document whose root and env refer to
		// definitions; nil keys answer a schema without any env.
		doc := map[string]any{"$ref": "#/definitions/VpcCni", "$schema": "http://json-schema.org/draft-06/schema#",
			"definitions": map[string]any{
				"Env":    map[string]any{"type": "object", "additionalProperties": false, "properties": props},
				"VpcCni": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{"env": map[string]any{"$ref": "#/definitions/Env"}}},
			}}
		if keys == nil {
			doc = map[string]any{"type": "object"}
		}
		schema, _ := json.Marshal(doc)
		_ = json.NewEncoder(w).Encode(map[string]any{"addonName": config.AddonVPCCNI, "addonVersion": q.Get("addonVersion"),
			"configurationSchema": string(schema)})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The env the program sets on the VPC CNI is one the pinned build's schema takes: a build without
// POD_MTU is a problem for the Cassandra regions only, named with the region and build.
func TestAddonConfiguration(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	full := fleet.Stack("ams").VPCCNIEnv() // a Cassandra region's: every name any cluster sets
	withoutMTU := slices.DeleteFunc(slices.Clone(full), func(k string) bool { return k == config.CNIEnvPodMTU })
	for _, tt := range []struct {
		name string
		keys func(region string) []string
		want []string
	}{
		{"every key in the schema", func(string) []string { return full }, nil},
		{"no POD_MTU in eu-west-1's build", func(region string) []string {
			if region == "eu-west-1" {
				return withoutMTU
			}
			return full
		}, []string{"problem [ams] eks-addon-configuration: EKS in eu-west-1 does not take env POD_MTU in the configuration of vpc-cni v"}},
		{"one region's refusal is one problem, the other regions still checked", func(region string) []string {
			switch region {
			case "eu-west-1":
				return []string{"!denied"}
			case "af-south-1":
				return withoutMTU
			}
			return full
		}, []string{
			"problem [ams] eks-addon-configuration: eks:DescribeAddonConfiguration vpc-cni v",
			"problem [jnb] eks-addon-configuration: EKS in af-south-1 does not take env POD_MTU",
		}},
		{"a schema without env is said once per build, not judged", func(region string) []string {
			if region == "eu-west-1" {
				return nil
			}
			return full
		}, []string{"warning [ams] eks-addon-configuration: the configuration schema of vpc-cni v"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := awscheck.Run(context.Background(), fakeEnv(fakeAddonSchema(t, tt.keys)), fleet, fleet.Names(), []awscheck.Check{awscheck.AddonConfiguration})
			requireFindings(t, fs, tt.want)
		})
	}
}
