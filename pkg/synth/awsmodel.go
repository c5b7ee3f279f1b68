package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Account is the AWS account the mocks pretend to deploy into.
const Account = "123456789012"

// awsModel answers resource registrations and invokes the way AWS (through the pulumi-aws
// provider) would: ids in AWS's formats, ARNs with the resource's region and the account,
// auto-generated names with a suffix, and cross-resource facts such as the VPC's default
// security group or an EIP's address showing up on the NAT gateway. Everything is derived from
// hashes of the URN, so the same program gives the same answers every time.
type awsModel struct {
	// salt stands for the generation of the stack (see Options.Generation): what AWS or the
	// provider draws at random on creation (ids, auto-name suffixes) differs with it.
	salt          string
	mu            sync.Mutex
	vpcDefaultSGs map[string]string       // vpc id -> its default security group id
	eipAddresses  map[string]string       // allocation id -> public IP
	peerings      map[string]peeringSides // VPC peering connection id -> its two regions
}

// peeringSides are the regions of a VPC peering connection's requester and accepter.
type peeringSides struct{ requester, accepter string }

func newAWSModel(salt string) *awsModel {
	return &awsModel{salt: salt, vpcDefaultSGs: map[string]string{}, eipAddresses: map[string]string{}, peerings: map[string]peeringSides{}}
}

// hexOf is a deterministic hex string of n characters for a seed.
func hexOf(seed string, n int) string {
	h := sha256.Sum256([]byte(seed))
	s := hex.EncodeToString(h[:])
	for len(s) < n {
		h = sha256.Sum256(h[:])
		s += hex.EncodeToString(h[:])
	}
	return s[:n]
}

// uuidOf formats a deterministic UUID (KMS key ids, provider ids).
func uuidOf(seed string) string {
	h := hexOf(seed, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ipOf is a deterministic public-looking address in 198.18.0.0/15, a range reserved for
// benchmarking that never routes on the internet.
func ipOf(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return fmt.Sprintf("198.%d.%d.%d", 18+int(h[0]&1), h[1], 1+int(h[2])%254)
}

func arn(service, region, rest string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, Account, rest)
}

// autoName is what the provider does for a resource whose name input is unset: the logical
// name plus a 7-character random suffix.
func autoName(name, urn string) string { return name + "-" + hexOf("name"+urn, 7) }

func str(m resource.PropertyMap, k string) string {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return ""
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// state returns the id and output properties of a new AWS resource. inputs already carry the
// user's values; outputs start as a copy of them, as the provider's do.
func (m *awsModel) state(token, name, urn, region string, inputs resource.PropertyMap) (string, resource.PropertyMap) {
	// urn only seeds the hashes below: with the generation's salt, every drawn value changes.
	urn += m.salt
	out := inputs.Copy()
	r := &created{name: name, urn: urn, region: region, inputs: inputs, out: out}
	model, ok := models[token]
	if !ok {
		model = defaultModel(token)
	}
	id := model(m, r)
	r.set("id", id)
	return id, out
}

// modelFunc answers the creation of one resource type: it returns the id and sets the outputs
// AWS would compute on r.
type modelFunc func(m *awsModel, r *created) (id string)

// models are the resource types the mocks know, by token: the ec2 ones in awsmodel_ec2.go, the
// others in awsmodel_services.go. A type without one gets defaultModel.
var models = map[string]modelFunc{}

func register(table map[string]modelFunc) {
	for token, f := range table {
		if _, dup := models[token]; dup {
			panic("two mock models for " + token)
		}
		models[token] = f
	}
}

func init() {
	register(ec2Models)
	register(serviceModels)
}

// defaultModel gives a type without a model an id and ARN in the common shape; add a model when
// the program reads one of its computed outputs.
func defaultModel(token string) modelFunc {
	return func(m *awsModel, r *created) (id string) {
		typ := token[strings.LastIndex(token, ":")+1:]
		svc := strings.SplitN(strings.TrimPrefix(token, "aws:"), "/", 2)[0]
		id = strings.ToLower(typ) + "-" + hexOf(r.urn, 17)
		r.set("arn", arn(svc, r.region, strings.ToLower(typ)+"/"+id))
		return id
	}
}

// created is one resource being created: its logical name, its URN salted with the stack's
// generation (every drawn value hashes it), its region, its inputs and the outputs being built.
type created struct {
	name, urn, region string
	inputs, out       resource.PropertyMap
}

func (r *created) set(k string, v any) { r.out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }

// ensureNamed fills an auto-named property the way the provider does when it is unset.
func (r *created) ensureNamed(prop string) string {
	n := str(r.inputs, prop)
	if n == "" {
		n = autoName(r.name, r.urn)
		if p := str(r.inputs, prop+"Prefix"); p != "" {
			n = p + hexOf("prefix"+r.urn, 26) // the provider's prefix plus a 26-character unique id
		}
		r.set(prop, n)
	}
	return n
}

func (r *created) ensureName() string { return r.ensureNamed("name") }

// ec2ID is an EC2-style id: prefix, "-0" and 16 hex digits.
func (r *created) ec2ID(prefix string) string { return prefix + "-0" + hexOf(r.urn, 16) }

// invoke answers a data-source call.
func (m *awsModel) invoke(token, region string, args resource.PropertyMap) (resource.PropertyMap, error) {
	switch token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": Account,
			"arn":       fmt.Sprintf("arn:aws:sts::%s:assumed-role/sovereign-deployer/synth", Account),
			"userId":    "AROASYNTHEXAMPLE:synth",
			"id":        Account,
		}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{
			"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws",
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{
			"name": region, "region": region, "id": region, "endpoint": "ec2." + region + ".amazonaws.com",
		}), nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names := availabilityZones(region)
		ids := make([]any, len(names))
		ns := make([]any, len(names))
		for i, n := range names {
			ns[i], ids[i] = n, zoneID(n)
		}
		return resource.NewPropertyMapFromMap(map[string]any{
			"id": region, "names": ns, "zoneIds": ids, "groupNames": []any{region}, "state": "available",
		}), nil
	case "aws:secretsmanager/getSecretVersion:getSecretVersion":
		return secretVersion(region, str(args, "secretId"))
	}
	return nil, fmt.Errorf("the synth mocks have no answer for invoke %s; add one to pkg/synth/awsmodel.go", token)
}

