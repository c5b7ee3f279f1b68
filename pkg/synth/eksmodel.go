package synth

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// EKSModelVersion is the pulumi-eks release the model below was read from. A test fails when
// go.mod pins another version: re-read the source and update the model before bumping it.
const EKSModelVersion = "v3.9.1"

// RemotePlugins are the provider plugins the remote components start besides the SDKs compiled
// into the program: pulumi-eks v3.9.1 registers its own Kubernetes provider (`<name>-eks-k8s`)
// at the @pulumi/kubernetes version in its nodejs/eks/package.json. The orchestrator installs
// them before stacks run in parallel.
var RemotePlugins = []struct{ Name, Version string }{{"kubernetes", "v4.19.0"}}

// modelEKSCluster returns the children that pulumi-eks v3.9.1's Cluster component creates for
// the given inputs (nodejs/eks/cluster/cluster.ts, servicerole.ts, cni-addon.ts,
// authenticationMode.ts, nodes/securitygroup.ts at the tag). Under mocks a remote component
// has no children, so synth lists these, marked modelled, to show what AWS will hold and to let
// the audit catch a resource the project declares twice. Arguments the model does not cover
// are an error rather than a silently incomplete graph.
func modelEKSCluster(comp registration, clusterName, oidcIssuerURL string, cluster answer, salt string) ([]registration, error) {
	in := comp.inputs
	for _, unsupported := range []string{"fargate", "storageClasses", "nodeGroupOptions", "autoMode", "serviceRole", "createInstanceRole", "instanceRole", "instanceRoles"} {
		if v, ok := in[resource.PropertyKey(unsupported)]; ok && !v.IsNull() {
			return nil, fmt.Errorf("eks:index:Cluster %s: the synth model of pulumi-eks (pkg/synth/eksmodel.go) does not cover %q; extend it from the pulumi-eks %s source",
				comp.name, unsupported, EKSModelVersion)
		}
	}
	skipDefaultNodeGroup, _ := boolInput(in, "skipDefaultNodeGroup")
	if !skipDefaultNodeGroup {
		return nil, fmt.Errorf("eks:index:Cluster %s: the synth model of pulumi-eks covers clusters with skipDefaultNodeGroup only", comp.name)
	}
	name := comp.name
	awsProvider := comp.providers["aws"]
	var out []registration
	child := func(parent, typ, logical string, custom bool, inputs map[string]any, deps ...string) registration {
		r := registration{
			urn: urnUnder(parent, typ, logical), typ: typ, name: logical, parent: parent, custom: custom, modelled: true,
			inputs: resource.NewPropertyMapFromMap(inputs), dependencies: deps, providers: map[string]string{},
		}
		if custom && len(typ) > 4 && typ[:4] == "aws:" {
			r.provider = awsProvider
		}
		if !custom { // a child component inherits the component's providers
			for k, v := range comp.providers {
				r.providers[k] = v
			}
		}
		out = append(out, r)
		return r
	}

	// The cluster's IAM role (servicerole.ts): a ServiceRole component holding the role and the
	// AmazonEKSClusterPolicy attachment, named with the first 8 hex digits of sha1(policy ARN).
	role := child(comp.urn, "eks:index:ServiceRole", name+"-eksRole", false, map[string]any{"service": "eks.amazonaws.com"})
	roleRes := child(role.urn, "aws:iam/role:Role", name+"-eksRole-role", true, map[string]any{
		"assumeRolePolicy": `{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"}}],"Version":"2012-10-17"}`,
	})
	// The role is auto-named as the provider does; the mocks' naming gives it the name it would have.
	roleName := autoName(roleRes.name, roleRes.urn+salt)
	roleArn := arn("iam", "", "role/"+roleName)
	out[len(out)-1].id, out[len(out)-1].state = roleName, resource.NewPropertyMapFromMap(map[string]any{"name": roleName, "arn": roleArn})
	policy := "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
	child(role.urn, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", name+"-eksRole-"+sha1Prefix(policy), true,
		map[string]any{"policyArn": policy, "role": roleName}, roleRes.urn)

	// The cluster security group: only without one given and without skipDefaultSecurityGroups.
	skipSGs, _ := boolInput(in, "skipDefaultSecurityGroups")
	sgInput, givenSG := in["clusterSecurityGroup"]
	givenSG = givenSG && !sgInput.IsNull()
	if !givenSG && !skipSGs {
		sg := child(comp.urn, "aws:ec2/securityGroup:SecurityGroup", name+"-eksClusterSecurityGroup", true, map[string]any{"vpcId": plainInput(in, "vpcId")})
		child(comp.urn, "aws:ec2/securityGroupRule:SecurityGroupRule", name+"-eksClusterInternetEgressRule", true,
			map[string]any{"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": []any{"0.0.0.0/0"}}, sg.urn)
	}

	// The EKS cluster itself; the mocks' answer for the stand-in they registered is its identity.
	eksCluster := child(comp.urn, "aws:eks/cluster:Cluster", name+"-eksCluster", true, map[string]any{
		"name": clusterName, "version": plainInput(in, "version"), "roleArn": roleArn,
		"enabledClusterLogTypes": plainInput(in, "enabledClusterLogTypes"),
		"vpcConfig": map[string]any{
			"subnetIds": plainInput(in, "privateSubnetIds"), "endpointPrivateAccess": plainInput(in, "endpointPrivateAccess"),
			"endpointPublicAccess": plainInput(in, "endpointPublicAccess"), "publicAccessCidrs": plainInput(in, "publicAccessCidrs"),
			"securityGroupIds": clusterSecurityGroupIDs(in),
		},
		"accessConfig": map[string]any{"authenticationMode": plainInput(in, "authenticationMode"), "bootstrapClusterCreatorAdminPermissions": true},
	}, append(append([]string{}, comp.dependencies...), role.urn, roleRes.urn)...)
	out[len(out)-1].id, out[len(out)-1].state = cluster.id, cluster.state
	addon := func(logical, addonName string, options resource.PropertyMap) {
		inputs := map[string]any{
			"addonName": addonName, "clusterName": clusterName, "preserve": true,
			"resolveConflictsOnCreate": stringOr(plainInput(options, "resolveConflictsOnCreate"), "OVERWRITE"),
			"resolveConflictsOnUpdate": stringOr(plainInput(options, "resolveConflictsOnUpdate"), "OVERWRITE"),
			// Without a version pulumi-eks resolves the most recent build on every run
			// (getAddonVersionOutput mostRecent: true): the graph says so instead of a version.
			"addonVersion": versionOr(plainInput(options, "version")),
		}
		if v := plainInput(options, "configurationValues"); v != nil {
			inputs["configurationValues"] = jsonString(v)
		}
		child(comp.urn, "aws:eks/addon:Addon", logical, true, inputs, eksCluster.urn)
	}

	// kube-proxy unless kubeProxyAddonOptions.enabled is false.
	if enabled, set := boolInput(objectInput(in, "kubeProxyAddonOptions"), "enabled"); !set || enabled {
		addon(name+"-kube-proxy", "kube-proxy", objectInput(in, "kubeProxyAddonOptions"))
	}
	// Its own Kubernetes provider, always, at the SDK version pulumi-eks bundles.
	child(comp.urn, "pulumi:providers:kubernetes", name+"-eks-k8s", true, map[string]any{"version": RemotePlugins[0].Version}, eksCluster.urn)

	// The aws-auth ConfigMap only in a mode that reads it.
	mode, _ := plainInput(in, "authenticationMode").(string)
	if mode == "" || mode == "CONFIG_MAP" || mode == "API_AND_CONFIG_MAP" {
		child(comp.urn, "kubernetes:core/v1:ConfigMap", name+"-nodeAccess", true, map[string]any{"metadata": map[string]any{"name": "aws-auth", "namespace": "kube-system"}}, eksCluster.urn)
	}
	// Access entries and their policy associations, in key order (authenticationMode.ts
	// createAccessEntries: entry `<name>-<key>`, association `<name>-<key>-<association>` under the
	// entry, with the association's accessScope and policyArn).
	entries := objectInput(in, "accessEntries")
	for _, key := range sortedKeys(entries) {
		e := objectValue(entries[resource.PropertyKey(key)])
		entry := child(comp.urn, "aws:eks/accessEntry:AccessEntry", name+"-"+key, true,
			map[string]any{"clusterName": clusterName, "principalArn": plainInput(e, "principalArn")}, eksCluster.urn)
		policies := objectInput(e, "accessPolicies")
		for _, pk := range sortedKeys(policies) {
			p := objectValue(policies[resource.PropertyKey(pk)])
			child(entry.urn, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", name+"-"+key+"-"+pk, true, map[string]any{
				"clusterName": clusterName, "principalArn": plainInput(e, "principalArn"), "policyArn": plainInput(p, "policyArn"),
				"accessScope": plainInput(p, "accessScope"),
			}, entry.urn)
		}
	}
	// The VPC CNI add-on unless useDefaultVpcCni.
	if useDefault, _ := boolInput(in, "useDefaultVpcCni"); !useDefault {
		opts := objectInput(in, "vpcCniOptions")
		config, err := cniConfigurationValues(comp.name, opts)
		if err != nil {
			return nil, err
		}
		cni := child(comp.urn, "eks:index:VpcCniAddon", name+"-vpc-cni", false, map[string]any{"clusterName": clusterName})
		child(cni.urn, "aws:eks/addon:Addon", name+"-vpc-cni", true, map[string]any{
			"addonName": "vpc-cni", "clusterName": clusterName, "preserve": true,
			"resolveConflictsOnCreate": stringOr(plainInput(opts, "resolveConflictsOnCreate"), "OVERWRITE"),
			"resolveConflictsOnUpdate": stringOr(plainInput(opts, "resolveConflictsOnUpdate"), "OVERWRITE"),
			"addonVersion":             versionOr(plainInput(opts, "addonVersion")), "configurationValues": config,
		}, eksCluster.urn)
	}
	// CoreDNS only when explicitly enabled (there is no default node group here).
	if enabled, set := boolInput(objectInput(in, "corednsAddonOptions"), "enabled"); set && enabled {
		addon(name+"-coredns", "coredns", objectInput(in, "corednsAddonOptions"))
	}
	if create, _ := boolInput(in, "createOidcProvider"); create {
		child(comp.urn, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", name+"-oidcProvider", true, map[string]any{
			"clientIdLists": []any{"sts.amazonaws.com"}, "url": oidcIssuerURL,
		}, eksCluster.urn)
	}
	// The node security group and its five rules unless skipDefaultSecurityGroups; the last rule
	// goes on the cluster security group (the one given, if any).
	if !skipSGs {
		nodeSG := child(comp.urn, "aws:ec2/securityGroup:SecurityGroup", name+"-nodeSecurityGroup", true,
			map[string]any{"vpcId": plainInput(in, "vpcId")}, eksCluster.urn)
		rule := func(logical, typ string, port int, onCluster bool) {
			target := "[nodeSecurityGroup]"
			if onCluster {
				target = "[clusterSecurityGroup]"
			}
			child(comp.urn, "aws:ec2/securityGroupRule:SecurityGroupRule", name+"-"+logical, true,
				map[string]any{"type": typ, "fromPort": port, "securityGroupId": target}, nodeSG.urn)
		}
		rule("eksNodeIngressRule", "ingress", 0, false)
		rule("eksNodeClusterIngressRule", "ingress", 1025, false)
		rule("eksExtApiServerClusterIngressRule", "ingress", 443, false)
		rule("eksNodeInternetEgressRule", "egress", 0, false)
		rule("eksClusterIngressRule", "ingress", 443, true)
	}
	return out, nil
}

