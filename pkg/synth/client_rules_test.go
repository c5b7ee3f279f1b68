package synth

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	awseks "github.com/pulumi/pulumi-aws/sdk/v6/go/aws/eks"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// homeOutputs are the outputs of a home stack a client reads: its cluster and kubeconfig.
var homeOutputs = map[string]StackOutputs{"home": {
	"eksCluster": resource.NewObjectProperty(resource.NewPropertyMapFromMap(map[string]any{"name": "gs-home"})),
	"kubeconfig": resource.MakeSecret(resource.NewStringProperty("{}")),
}}

// clientProgram declares what a client stack does with its home's cluster: a Pod Identity
// association for clusterName (the home's, when empty) and a Job through a Kubernetes provider
// from the home's kubeconfig (from a literal kubeconfig when fromRef is false).
func clientProgram(clusterName string, fromRef bool) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		p, err := aws.NewProvider(ctx, "aws-us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		ref, err := pulumi.NewStackReference(ctx, "ref-home", &pulumi.StackReferenceArgs{Name: pulumi.String(Organization + "/global-sovereign/home")})
		if err != nil {
			return err
		}
		name := ref.GetOutput(pulumi.String("eksCluster")).ApplyT(func(v any) string { return v.(map[string]any)["name"].(string) }).(pulumi.StringOutput)
		if clusterName != "" {
			name = pulumi.String(clusterName).ToStringOutput()
		}
		if _, err := awseks.NewPodIdentityAssociation(ctx, "assoc", &awseks.PodIdentityAssociationArgs{
			ClusterName: name, Namespace: pulumi.String("client-x"), ServiceAccount: pulumi.String("app"),
			RoleArn: pulumi.String("arn:aws:iam::123456789012:role/r"),
		}, pulumi.Provider(p)); err != nil {
			return err
		}
		kubeconfig := pulumi.String("{}").ToStringOutput()
		if fromRef {
			kubeconfig = ref.GetStringOutput(pulumi.String("kubeconfig"))
		}
		k8s, err := kubernetes.NewProvider(ctx, "k8s-home", &kubernetes.ProviderArgs{Kubeconfig: kubeconfig})
		if err != nil {
			return err
		}
		_, err = batchv1.NewJob(ctx, "job", &batchv1.JobArgs{Spec: &batchv1.JobSpecArgs{Template: &corev1.PodTemplateSpecArgs{
			Spec: &corev1.PodSpecArgs{Containers: corev1.ContainerArray{corev1.ContainerArgs{Name: pulumi.String("c"), Image: pulumi.String("x:1")}}},
		}}}, pulumi.Provider(k8s))
		return err
	}
}

// EKS refuses a Pod Identity association for a cluster that does not exist; in a stack of the
// fleet the mocks do too. A cluster read from a referenced stack exists.
func TestPodIdentityNeedsAnExistingCluster(t *testing.T) {
	fleet := Options{fleetStack: true}
	if _, err := RunWithOptions(clientProgram("", true), "client", nil, homeOutputs, fleet); err != nil {
		t.Errorf("the home's cluster: %v", err)
	}
	_, err := RunWithOptions(clientProgram("gs-elsewhere", true), "client", nil, homeOutputs, fleet)
	if err == nil || !strings.Contains(err.Error(), `no EKS cluster "gs-elsewhere" exists for the association (ResourceNotFoundException)`) {
		t.Errorf("got %v, want the association refused", err)
	}
	// A component run alone is handed cluster names it does not declare.
	if _, err := Run(clientProgram("gs-elsewhere", true), "client", nil, homeOutputs); err != nil {
		t.Errorf("component run: %v", err)
	}
}

// A pod maker whose provider comes from another stack's kubeconfig runs on that stack's nodes,
// which exist before this stack deploys; one whose provider leads to no cluster at all is
// still reported.
func TestPodsOnAReferencedCluster(t *testing.T) {
	r, err := Run(clientProgram("", true), "client", nil, homeOutputs)
	if err != nil {
		t.Fatal(err)
	}
	if vs := Audit(r.Graph); len(vs) > 0 {
		t.Errorf("violations on a referenced cluster: %v", vs)
	}
	r, err = Run(clientProgram("", false), "client", nil, homeOutputs)
	if err != nil {
		t.Fatal(err)
	}
	if v := findViolation(Audit(r.Graph), "pods-need-nodes", "::job"); v == nil || !strings.Contains(v.Msg, "waits for no single EKS cluster") {
		t.Errorf("a Job on no cluster: %v", Audit(r.Graph))
	}
}

// getSecretVersion answers a secret's ARN in its own region only, with the value secret.
func TestSecretVersion(t *testing.T) {
	const id = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
	out, err := secretVersion("eu-west-1", id)
	if err != nil {
		t.Fatal(err)
	}
	v := out["secretString"]
	if !v.IsSecret() || !strings.Contains(v.SecretValue().Element.StringValue(), `"password":"`+MockPasswordPrefix) {
		t.Errorf("secretString %v", v)
	}
	for region, bad := range map[string]string{
		"us-east-1": id,
		"eu-west-1": "db-AbCdEf",
	} {
		if _, err := secretVersion(region, bad); err == nil {
			t.Errorf("%s in %s answered", bad, region)
		}
	}
}
