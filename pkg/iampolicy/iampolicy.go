// Package iampolicy builds IAM and KMS policy documents as typed values, so that a policy is
// checked by the compiler and rendered as deterministic JSON, rather than assembled from strings.
package iampolicy

import "encoding/json"

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document. Principal is nil for identity policies.
type Statement struct {
	Sid       string                       `json:"Sid,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string][]string          `json:"Principal,omitempty"`
	Action    []string                     `json:"Action"`
	Resource  []string                     `json:"Resource,omitempty"` // omitted in trust policies
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// New returns a document with the current policy language version.
func New(statements ...Statement) Document {
	return Document{Version: "2012-10-17", Statement: statements}
}

// Allow is an Allow statement.
func Allow(sid string, actions, resources []string) Statement {
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
}

// ForService sets a service principal (e.g. logs.eu-west-1.amazonaws.com).
func (s Statement) ForService(service string) Statement {
	s.Principal = map[string][]string{"Service": {service}}
	return s
}

// ForAWS sets an AWS principal (an account root or role ARN).
func (s Statement) ForAWS(arn string) Statement {
	s.Principal = map[string][]string{"AWS": {arn}}
	return s
}

// When adds a condition, e.g. When("StringEquals", "aws:SourceAccount", "123456789012").
func (s Statement) When(operator, key, value string) Statement {
	c := map[string]map[string]string{}
	for op, kv := range s.Condition {
		c[op] = map[string]string{}
		for k, v := range kv {
			c[op][k] = v
		}
	}
	if c[operator] == nil {
		c[operator] = map[string]string{}
	}
	c[operator][key] = value
	s.Condition = c
	return s
}

// JSON renders the document. encoding/json sorts map keys, so the output is deterministic.
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // only strings and maps of strings: cannot fail
	}
	return string(b)
}