// urnUnder is the URN of a child resource of parent.
func urnUnder(parent, typ, name string) string {
	p := resource.URN(parent)
	return fmt.Sprintf("urn:pulumi:%s::%s::%s$%s::%s", p.Stack(), p.Project(), p.QualifiedType(), typ, name)
}

func sha1Prefix(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])[:8]
}

// unwrapValue strips secrets and known outputs.
func unwrapValue(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

func boolInput(m resource.PropertyMap, key string) (value, set bool) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return false, false
	}
	v = unwrapValue(v)
	if !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

func objectValue(v resource.PropertyValue) resource.PropertyMap {
	v = unwrapValue(v)
	if v.IsObject() {
		return v.ObjectValue()
	}
	return resource.PropertyMap{}
}

func objectInput(m resource.PropertyMap, key string) resource.PropertyMap {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return resource.PropertyMap{}
	}
	return objectValue(v)
}

func plainInput(m resource.PropertyMap, key string) any {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	return plain(unwrapValue(v))
}

func sortedKeys(m resource.PropertyMap) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// clusterSecurityGroupIDs is vpcConfig.securityGroupIds as pulumi-eks sets it: the given cluster
// security group, by reference.
func clusterSecurityGroupIDs(in resource.PropertyMap) any {
	v, ok := in["clusterSecurityGroup"]
	if !ok || v.IsNull() {
		return nil
	}
	return []any{plain(unwrapValue(v))}
}

