package awscheck_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/pkg/awscheck"
	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// fakeBackup answers AWS Backup's DescribeRegionSettings and DescribeBackupVault (REST-JSON)
// and KMS's DescribeKey and GetKeyPolicy (JSON 1.1), per region (the SigV4 scope's).
type fakeBackup struct {
	optedOut  map[string]bool   // region -> Aurora not opted in
	vaults    map[string]string // "region/vault" -> key ARN
	keyState  map[string]string // key ARN -> state (default Enabled)
	keyPolicy map[string]string // key ARN -> policy (default the account root with kms:*)
}

const rootPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AccountAdmin","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":["kms:*"],"Resource":["*"]}]}`

func (f *fakeBackup) serve(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		region, service := "", ""
		if i := strings.Index(r.Header.Get("Authorization"), "Credential="); i >= 0 {
			if parts := strings.Split(r.Header.Get("Authorization")[i:], "/"); len(parts) > 3 {
				region, service = parts[2], parts[3]
			}
		}
		switch {
		case service == "backup" && r.Method == http.MethodGet && r.URL.Path == "/account-settings":
			fmt.Fprintf(w, `{"ResourceTypeOptInPreference":{"Aurora":%v,"RDS":true,"DynamoDB":true}}`, !f.optedOut[region])
		case service == "backup" && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/backup-vaults/"):
			name := strings.TrimPrefix(r.URL.Path, "/backup-vaults/")
			key, ok := f.vaults[region+"/"+name]
			if !ok {
				w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprintf(w, `{"Code":"ResourceNotFoundException","Message":"Backup vault %s not found"}`, name)
				return
			}
			fmt.Fprintf(w, `{"BackupVaultName":%q,"EncryptionKeyArn":%q}`, name, key)
		case service == "kms":
			var in struct{ KeyId string }
			_ = json.NewDecoder(r.Body).Decode(&in)
			switch r.Header.Get("X-Amz-Target") {
			case "TrentService.DescribeKey":
				state := "Enabled"
				if s, ok := f.keyState[in.KeyId]; ok {
					state = s
				}
				fmt.Fprintf(w, `{"KeyMetadata":{"Arn":%q,"KeyState":%q,"KeyManager":"CUSTOMER"}}`, in.KeyId, state)
			case "TrentService.GetKeyPolicy":
				policy := rootPolicy
				if p, ok := f.keyPolicy[in.KeyId]; ok {
					policy = p
				}
				data, _ := json.Marshal(map[string]string{"Policy": policy, "PolicyName": "default"})
				_, _ = w.Write(data)
			default:
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"__type":"UnknownOperationException"}`)
			}
		default:
			t.Errorf("unexpected %s %s %s", service, r.Method, r.URL.Path)
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func keyArn(region, id string) string { return "arn:aws:kms:" + region + ":111122223333:key/" + id }

func TestBackupCheck(t *testing.T) {
	fleet, err := config.LoadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	deployed := func() map[string]string {
		return map[string]string{
			"eu-central-1/gs-ams-backup-copy": keyArn("eu-central-1", "ams"),
			"us-west-2/gs-iad-backup-copy":    keyArn("us-west-2", "iad"),
			"eu-west-1/gs-jnb-backup-copy":    keyArn("eu-west-1", "jnb"),
			"us-east-2/gs-sfo-backup-copy":    keyArn("us-east-2", "sfo"),
		}
	}
	for _, tt := range []struct {
		name  string
		setup func(f *fakeBackup)
		want  []string
	}{
		{"deployed and ready", func(*fakeBackup) {}, nil},
		{"nothing deployed yet", func(f *fakeBackup) { f.vaults = nil }, nil},
		{"af-south-1 not opted in", func(f *fakeBackup) { f.optedOut = map[string]bool{"af-south-1": true} },
			[]string{"[jnb] AWS Backup in af-south-1 is not opted in to Aurora"}},
		{"a copy key pending deletion", func(f *fakeBackup) { f.keyState = map[string]string{keyArn("us-west-2", "iad"): "PendingDeletion"} },
			[]string{"[iad] copy vault gs-iad-backup-copy in us-west-2: key " + keyArn("us-west-2", "iad") + " is PendingDeletion"}},
		{"a copy key the account cannot delegate", func(f *fakeBackup) {
			f.keyPolicy = map[string]string{keyArn("eu-west-1", "jnb"): `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"kms:*"}]}`}
		}, []string{"[jnb] copy vault gs-jnb-backup-copy in eu-west-1: the policy of key"}},
		{"a copy vault with another region's key", func(f *fakeBackup) { f.vaults["us-east-2/gs-sfo-backup-copy"] = keyArn("us-west-1", "sfo") },
			[]string{"[sfo] copy vault gs-sfo-backup-copy in us-east-2: key"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeBackup{vaults: deployed()}
			tt.setup(f)
			fs := awscheck.Run(context.Background(), fakeEnv(f.serve(t)), fleet, fleet.Names(), []awscheck.Check{awscheck.Backup})
			if len(fs) != len(tt.want) {
				t.Fatalf("findings %v, want %v", fs, tt.want)
			}
			for i, f := range fs {
				got := fmt.Sprintf("%v %s", f.Stacks, f.Message)
				if f.Severity != awscheck.Problem || !strings.HasPrefix(got, tt.want[i]) || f.Fix == "" {
					t.Errorf("finding %q (%v, fix %q), want prefix %q", got, f.Severity, f.Fix, tt.want[i])
				}
			}
		})
	}
}
