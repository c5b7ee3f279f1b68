package awscheck

import (
	"context"
	"fmt"
)

// SecretReplica is one region's replica of a Secrets Manager secret, as DescribeSecret on the
// primary reports it (ReplicationStatus): Status is InSync, InProgress or Failed.
type SecretReplica struct {
	Region        string `json:"Region"`
	KmsKeyID      string `json:"KmsKeyId"`
	Status        string `json:"Status"`
	StatusMessage string `json:"StatusMessage"`
}

// Secret is what DescribeSecret says about a secret: on the primary its replicas; on a replica
// (called in the replica's region) the primary's region and no replicas.
type Secret struct {
	ARN               string          `json:"ARN"`
	Name              string          `json:"Name"`
	PrimaryRegion     string          `json:"PrimaryRegion"`
	ReplicationStatus []SecretReplica `json:"ReplicationStatus"`
}

// DescribeSecret reads a secret in a region (secretsmanager:DescribeSecret; no secret value).
func DescribeSecret(ctx context.Context, env Env, region, id string) (Secret, error) {
	var s Secret
	err := JSON(ctx, env, region, "secretsmanager", "secretsmanager.DescribeSecret", map[string]string{"SecretId": id}, &s)
	if err != nil {
		return s, fmt.Errorf("secretsmanager:DescribeSecret %s in %s: %w", id, region, err)
	}
	return s, nil
}
