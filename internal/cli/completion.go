package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

// completers are the kinds of name the shell completes from the server,
// by the placeholder a command's Use gives its argument (USER, GROUP,
// ROLE) or by the flag's name.
func (a *app) completers() map[string]func(cmd *cobra.Command, s *session, prefix string) []string {
	return map[string]func(cmd *cobra.Command, s *session, prefix string) []string{
		"USER": func(cmd *cobra.Command, s *session, prefix string) []string {
			if prefix == "" {
				return nil // a cluster may hold a million: wait for a letter
			}
			partial := true
			res, err := s.c.GetUsersWithResponse(background(cmd), &client.GetUsersParams{Usernames: &[]string{prefix}, MatchPartialNames: &partial})
			if err != nil {
				return nil
			}
			var names []string
			for _, u := range res.JSON200.Users {
				names = append(names, str(u.Username))
			}
			return names
		},
		"GROUP": func(cmd *cobra.Command, s *session, _ string) []string {
			res, err := s.c.GetGroupsWithResponse(background(cmd), &client.GetGroupsParams{})
			if err != nil {
				return nil
			}
			var names []string
			for _, g := range res.JSON200.Groups {
				names = append(names, g.Name)
			}
			return names
		},
		"ROLE": func(cmd *cobra.Command, s *session, _ string) []string {
			roles, err := s.getRoles(cmd, nil)
			if err != nil {
				return nil
			}
			var names []string
			for _, r := range roles {
				names = append(names, r.Name)
			}
			return names
		},
		"PRIVILEGE": func(cmd *cobra.Command, s *session, _ string) []string {
			res, err := s.c.GetPrivilegesWithResponse(background(cmd), &client.GetPrivilegesParams{})
			if err != nil {
				return nil
			}
			var names []string
			for _, p := range res.JSON200.Privileges {
				names = append(names, p.Name)
			}
			return names
		},
	}
}

// flagKinds names the kind of the flags whose values are names.
var flagKinds = map[string]string{
	"user": "USER", "role": "ROLE",
	"privilege": "PRIVILEGE", "add-privilege": "PRIVILEGE", "remove-privilege": "PRIVILEGE",
}

// addCompletion gives every command under root completion of its
// arguments and flags from the server, where they name users, groups,
// roles or privileges.
func (a *app) addCompletion(root *cobra.Command) {
	kinds := a.completers()
	for _, cmd := range root.Commands() {
		a.addCompletion(cmd)
		if cmd.ValidArgsFunction == nil {
			if places := placeholders(cmd.Use); len(places) > 0 {
				cmd.ValidArgsFunction = func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
					place := places[min(len(args), len(places)-1)]
					if !strings.HasSuffix(place, "...") && len(args) >= len(places) {
						return nil, cobra.ShellCompDirectiveNoFileComp
					}
					return a.completeNames(cmd, kinds[strings.TrimSuffix(place, "...")], prefix)
				}
			}
		}
		for flag, kind := range flagKinds {
			if cmd.Flags().Lookup(flag) != nil {
				_ = cmd.RegisterFlagCompletionFunc(flag, func(cmd *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
					// A list flag takes "A,B,C": complete after the last comma.
					done, last := "", prefix
					if i := strings.LastIndex(prefix, ","); i >= 0 {
						done, last = prefix[:i+1], prefix[i+1:]
					}
					names, dir := a.completeNames(cmd, kinds[kind], last)
					for i := range names {
						names[i] = done + names[i]
					}
					return names, dir
				})
			}
		}
	}
}

// completeNames are the names fn finds that start with prefix.
func (a *app) completeNames(cmd *cobra.Command, fn func(*cobra.Command, *session, string) []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if fn == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	s, err := a.session()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range fn(cmd, s, prefix) {
		if strings.HasPrefix(strings.ToLower(n), strings.ToLower(prefix)) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// placeholders are the arguments of use, "get USER" or "add-member GROUP
// USER...", without brackets and flags.
func placeholders(use string) []string {
	var out []string
	for _, f := range strings.Fields(use)[1:] {
		if strings.HasPrefix(f, "-") || strings.HasPrefix(f, "(") {
			break
		}
		out = append(out, strings.Trim(f, "[]"))
	}
	return out
}
