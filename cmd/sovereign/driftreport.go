package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/drift"
)

func newDriftReport() *cobra.Command {
	var summary, out, runURL, at string
	cmd := &cobra.Command{
		Use:   "drift-report --summary FILE --out FILE [--run-url URL]",
		Short: "Render the drift issue from the JSON of `sovereign refresh --all --preview-only --json`",
		Long: "drift-report reads the summary of a preview-only refresh, writes the body of the drift issue\n" +
			"(.github/workflows/drift.yml opens, updates or closes one issue with it) and prints\n" +
			"state=clean|drift|incomplete for $GITHUB_OUTPUT: clean closes the issue, the others open or update it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if summary == "" || out == "" {
				return configError(fmt.Errorf("give --summary and --out"))
			}
			f, err := os.Open(summary)
			if err != nil {
				return configError(err)
			}
			defer f.Close()
			s, err := drift.Read(f)
			if err != nil {
				return configError(err)
			}
			when := time.Now()
			if at != "" {
				if when, err = time.Parse(time.RFC3339, at); err != nil {
					return configError(fmt.Errorf("--checked-at: %w", err))
				}
			}
			if err := os.WriteFile(out, []byte(drift.IssueBody(s, drift.Run{At: when, URL: runURL})), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "state=%s\n", drift.Assess(s))
			return nil
		},
	}
	cmd.Flags().StringVar(&summary, "summary", "", "the JSON summary of sovereign refresh --preview-only --json")
	cmd.Flags().StringVar(&out, "out", "", "where to write the issue body (markdown)")
	cmd.Flags().StringVar(&runURL, "run-url", "", "the workflow run, linked from the issue")
	cmd.Flags().StringVar(&at, "checked-at", "", "when the check ran, RFC 3339 (default now)")
	return cmd
}
