package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/program"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

func newSynth(g *globalFlags) *cobra.Command {
	sel := &stackSelection{}
	var out string
	cmd := &cobra.Command{
		Use:   "synth [--stack S | --all | --env E --region C] [--out DIR]",
		Short: "Run the program offline under mocks and write each stack's resource graph as DIR/<stack>.json",
		Long: "synth runs the same program as `pulumi up` under Pulumi mocks that answer like AWS, with no cloud\n" +
			"account, and writes the resources, their inputs and options, and the stack outputs as JSON.\n" +
			"Stacks are synthesized in dependency order; each StackReference receives the outputs the\n" +
			"referenced stack's synth produced. Secrets appear as \"[secret]\". The output is deterministic.\n" +
			"Resources that remote components (pulumi-eks) create are listed too, marked \"modelled\". Every graph\n" +
			"then goes through the deploy-order audit (references by name carry dependencies, pods wait for\n" +
			"nodes, nothing declared twice); a violation fails synth.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fleet, names, err := loadSelected(g.dir, sel)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			start := time.Now()
			// The fleet is loaded and validated once, here; every stack's run shares it.
			results, err := synth.Fleet(program.New(program.Options{Dir: g.dir, Fleet: fleet}), fleet, names)
			if err != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("synth: %w", err)}
			}
			// Audit and encode the graphs in parallel; write the files and the table in name order.
			checked := make([]checkedGraph, len(names))
			eachParallel(len(names), func(i int) { checked[i] = auditGraph(names[i], results[names[i]].Graph) })
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "STACK\tRESOURCES\tMODELLED\tOUTPUTS\tFILE")
			var violations []string
			for i, name := range names {
				c, r := checked[i], results[name]
				violations = append(violations, c.violations...)
				if c.err != nil {
					return c.err
				}
				path := filepath.Join(out, name+".json")
				if err := os.WriteFile(path, c.data, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", name, len(r.Graph.Resources)-c.modelled, c.modelled, len(r.Graph.Outputs), path)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if sel.All {
				if err := removeStaleGraphs(cmd.ErrOrStderr(), out, names); err != nil {
					return err
				}
			}
			if len(violations) > 0 {
				return &exitError{code: exitFailed, err: fmt.Errorf("deploy-order audit: %d violation(s); a real deploy would fail:\n%s",
					len(violations), strings.Join(violations, "\n"))}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "synthesized %d stack(s) in %s\n", len(names), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	sel.register(cmd)
	cmd.Flags().StringVarP(&out, "out", "o", "synth.out", "directory for the <stack>.json graphs")
	return cmd
}

// checkedGraph is a synthesized graph audited and encoded for its file.
type checkedGraph struct {
	violations []string // "<stack>: <violation>"
	modelled   int      // resources a remote component creates
	data       []byte
	err        error
}

func auditGraph(name string, g *synth.Graph) checkedGraph {
	var c checkedGraph
	for _, v := range synth.Audit(g) {
		c.violations = append(c.violations, name+": "+v.String())
	}
	for _, res := range g.Resources {
		if res.Modelled {
			c.modelled++
		}
	}
	c.data, c.err = g.Marshal()
	return c
}

// eachParallel runs f(0) ... f(n-1) on up to one goroutine per CPU and returns when all are done.
func eachParallel(n int, f func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(n, runtime.NumCPU()); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// removeStaleGraphs deletes, after synth --all, the graphs in out of stacks that no longer exist
// (a removed or renamed stack): a directory of graphs then shows exactly the fleet. Only files
// that are graphs (a JSON object naming the project and a stack) are touched.
func removeStaleGraphs(w io.Writer, out string, names []string) error {
	keep := map[string]bool{}
	for _, n := range names {
		keep[n+".json"] = true
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") || keep[e.Name()] {
			continue
		}
		path := filepath.Join(out, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var head struct {
			Project string `json:"project"`
			Stack   string `json:"stack"`
		}
		if json.Unmarshal(data, &head) != nil || head.Project != config.Project || head.Stack == "" {
			continue
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		fmt.Fprintf(w, "removed %s: stack %s is no longer in the fleet\n", path, head.Stack)
	}
	return nil
}
