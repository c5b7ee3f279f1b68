// Command global-sovereign is the Pulumi program of the project; `pulumi up -s <stack>` runs it.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/global-sovereign/global-sovereign/pkg/program"
)

func main() {
	pulumi.Run(program.New(program.Options{Dir: ".", CheckDeployer: true}))
}
