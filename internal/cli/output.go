package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"
)

// print writes v, the API's model, as a's -o asks: json and yaml print it
// whole, for scripts; table prints the rows rows gives, under header.
func (a *app) print(v any, header []string, rows func() [][]string) error {
	switch a.output {
	case "json":
		enc := json.NewEncoder(a.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		// Through JSON, so that yaml shows the API's field names.
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			return err
		}
		out, err := yaml.Marshal(doc)
		if err != nil {
			return err
		}
		_, err = a.env.Stdout.Write(out)
		return err
	case "table", "":
		return writeTable(a.env.Stdout, header, rows())
	}
	return usageErr("-o %q: want table, json or yaml", a.output)
}

// writeTable writes aligned columns.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// ago says how long before now msecs was, for tables: "never" for 0.
func ago(msecs int64, now time.Time) string {
	if msecs <= 0 {
		return "never"
	}
	d := now.Sub(time.UnixMilli(msecs))
	switch {
	case d < 0:
		return "in " + round(-d)
	case d < time.Minute:
		return "just now"
	}
	return round(d) + " ago"
}

// round says d in its largest whole unit: 5m, 3h, 2d.
func round(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func msecs(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func yesNo(p *bool) string {
	if p != nil && *p {
		return "yes"
	}
	return "no"
}

// nonEmpty is v for an optional field: nil when empty.
func nonEmpty(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
