package cli

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit trail"}
	cmd.AddCommand(a.auditListCmd())
	return cmd
}

func (a *app) auditListCmd() *cobra.Command {
	var users, actions []string
	var search string
	var since time.Duration
	var count int64
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, newest first, filtered as get_audit_logs filters them",
		Example: `  clusteriam audit list --since 24h
  clusteriam audit list --user alice --action Login -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.session()
			if err != nil {
				return err
			}
			p := client.GetAuditLogsParams{Count: &count}
			setList(&p.Usernames, users)
			setList(&p.Actions, actions)
			if search != "" {
				p.SearchString = &search
			}
			if since > 0 {
				from := time.Now().Add(-since).UnixMicro()
				p.StartTimeUsecs = &from
			}
			res, err := s.c.GetAuditLogsWithResponse(background(cmd), &p)
			if err != nil {
				return err
			}
			if err := check(res.HTTPResponse, res.Body); err != nil {
				return err
			}
			logs := res.JSON200.AuditLogs
			return a.print(res.JSON200, []string{"WHEN", "USER", "ACTION", "ENTITY", "NAME", "DETAILS"}, func() [][]string {
				now := time.Now()
				rows := make([][]string, 0, len(logs))
				for _, l := range logs {
					user := str(l.Username)
					if d := str(l.Domain); d != "" && user != "" {
						user = d + `\` + user
					}
					rows = append(rows, []string{ago(l.TimestampUsecs/1000, now), user, l.Action, l.EntityType,
						str(l.EntityName), oneLine(l.Details, 60)})
				}
				return rows
			})
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&users, "user", nil, "only entries of these users")
	fl.StringSliceVar(&actions, "action", nil, "only these actions (e.g. Login, Create; see get_audit_logs_actions)")
	fl.StringVar(&search, "search", "", "only entries whose name or details hold this")
	fl.DurationVar(&since, "since", 0, "only entries of the last DURATION, e.g. 24h")
	fl.Int64Var(&count, "count", 50, "at most this many entries")
	return cmd
}

// oneLine cuts s to n characters on one line, for tables.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
