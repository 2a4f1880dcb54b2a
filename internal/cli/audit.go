package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusteriam/clusteriam/client"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit trail"}
	cmd.AddCommand(a.auditListCmd(), a.auditTailCmd())
	return cmd
}

var auditHeader = []string{"WHEN", "USER", "ACTION", "ENTITY", "NAME", "DETAILS"}

// auditRow is entry l as a table row.
func auditRow(l client.AuditLog, now time.Time) []string {
	user := str(l.Username)
	if d := str(l.Domain); d != "" && user != "" {
		user = d + `\` + user
	}
	return []string{ago(l.TimestampUsecs/1000, now), user, l.Action, l.EntityType, str(l.EntityName), oneLine(l.Details, 60)}
}

func (a *app) auditTailCmd() *cobra.Command {
	var follow bool
	var count int64
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Show the last audit entries, oldest first; with --follow, the new ones as they come",
		Long: `Show the last audit entries, oldest first. With --follow, keep reading the trail
every --interval and show each new entry as it comes, until interrupted. With -o json
each entry is one line of JSON.`,
		Example: `  clusteriam audit tail --follow`,
		Args:    cobra.NoArgs,
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
			ctx := background(cmd)
			var since int64
			tw := a.newTail()
			for first := true; ; first = false {
				p := client.GetAuditLogsParams{Count: &count}
				if !first {
					from := since + 1
					p.StartTimeUsecs = &from
				}
				res, err := s.c.GetAuditLogsWithResponse(ctx, &p)
				if ctx.Err() != nil {
					return nil // interrupted: done
				}
				if err != nil {
					return err
				}
				logs := res.JSON200.AuditLogs // newest first
				for i := len(logs) - 1; i >= 0; i-- {
					if err := tw.entry(logs[i]); err != nil {
						return err
					}
					since = max(since, logs[i].TimestampUsecs)
				}
				if !follow {
					return nil
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
			}
		}),
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "keep showing new entries as they come")
	fl.Int64Var(&count, "count", 20, "how many of the last entries to show first, and at most at each reading")
	fl.DurationVar(&interval, "interval", 2*time.Second, "how often --follow reads the trail")
	return cmd
}

// tailWriter writes audit entries one by one, as -o says.
type tailWriter struct {
	a      *app
	header bool
}

func (a *app) newTail() *tailWriter { return &tailWriter{a: a} }

func (w *tailWriter) entry(l client.AuditLog) error {
	switch w.a.output {
	case "json":
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w.a.env.Stdout, "%s\n", b)
		return err
	case "table", "":
		// Fixed widths: a stream cannot be aligned on what comes later.
		const line = "%-10s %-24s %-16s %-12s %-28s %s\n"
		if !w.header {
			w.header = true
			fmt.Fprintf(w.a.env.Stdout, line, toAny(auditHeader)...)
		}
		_, err := fmt.Fprintf(w.a.env.Stdout, line, toAny(auditRow(l, time.Now()))...)
		return err
	}
	return usageErr("-o %q: audit tail prints table or json", w.a.output)
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
		RunE: a.withSession(func(cmd *cobra.Command, s *session, _ []string) error {
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
			logs := res.JSON200.AuditLogs
			return a.print(res.JSON200, auditHeader, func() [][]string {
				now := time.Now()
				rows := make([][]string, 0, len(logs))
				for _, l := range logs {
					rows = append(rows, auditRow(l, now))
				}
				return rows
			})
		}),
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

func toAny(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}
