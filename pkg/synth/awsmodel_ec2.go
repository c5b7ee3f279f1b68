package synth

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// ec2Models answer the EC2 and VPC types: ids in EC2 formats and the facts other resources read
// (a VPC's default security group, an EIP's address on its NAT gateway).
var ec2Models = map[string]modelFunc{
	"aws:ec2/vpc:Vpc": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("vpc")
		sg := "sg-0" + hexOf("default-sg"+r.urn, 16)
		m.mu.Lock()
		m.vpcDefaultSGs[id] = sg
		m.mu.Unlock()
		r.set("arn", arn("ec2", r.region, "vpc/"+id))
		r.set("defaultSecurityGroupId", sg)
		r.set("mainRouteTableId", "rtb-0"+hexOf("main-rt"+r.urn, 16))
		r.set("defaultRouteTableId", "rtb-0"+hexOf("main-rt"+r.urn, 16))
		r.set("defaultNetworkAclId", "acl-0"+hexOf("acl"+r.urn, 16))
		r.set("dhcpOptionsId", "dopt-0"+hexOf("dopt"+r.urn, 16))
		r.set("ownerId", Account)
		return id
	},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": func(m *awsModel, r *created) (id string) {
		m.mu.Lock()
		id = m.vpcDefaultSGs[str(r.inputs, "vpcId")]
		m.mu.Unlock()
		if id == "" {
			id = r.ec2ID("sg")
		}
		r.set("arn", arn("ec2", r.region, "security-group/"+id))
		r.set("name", "default")
		r.set("ownerId", Account)
		return id
	},
	"aws:ec2/securityGroup:SecurityGroup": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("sg")
		r.ensureName()
		r.set("arn", arn("ec2", r.region, "security-group/"+id))
		r.set("ownerId", Account)
		return id
	},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": securityGroupRule,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   securityGroupRule,
	"aws:ec2/subnet:Subnet": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("subnet")
		r.set("arn", arn("ec2", r.region, "subnet/"+id))
		r.set("availabilityZoneId", zoneID(str(r.inputs, "availabilityZone")))
		r.set("ownerId", Account)
		return id
	},
	"aws:ec2/internetGateway:InternetGateway": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("igw")
		r.set("arn", arn("ec2", r.region, "internet-gateway/"+id))
		r.set("ownerId", Account)
		return id
	},
	"aws:ec2/routeTable:RouteTable": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("rtb")
		r.set("arn", arn("ec2", r.region, "route-table/"+id))
		r.set("ownerId", Account)
		return id
	},
	"aws:ec2/route:Route": func(m *awsModel, r *created) (id string) {
		id = "r-" + str(r.inputs, "routeTableId") + hexOf(str(r.inputs, "destinationCidrBlock"), 8)
		r.set("state", "active")
		r.set("origin", "CreateRoute")
		return id
	},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("rtbassoc")
		return id
	},
	"aws:ec2/eip:Eip": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("eipalloc")
		ip := ipOf(r.urn)
		m.mu.Lock()
		m.eipAddresses[id] = ip
		m.mu.Unlock()
		r.set("allocationId", id)
		r.set("publicIp", ip)
		r.set("publicDns", fmt.Sprintf("ec2-%s.%s.compute.amazonaws.com", strings.ReplaceAll(ip, ".", "-"), r.region))
		r.set("arn", arn("ec2", r.region, "elastic-ip/"+id))
		return id
	},
	"aws:ec2/natGateway:NatGateway": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("nat")
		m.mu.Lock()
		r.set("publicIp", m.eipAddresses[str(r.inputs, "allocationId")])
		m.mu.Unlock()
		r.set("networkInterfaceId", "eni-0"+hexOf("eni"+r.urn, 16))
		r.set("connectivityType", "public")
		return id
	},
	"aws:ec2/vpnGateway:VpnGateway": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("vgw")
		r.set("arn", arn("ec2", r.region, "vpn-gateway/"+id))
		return id
	},
	"aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "vpnGatewayId") + "_" + str(r.inputs, "routeTableId")
		return id
	},
	"aws:ec2/customerGateway:CustomerGateway": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("cgw")
		r.set("arn", arn("ec2", r.region, "customer-gateway/"+id))
		return id
	},
	"aws:ec2/vpnConnection:VpnConnection": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("vpn")
		r.set("arn", arn("ec2", r.region, "vpn-connection/"+id))
		r.set("customerGatewayConfiguration", "<vpn_connection id=\""+id+"\">...</vpn_connection>")
		for t := 1; t <= 2; t++ {
			seed := fmt.Sprintf("tunnel%d%s", t, r.urn)
			h := sha256.Sum256([]byte(seed))
			r.set(fmt.Sprintf("tunnel%dAddress", t), ipOf(seed))
			r.set(fmt.Sprintf("tunnel%dPresharedKey", t), hexOf("psk"+seed, 32))
			r.set(fmt.Sprintf("tunnel%dInsideCidr", t), fmt.Sprintf("169.254.%d.%d/30", 10+int(h[0])%200, 4*(int(h[1])%64)))
			r.set(fmt.Sprintf("tunnel%dBgpAsn", t), "65000")
		}
		return id
	},
	"aws:ec2/vpnConnectionRoute:VpnConnectionRoute": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "destinationCidrBlock") + ":" + str(r.inputs, "vpnConnectionId")
		return id
	},
	"aws:ec2/flowLog:FlowLog": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("fl")
		r.set("arn", arn("ec2", r.region, "vpc-flow-log/"+id))
		return id
	},
	"aws:ec2/launchTemplate:LaunchTemplate": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("lt")
		r.ensureName()
		r.set("arn", arn("ec2", r.region, "launch-template/"+id))
		r.set("latestVersion", 1)
		r.set("defaultVersion", 1)
		return id
	},
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection": func(m *awsModel, r *created) (id string) {
		id = r.ec2ID("pcx")
		peer := str(r.inputs, "peerRegion")
		if peer == "" {
			peer = r.region
		}
		m.mu.Lock()
		m.peerings[id] = peeringSides{requester: r.region, accepter: peer}
		m.mu.Unlock()
		r.set("arn", arn("ec2", r.region, "vpc-peering-connection/"+id))
		r.set("acceptStatus", "pending-acceptance")
		r.set("peerOwnerId", Account)
		return id
	},
	"aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": func(m *awsModel, r *created) (id string) {
		id = str(r.inputs, "vpcPeeringConnectionId")
		r.set("acceptStatus", "active")
		r.set("peerOwnerId", Account)
		return id
	},
	"aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": func(m *awsModel, r *created) (id string) {
		return str(r.inputs, "vpcPeeringConnectionId")
	},
}

// securityGroupRule answers both rule types of the vpc module: a rule has its own id and ARN.
func securityGroupRule(m *awsModel, r *created) (id string) {
	id = r.ec2ID("sgr")
	r.set("arn", arn("ec2", r.region, "security-group-rule/"+id))
	r.set("securityGroupRuleId", id)
	return id
}
