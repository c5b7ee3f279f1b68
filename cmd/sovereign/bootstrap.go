package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/components/statebackend"
	"github.com/global-sovereign/global-sovereign/pkg/bootstrap"
	"github.com/global-sovereign/global-sovereign/pkg/orchestrate/autoengine"
)

func newBootstrap(g *globalFlags) *cobra.Command {
	var o bootstrap.Overrides
	var pulumiRoot string
	cmd := &cobra.Command{
		Use:   "bootstrap [--region R] [--bucket B]",
		Short: "Create the S3 state backend, the stack secrets key and the GitHub Actions roles, then move the bootstrap's own state into that bucket",
		Long: "bootstrap reads bootstrap.yaml and runs its own Pulumi program (components/statebackend) in the\n" +
			"account: the state bucket (versioned, SSE-KMS, private, TLS only, replicated to replicaRegion), the\n" +
			"multi-Region KMS key of the stacks' awskms:// secrets provider, GitHub's OIDC provider (adopted when the\n" +
			"account has it) and the preview, drift and deploy roles. The bucket cannot hold the state of its own creation, so the program first runs against a\n" +
			"local file:// backend under .sovereign/bootstrap; once it succeeds, its state is re-encrypted with the\n" +
			"new key, moved into the bucket and removed locally. Running it again is a no-op (an up against the\n" +
			"bucket); an interrupted run is resumed. It prints the backend URL and the repository variables to set.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := filepath.Abs(g.dir)
			if err != nil {
				return err
			}
			c, err := bootstrap.Load(dir, o)
			if err != nil {
				return configError(fmt.Errorf("%w\nbootstrap creates nothing until %s is valid", err, bootstrap.FileName))
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			if c.GitHub.OIDCProviderArn == "" {
				arn := bootstrap.OIDCProviderArn(c.AccountID)
				exists, err := oidcProviderExists(ctx, arn)
				if err != nil {
					return &exitError{code: exitFailed, err: fmt.Errorf("asking IAM whether %s exists: %w", arn, err)}
				}
				if exists {
					c.AdoptOIDCProvider = true
					fmt.Fprintf(cmd.ErrOrStderr(), "the account has GitHub's OIDC provider already (%s): adopting it (imported, never deleted)\n", arn)
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "bootstrap of %s in account %s (%s, replica in %s)\n", c.BackendURL(), c.AccountID, c.Region, c.ReplicaRegion)
			res, err := runBootstrap(ctx, bootstrapOptions(dir, c, pulumiRoot, cmd))
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			outputs := map[string]string{}
			for k, v := range res.Outputs {
				outputs[k] = fmt.Sprint(v.Value)
			}
			switch res.Path {
			case autoengine.AlreadyThere:
				fmt.Fprintf(out, "The bootstrap's state was already in %s; ", outputs[bootstrap.OutputBackendURL])
			case autoengine.Resumed:
				fmt.Fprintf(out, "Resumed an interrupted bootstrap: its state moved into %s; ", outputs[bootstrap.OutputBackendURL])
			default:
				fmt.Fprintf(out, "Created the state backend and moved the bootstrap's own state into it; ")
			}
			if n := res.Changes.Changed(); n == 0 {
				fmt.Fprintf(out, "%d resources, nothing left to change.\n", res.Resources)
			} else {
				fmt.Fprintf(out, "%d resources, %d changed.\n", res.Resources, n)
			}
			for _, note := range res.Notes {
				fmt.Fprintf(out, "Note: %s.\n", note)
			}
			if got := outputs[bootstrap.OutputBackendURL]; got != c.BackendURL() {
				fmt.Fprintf(out, "Warning: the stack reports the backend %s, the config %s.\n", got, c.BackendURL())
			}
			if hint := overrideHint(dir, c, o); hint != "" {
				fmt.Fprintln(out, hint)
			}
			fmt.Fprint(out, "\n"+bootstrap.NextSteps(c, outputs))
			return setSubjectTemplate(ctx, c, out)
		},
	}
	cmd.Flags().StringVar(&o.Region, "region", "", "region of the state bucket and the secrets key (default: bootstrap.yaml's region)")
	cmd.Flags().StringVar(&o.Bucket, "bucket", "", "name of the state bucket (default: bootstrap.yaml's bucket, or <namePrefix>-pulumi-state-<accountId>-<region>)")
	cmd.Flags().StringVar(&pulumiRoot, "pulumi-root", os.Getenv("SOVEREIGN_PULUMI_ROOT"),
		"directory with bin/pulumi to use instead of the pulumi on PATH (env SOVEREIGN_PULUMI_ROOT)")
	return cmd
}

// runBootstrap is the Automation API driver; tests of the command put a fake in its place.
var runBootstrap = autoengine.Bootstrap

// oidcProviderExists asks IAM, with the caller's credentials, whether the account has the
// provider; tests put a fake in its place.
var oidcProviderExists = func(ctx context.Context, arn string) (bool, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return false, err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return false, err
	}
	return bootstrap.OIDCProviderExists(ctx, nil, creds, os.Getenv("SOVEREIGN_IAM_ENDPOINT"), arn)
}

