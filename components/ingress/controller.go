package ingress

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/components/cluster"
	helmv3 "github.com/global-sovereign/global-sovereign/pkg/helmrelease"
	"github.com/global-sovereign/global-sovereign/pkg/iampolicy"
)

// ControllerPolicy lets the AWS Load Balancer Controller do what a TargetGroupBinding needs and
// nothing more: the load balancer, target group and security groups are Pulumi's, so the
// controller only reads and registers or deregisters pod IPs in this cluster's target group.
func ControllerPolicy(targetGroupArn string) iampolicy.Document {
	return iampolicy.New(
		iampolicy.Allow("Describe", []string{
			"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
			"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeListeners",
			"elasticloadbalancing:DescribeTags", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeAvailabilityZones",
		}, []string{"*"}),
		iampolicy.Allow("RegisterTargets", []string{
			"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
		}, []string{targetGroupArn}),
	)
}

// controller installs the AWS Load Balancer Controller with its Pod Identity role and binds the
// target group to the API Service.
func controller(ctx *pulumi.Context, name string, args *Args, tg *lb.TargetGroup, parent pulumi.ResourceOption) error {
	policy := tg.Arn.ApplyT(func(arn string) string { return ControllerPolicy(arn).JSON() }).(pulumi.StringOutput)
	_, assoc, err := cluster.PodIdentityRole(ctx, name+"-lb-controller", args.Scope.AccountID, args.ClusterName, "kube-system", controllerSA,
		"AWS Load Balancer Controller of "+name, policy, parent)
	if err != nil {
		return err
	}
	inCluster := []pulumi.ResourceOption{parent, pulumi.Provider(args.Kubernetes)}
	release, err := helmv3.NewRelease(ctx, name+"-lb-controller", &helmv3.ReleaseArgs{
		Name:           pulumi.String("aws-load-balancer-controller"),
		Namespace:      pulumi.String("kube-system"),
		Chart:          pulumi.String(controllerChart),
		Version:        pulumi.String(controllerVersion),
		RepositoryOpts: &helmv3.RepositoryOptsArgs{Repo: pulumi.String(controllerRepo)},
		Values: pulumi.Map{
			"clusterName":    args.ClusterName,
			"region":         pulumi.String(args.Scope.Region),
			"vpcId":          args.VpcID,
			"serviceAccount": pulumi.Map{"create": pulumi.Bool(true), "name": pulumi.String(controllerSA)},
			// Pulumi owns the load balancer: the controller must not create any from Services.
			"enableServiceMutatorWebhook": pulumi.Bool(false),
		},
	}, append(inCluster, pulumi.DependsOn([]pulumi.Resource{assoc}))...)
	if err != nil {
		return err
	}
	// The binding exists whether or not config names an image: an application pipeline that
	// deploys the API creates the Service api/api and is bound with no further step; until then
	// the target group is empty, the load balancer answers 503 and the region's health check
	// fails, so latency DNS answers with the regions that serve.
	if args.APINamespace == nil && args.APIService == nil {
		return nil // no api block in config: nothing of the API in this cluster
	}
	serviceName := pulumi.String(APIServiceName).ToStringOutput()
	var namespace pulumi.StringOutput
	after := []pulumi.Resource{release}
	if args.APINamespace != nil {
		namespace = args.APINamespace.Metadata.Name().Elem()
		after = append(after, args.APINamespace)
	}
	if args.APIService != nil {
		serviceName = args.APIService.Metadata.Name().Elem()
		namespace = args.APIService.Metadata.Namespace().Elem()
		after = append(after, args.APIService)
	}
	_, err = apiextensions.NewCustomResource(ctx, name+"-api-binding", &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("elbv2.k8s.aws/v1beta1"),
		Kind:       pulumi.String("TargetGroupBinding"),
		Metadata:   &metav1.ObjectMetaArgs{Name: serviceName, Namespace: namespace},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"serviceRef":     pulumi.Map{"name": serviceName, "port": pulumi.Int(80)},
			"targetGroupARN": tg.Arn,
			"targetType":     pulumi.String("ip"),
		}},
	}, append(inCluster, pulumi.DependsOn(after))...)
	return err
}

// APIServiceName is the Service the target group binds when config names no image: what an
// application pipeline names the API's Service (namespace api, port 80).
const APIServiceName = "api"
