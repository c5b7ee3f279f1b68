package synth

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// custom registers a resource by type token, as a generated SDK would.
func custom(ctx *pulumi.Context, token, name string, inputs pulumi.Map, opts ...pulumi.ResourceOption) (*pulumi.CustomResourceState, error) {
	var r pulumi.CustomResourceState
	err := ctx.RegisterResource(token, name, inputs, &r, opts...)
	return &r, err
}

func awsProvider(ctx *pulumi.Context, region string) (pulumi.ProviderResource, error) {
	var p pulumi.ProviderResourceState
	err := ctx.RegisterResource("pulumi:providers:aws", "aws-"+region, pulumi.Map{"region": pulumi.String(region)}, &p)
	return &p, err
}

func TestSecretsNeverPlain(t *testing.T) {
	const password = "hunter2-plain-text"
	prog := func(ctx *pulumi.Context) error {
		p, err := awsProvider(ctx, "eu-west-1")
		if err != nil {
			return err
		}
		if _, err := custom(ctx, "aws:secretsmanager/secretVersion:SecretVersion", "pw", pulumi.Map{
			"secretString": pulumi.ToSecret(pulumi.String(password)),
			"nested":       pulumi.Map{"inner": pulumi.ToSecret(pulumi.String(password))},
		}, pulumi.Provider(p)); err != nil {
			return err
		}
		ctx.Export("password", pulumi.ToSecret(pulumi.String(password)))
		ctx.Export("plain", pulumi.String("visible"))
		return nil
	}
	r, err := Run(prog, "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.Graph.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(password)) {
		t.Fatalf("secret in plain text:\n%s", data)
	}
	if r.Graph.Outputs["password"] != SecretMarker || r.Graph.Outputs["plain"] != "visible" {
		t.Errorf("outputs %v", r.Graph.Outputs)
	}
	sv := r.Graph.ByType("aws:secretsmanager/secretVersion:SecretVersion")[0]
	if sv.Inputs["secretString"] != SecretMarker || sv.Inputs["nested"].(map[string]any)["inner"] != SecretMarker {
		t.Errorf("inputs %v", sv.Inputs)
	}
	// Downstream stacks still get the value, marked secret.
	if v := r.Outputs["password"]; !v.IsSecret() || v.SecretValue().Element.StringValue() != password {
		t.Errorf("raw output %v", v)
	}
}

func TestDefaultProviderRejected(t *testing.T) {
	tests := map[string]pulumi.RunFunc{
		"resource": func(ctx *pulumi.Context) error {
			_, err := custom(ctx, "aws:ec2/vpc:Vpc", "vpc", pulumi.Map{"cidrBlock": pulumi.String("10.0.0.0/16")})
			return err
		},
		"invoke": func(ctx *pulumi.Context) error {
			var out map[string]any
			return ctx.Invoke("aws:index/getCallerIdentity:getCallerIdentity", map[string]any{}, &out)
		},
	}
	for name, prog := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Run(prog, "test", nil, nil)
			if err == nil || !strings.Contains(err.Error(), "no explicit aws provider") {
				t.Fatalf("want the default provider rejected, got %v", err)
			}
		})
	}
}

