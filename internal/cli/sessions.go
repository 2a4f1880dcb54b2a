package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) sessionsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sessions", Short: "Count and end users' sessions and access tokens"}
	var domain string
	list := &cobra.Command{
		Use:     "list [USER...]",
		Short:   "Count the live sessions of users (all by default)",
		Example: "  clusteriam sessions list\n  clusteriam sessions list alice bob",
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			p := client.GetActiveSessionsCountParams{}
			var sids []string
			for _, u := range args {
				sid, err := s.resolveUser(cmd, u, domain)
				if err != nil {
					return err
				}
				sids = append(sids, sid)
			}
			setList(&p.Sids, sids)
			res, err := s.c.GetActiveSessionsCountWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			counts := res.JSON200.SessionsPerUser
			return a.print(res.JSON200, []string{"SID", "SESSIONS"}, func() [][]string {
				rows := make([][]string, 0, len(counts)+1)
				for _, c := range counts {
					rows = append(rows, []string{c.Sid, fmt.Sprint(c.SessionsCount)})
				}
				return append(rows, []string{"total", fmt.Sprint(res.JSON200.TotalSessionsCount)})
			})
		}),
	}
	list.Flags().StringVar(&domain, "domain", "LOCAL", "the users' domain, when USER is a name")
	end := &cobra.Command{
		Use:     "end USER",
		Short:   "End every session and access token of USER",
		Example: "  clusteriam sessions end alice",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withUser(cmd, args[0], domain, func(s *session, sid string) error {
				_, err := s.c.DeleteSessionWithResponse(background(cmd), &client.DeleteSessionParams{Sid: &sid})
				if err != nil {
					return err
				}
				fmt.Fprintf(a.env.Stdout, "Ended the sessions of %s.\n", args[0])
				return nil
			})
		},
	}
	end.Flags().StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	cmd.AddCommand(list, end)
	return cmd
}

func (a *app) s3KeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "s3-key", Short: "Regenerate users' S3 secret keys"}
	var domain string
	regen := &cobra.Command{
		Use:     "regenerate [USER]",
		Short:   "Give USER (yourself by default) a new S3 secret key; it is shown once",
		Example: "  clusteriam s3-key regenerate\n  clusteriam s3-key regenerate alice -o json",
		Args:    cobra.MaximumNArgs(1),
		RunE: a.withSession(func(cmd *cobra.Command, s *session, args []string) error {
			sid, err := a.keyOwner(cmd, s, args, domain)
			if err != nil {
				return err
			}
			res, err := s.c.RegenerateS3KeyWithResponse(background(cmd), sid)
			if err != nil {
				return err
			}
			k := res.JSON201
			return a.print(k, []string{"S3 SECRET KEY (shown once)"}, func() [][]string { return [][]string{{str(k.SecretKey)}} })
		}),
	}
	regen.Flags().StringVar(&domain, "domain", "LOCAL", "the user's domain, when USER is a name")
	cmd.AddCommand(regen)
	return cmd
}
