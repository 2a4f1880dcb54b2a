package cli

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
)

// contextsCmd is `clusteriam contexts`: the servers login made contexts
// of, in the CLI's own file; it asks no server anything.
func (a *app) contextsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contexts",
		Short: "List the servers you logged in to, and choose the current one",
		Example: `  clusteriam contexts list
  clusteriam contexts use prod`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "list",
		Short:   "List the contexts; * marks the current one",
		Example: "  clusteriam contexts list\n  clusteriam contexts list -o yaml   # the file's contents, without session ids",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := a.config()
			if err != nil {
				return err
			}
			shown := make([]Context, 0, len(cfg.Contexts))
			for _, x := range cfg.Contexts {
				c := *x
				c.SessionID = "" // a secret, and a script has no use for it
				shown = append(shown, c)
			}
			return a.print(shown, []string{"CURRENT", "NAME", "SERVER", "USER", "LOGGED IN"}, func() [][]string {
				rows := make([][]string, 0, len(cfg.Contexts))
				for _, x := range cfg.Contexts {
					cur := ""
					if x.Name == cfg.Current {
						cur = "*"
					}
					in := x.SessionID != ""
					rows = append(rows, []string{cur, x.Name, x.Server, x.Domain + `\` + x.Username, yesNo(&in)})
				}
				return rows
			})
		},
	}, a.contextEditCmd("use", "Make a context the current one", "Now using context %s.\n", func(cfg *Config, name string) {
		cfg.Current = name
	}), a.contextEditCmd("delete", "Forget a context (log out first to end its session)", "Forgot context %s.\n", func(cfg *Config, name string) {
		cfg.Contexts = slices.DeleteFunc(cfg.Contexts, func(x *Context) bool { return x.Name == name })
		if cfg.Current == name {
			cfg.Current = ""
		}
	}))
	return cmd
}

// contextEditCmd is a verb that changes the file for context NAME.
func (a *app) contextEditCmd(verb, short, done string, edit func(cfg *Config, name string)) *cobra.Command {
	return &cobra.Command{
		Use:     verb + " NAME",
		Short:   short,
		Example: "  clusteriam contexts " + verb + " prod",
		Args:    exactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			cfg, _, err := a.config()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			for _, x := range cfg.Contexts {
				names = append(names, x.Name)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, path, err := a.config()
			if err != nil {
				return err
			}
			if cfg.context(args[0]) == nil {
				return fmt.Errorf("no context %q: `clusteriam contexts list` shows them", args[0])
			}
			edit(cfg, args[0])
			if err := cfg.save(path); err != nil {
				return err
			}
			fmt.Fprintf(a.env.Stdout, done, args[0])
			return nil
		},
	}
}