// mostRecentAddon stands for an add-on version pulumi-eks resolves at run time to the most recent
// build for the cluster's version.
const mostRecentAddon = "[most recent build at each run]"

func stringOr(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

func versionOr(v any) any {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return mostRecentAddon
}

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// cniConfigurationValues is the vpc-cni add-on's configurationValues as pulumi-eks v3.9.1 computes
// them (addons/cni-addon.ts computeEnv and mergeConfigurationValues): the aws-node environment
// with its defaults (DEBUG log levels among them), the init container's, and enableNetworkPolicy.
// Options the model does not cover are an error, not a silently different graph.
func cniConfigurationValues(component string, opts resource.PropertyMap) (string, error) {
	covered := []string{"addonVersion", "enableNetworkPolicy", "logLevel", "pluginLogLevel", "externalSnat", "configurationValues",
		"resolveConflictsOnCreate", "resolveConflictsOnUpdate"} // the last two: the add-on's own inputs
	for _, k := range sortedKeys(opts) {
		if v := opts[resource.PropertyKey(k)]; !v.IsNull() && !slices.Contains(covered, k) {
			return "", fmt.Errorf("eks:index:Cluster %s: the synth model of pulumi-eks (pkg/synth/eksmodel.go) does not cover vpcCniOptions.%s; "+
				"extend cniConfigurationValues from addons/cni-addon.ts at %s", component, k, EKSModelVersion)
		}
	}
	str := func(key, def string) string {
		if s, ok := plainInput(opts, key).(string); ok && s != "" {
			return s
		}
		return def
	}
	snat := "false"
	if v, _ := boolInput(opts, "externalSnat"); v {
		snat = "true"
	}
	env := map[string]any{
		"WARM_ENI_TARGET":                    "1",
		"AWS_VPC_K8S_CNI_LOGLEVEL":           str("logLevel", "DEBUG"),
		"AWS_VPC_K8S_CNI_LOG_FILE":           "/host/var/log/aws-routed-eni/ipamd.log",
		"AWS_VPC_K8S_CNI_VETHPREFIX":         "eni",
		"AWS_VPC_ENI_MTU":                    "9001",
		"AWS_VPC_K8S_PLUGIN_LOG_LEVEL":       str("pluginLogLevel", "DEBUG"),
		"AWS_VPC_K8S_PLUGIN_LOG_FILE":        "/var/log/aws-routed-eni/plugin.log",
		"ENABLE_POD_ENI":                     "false",
		"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "false",
		"AWS_VPC_K8S_CNI_EXTERNALSNAT":       snat,
	}
	// mergeConfigurationValues: the given configuration values first, the computed env under
	// their env (theirs win), the init env likewise, enableNetworkPolicy unless given.
	config := map[string]any{}
	given, _ := plainInput(opts, "configurationValues").(map[string]any)
	for k, v := range given {
		config[k] = v
	}
	if own, ok := given["env"].(map[string]any); ok {
		for k, v := range own {
			env[k] = v
		}
	}
	config["env"] = env
	if _, ok := given["init"]; !ok {
		config["init"] = map[string]any{"env": map[string]string{"DISABLE_TCP_EARLY_DEMUX": "false"}}
	}
	if v, set := boolInput(opts, "enableNetworkPolicy"); set && given["enableNetworkPolicy"] == nil {
		config["enableNetworkPolicy"] = fmt.Sprint(v)
	}
	return jsonString(config), nil
}