// azLetters lists the AZs a typical account sees where that is not a, b and c. us-west-1 is
// the case that matters here: most accounts get only two of its zones.
var azLetters = map[string]string{
	"us-east-1":      "abcdef",
	"us-west-1":      "ac",
	"us-west-2":      "abcd",
	"ap-northeast-1": "acd",
	"ap-northeast-2": "abcd",
}

func availabilityZones(region string) []string {
	letters, ok := azLetters[region]
	if !ok {
		letters = "abc"
	}
	out := make([]string, len(letters))
	for i, l := range letters {
		out[i] = region + string(l)
	}
	return out
}

// zoneID maps an AZ name to an AZ id in AWS's format (eu-west-1a -> euw1-az1).
func zoneID(az string) string {
	if len(az) < 2 {
		return ""
	}
	region, letter := az[:len(az)-1], az[len(az)-1]
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return ""
	}
	short := map[string]string{"east": "e", "west": "w", "north": "n", "south": "s", "central": "c",
		"southeast": "se", "northeast": "ne", "northwest": "nw", "southwest": "sw"}[parts[1]]
	return fmt.Sprintf("%s%s%s-az%d", parts[0], short, parts[2], int(letter-'a')+1)
}

// MockMasterUsername is the user of every master secret getSecretVersion answers.
const MockMasterUsername = "sovereign_admin"

// secretVersion answers getSecretVersion as Secrets Manager does for an RDS master secret: the
// current version, its value (a secret) in the RDS format with a MockPasswordPrefix password.
// Secrets Manager finds a secret only in its own region, so an ARN of another region is refused
// as AWS refuses it; so is an id that is not a secret's ARN.
func secretVersion(region, id string) (resource.PropertyMap, error) {
	if !strings.HasPrefix(id, "arn:") || !strings.Contains(id, ":secretsmanager:") || !strings.Contains(id, ":secret:") {
		return nil, fmt.Errorf("getSecretVersion: %q is not a Secrets Manager secret ARN", id)
	}
	if r := arnRegion(id); r != region {
		return nil, fmt.Errorf("getSecretVersion: secret %s is in %s, read through a provider of %s; Secrets Manager "+
			"can't find the specified secret (ResourceNotFoundException): use a provider of the secret's region", id, r, region)
	}
	value, err := json.Marshal(map[string]any{
		"engine": "postgres", "username": MockMasterUsername, "password": MockPasswordPrefix + hexOf("master"+id, 34), "port": 5432,
	})
	if err != nil {
		return nil, err
	}
	version := uuidOf("version" + id)
	return resource.PropertyMap{
		"arn":           resource.NewStringProperty(id),
		"id":            resource.NewStringProperty(id + "|AWSCURRENT"),
		"secretId":      resource.NewStringProperty(id),
		"versionId":     resource.NewStringProperty(version),
		"versionStage":  resource.NewStringProperty("AWSCURRENT"),
		"versionStages": resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("AWSCURRENT")}),
		"createdDate":   resource.NewStringProperty("2026-01-01T00:00:00Z"),
		"secretString":  resource.MakeSecret(resource.NewStringProperty(string(value))),
		"secretBinary":  resource.MakeSecret(resource.NewStringProperty("")),
	}, nil
}