// The model links resources the way AWS does: a NAT gateway shows its EIP's address, the
// adopted default security group is the VPC's, ARNs carry the provider's region.
func TestAWSModelCrossReferences(t *testing.T) {
	prog := func(ctx *pulumi.Context) error {
		p, err := awsProvider(ctx, "af-south-1")
		if err != nil {
			return err
		}
		vpc, err := custom(ctx, "aws:ec2/vpc:Vpc", "vpc", pulumi.Map{"cidrBlock": pulumi.String("10.6.0.0/16")}, pulumi.Provider(p))
		if err != nil {
			return err
		}
		ctx.Export("vpcId", vpc.ID())
		return nil
	}
	r, err := Run(prog, "test", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	vpcID := r.Graph.Outputs["vpcId"].(string)
	if !strings.HasPrefix(vpcID, "vpc-0") || len(vpcID) != len("vpc-0")+16 {
		t.Errorf("vpc id %q not in AWS form", vpcID)
	}
	m := newAWSModel("")
	id, state := m.state("aws:ec2/vpc:Vpc", "vpc", "urn:x", "af-south-1", resource.PropertyMap{})
	if got := state["arn"].StringValue(); got != "arn:aws:ec2:af-south-1:123456789012:vpc/"+id {
		t.Errorf("vpc arn %s", got)
	}
	sgID, _ := m.state("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "sg", "urn:y", "af-south-1",
		resource.PropertyMap{"vpcId": resource.NewStringProperty(id)})
	if sgID != state["defaultSecurityGroupId"].StringValue() {
		t.Errorf("default SG %s, VPC says %s", sgID, state["defaultSecurityGroupId"].StringValue())
	}
	allocID, eip := m.state("aws:ec2/eip:Eip", "eip", "urn:z", "af-south-1", resource.PropertyMap{})
	_, nat := m.state("aws:ec2/natGateway:NatGateway", "nat", "urn:n", "af-south-1",
		resource.PropertyMap{"allocationId": resource.NewStringProperty(allocID)})
	if nat["publicIp"].StringValue() != eip["publicIp"].StringValue() || !strings.HasPrefix(eip["publicIp"].StringValue(), "198.") {
		t.Errorf("NAT ip %v, EIP ip %v", nat["publicIp"], eip["publicIp"])
	}
	_, lg := m.state("aws:cloudwatch/logGroup:LogGroup", "flow-logs", "urn:l", "eu-west-1", resource.PropertyMap{})
	if n := lg["name"].StringValue(); !strings.HasPrefix(n, "flow-logs-") || len(n) != len("flow-logs-")+7 {
		t.Errorf("auto-name %q", n)
	}
}

func TestAvailabilityZonesAndIDs(t *testing.T) {
	if got := availabilityZones("us-west-1"); strings.Join(got, ",") != "us-west-1a,us-west-1c" {
		t.Errorf("us-west-1 AZs %v", got)
	}
	if got := availabilityZones("eu-west-1"); len(got) != 3 {
		t.Errorf("eu-west-1 AZs %v", got)
	}
	for az, want := range map[string]string{"eu-west-1a": "euw1-az1", "ap-southeast-2c": "apse2-az3", "af-south-1b": "afs1-az2", "us-east-1f": "use1-az6"} {
		if got := zoneID(az); got != want {
			t.Errorf("zoneID(%s) = %s, want %s", az, got, want)
		}
	}
}

func TestStackReferences(t *testing.T) {
	prog := func(ctx *pulumi.Context) error {
		ref, err := pulumi.NewStackReference(ctx, "ref", &pulumi.StackReferenceArgs{Name: pulumi.String("organization/global-sovereign/ams")})
		if err != nil {
			return err
		}
		ctx.Export("vpc", ref.GetOutput(pulumi.String("vpcId")))
		ctx.Export("kubeconfig", ref.GetOutput(pulumi.String("kubeconfig")))
		return nil
	}
	refs := map[string]StackOutputs{"ams": {
		"vpcId":      resource.NewStringProperty("vpc-0123"),
		"kubeconfig": resource.MakeSecret(resource.NewStringProperty("apiVersion: v1")),
	}}
	r, err := Run(prog, "global", nil, refs)
	if err != nil {
		t.Fatal(err)
	}
	if r.Graph.Outputs["vpc"] != "vpc-0123" || r.Graph.Outputs["kubeconfig"] != SecretMarker {
		t.Errorf("outputs %v", r.Graph.Outputs)
	}
	if refs := r.Graph.ByType("pulumi:pulumi:StackReference"); len(refs) != 1 || refs[0].Inputs["name"] != "organization/global-sovereign/ams" {
		t.Errorf("stack reference not in graph: %+v", refs)
	}
	if _, err := Run(prog, "global", nil, nil); err == nil || !strings.Contains(err.Error(), "has not been synthesized") {
		t.Errorf("missing reference: %v", err)
	}
}

// Resources register concurrently; the graph must not depend on their order.
func TestDeterministic(t *testing.T) {
	prog := func(ctx *pulumi.Context) error {
		p, err := awsProvider(ctx, "us-east-1")
		if err != nil {
			return err
		}
		var prev *pulumi.CustomResourceState
		for i := 0; i < 40; i++ {
			in := pulumi.Map{"n": pulumi.Int(i)}
			if prev != nil {
				in["prev"] = prev.ID()
			}
			r, err := custom(ctx, "aws:sqs/queue:Queue", "q"+strings.Repeat("x", i%7)+string(rune('a'+i%26)), in, pulumi.Provider(p))
			if err != nil {
				return err
			}
			if i%3 == 0 {
				prev = r
			}
		}
		return nil
	}
	var first []byte
	for i := 0; i < 5; i++ {
		r, err := Run(prog, "test", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		data, err := r.Graph.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = data
		} else if !bytes.Equal(first, data) {
			t.Fatal("two runs of the same program gave different graphs")
		}
	}
}

func TestDependencyOrder(t *testing.T) {
	region := func(name string) *config.Stack {
		return &config.Stack{Name: name, Settings: config.Settings{Kind: config.KindRegion, Environment: "production"}}
	}
	global := &config.Stack{Name: "global", Settings: config.Settings{Kind: config.KindGlobal, Environment: "production"}}
	fleet := &config.Fleet{Stacks: []*config.Stack{region("ams"), global, region("iad"), region("syd")}}
	order, err := dependencyOrder(fleet, []string{"global"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "ams,iad,syd,global" {
		t.Errorf("order %v", order)
	}
	if _, err := dependencyOrder(fleet, []string{"nope"}); err == nil {
		t.Error("unknown stack should fail")
	}
}
