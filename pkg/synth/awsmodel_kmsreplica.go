package synth

import "strings"

// A multi-Region replica key shares its primary's key id (AWS KMS Developer Guide, "Multi-Region
// key identifiers": the same mrk- id in every region); its ARN names its own region.
func init() {
	register(map[string]modelFunc{
		"aws:kms/replicaKey:ReplicaKey": func(m *awsModel, r *created) (id string) {
			primary := str(r.inputs, "primaryKeyArn")
			id = primary[strings.LastIndex(primary, "/")+1:]
			r.set("keyId", id)
			r.set("arn", arn("kms", r.region, "key/"+id))
			r.set("keyUsage", "ENCRYPT_DECRYPT")
			return id
		},
	})
}