// githubAPI is GitHub's REST API with the token of GITHUB_TOKEN (or GH_TOKEN); its base is
// SOVEREIGN_GITHUB_API when set (tests: a fake GitHub).
func githubAPI() (bootstrap.GitHubAPI, bool) {
	token := os.Getenv("GITHUB_TOKEN")
	if token == "" {
		token = os.Getenv("GH_TOKEN")
	}
	return bootstrap.GitHubAPI{Base: os.Getenv("SOVEREIGN_GITHUB_API"), Token: token}, token != ""
}

// setSubjectTemplate sets the repository's OIDC subject template the roles' trust expects, when
// a token is given; otherwise NextSteps has printed the command.
func setSubjectTemplate(ctx context.Context, c *bootstrap.Config, out io.Writer) error {
	api, ok := githubAPI()
	if !ok {
		fmt.Fprintf(out, "No GITHUB_TOKEN: set the OIDC subject template yourself (above), or run bootstrap again with a repository admin's token.\n")
		return nil
	}
	if err := api.SetSubjectTemplate(ctx, c.GitHub.Repository); err != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("setting the OIDC subject template of %s: %w\nrun: %s",
			c.GitHub.Repository, err, bootstrap.SubjectTemplateCommand(c.GitHub.Repository))}
	}
	fmt.Fprintf(out, "Set the OIDC subject template of %s to %v.\n", c.GitHub.Repository, bootstrap.SubjectClaimKeys)
	return nil
}

// bootstrapOptions: the program runs first on a file backend under .sovereign/bootstrap (git
// ignores it) with an empty passphrase (the bootstrap's state holds no secret, and its secrets
// manager becomes the new KMS key before the state leaves the machine), then moves into the
// bucket under the awskms:// provider every stack uses.
func bootstrapOptions(dir string, c *bootstrap.Config, pulumiRoot string, cmd *cobra.Command) autoengine.BootstrapOptions {
	var plugins []autoengine.Plugin
	for _, p := range pluginsOfThisBuild() {
		if p.Name == "aws" {
			plugins = append(plugins, p)
		}
	}
	base := filepath.Join(dir, ".sovereign", "bootstrap")
	return autoengine.BootstrapOptions{
		Project:    bootstrap.Project,
		Stack:      bootstrap.Stack,
		Program:    statebackend.Program(c),
		PulumiRoot: pulumiRoot,
		WorkDir:    filepath.Join(base, "work"),
		Env:        map[string]string{"PULUMI_SKIP_UPDATE_CHECK": "true"},
		Local: autoengine.Backend{
			URL:             "file://" + filepath.Join(base, "state"),
			SecretsProvider: "passphrase",
			Env:             map[string]string{"PULUMI_CONFIG_PASSPHRASE": ""},
		},
		Target:                  autoengine.Backend{URL: c.BackendURL(), SecretsProvider: c.SecretsProvider()},
		DisableDefaultProviders: []string{"aws"},
		Plugins:                 plugins,
		Output:                  cmd.ErrOrStderr(),
	}
}

// overrideHint asks for the command line's values to be written into bootstrap.yaml: `sovereign
// up` takes the secrets provider of new stacks from that file.
func overrideHint(dir string, c *bootstrap.Config, o bootstrap.Overrides) string {
	if o.Region == "" && o.Bucket == "" {
		return ""
	}
	file, err := bootstrap.Load(dir, bootstrap.Overrides{})
	if err != nil || file.BackendURL() == c.BackendURL() {
		return ""
	}
	var set []string
	if o.Region != "" {
		set = append(set, "region: "+c.Region)
	}
	if o.Bucket != "" {
		set = append(set, "bucket: "+c.Bucket)
	}
	return fmt.Sprintf("Write %s into %s and commit it: `sovereign up` gives new stacks on %s the secrets provider of that file.",
		strings.Join(set, " and "), bootstrap.FileName, c.BackendURL())
}

// secretsProviderFor gives stacks that up creates on the bootstrap's S3 backend its KMS key
// (awskms://alias/<secretsKeyAlias>?region=<region>); other backends keep their default.
func secretsProviderFor(dir string) func(string) (string, error) {
	return func(backendURL string) (string, error) {
		if !strings.HasPrefix(backendURL, "s3://") {
			return "", nil
		}
		c, err := bootstrap.Load(dir, bootstrap.Overrides{})
		if err != nil {
			return "", configError(fmt.Errorf("%w\nnew stacks on %s get the secrets key of %s, which is not valid: fix it or pass --secrets-provider",
				err, backendURL, bootstrap.FileName))
		}
		bucket := strings.SplitN(strings.TrimPrefix(backendURL, "s3://"), "?", 2)[0]
		bucket = strings.SplitN(bucket, "/", 2)[0]
		if bucket != c.Bucket {
			return "", configError(fmt.Errorf("the backend's bucket %s is not %s's (%s): set bucket and region there as bootstrap used them, or pass --secrets-provider",
				bucket, bootstrap.FileName, c.Bucket))
		}
		return c.SecretsProvider(), nil
	}
}
