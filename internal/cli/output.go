package cli

import (
	"bytes"
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
		enc.SetEscapeHTML(false) // an otpauth:// URI keeps its &
		return enc.Encode(v)
	case "yaml":
		// Through JSON, so that yaml shows the API's field names.
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber() // 1796038890088, not 1.796038890088e+12
		var doc any
		if err := dec.Decode(&doc); err != nil {
			return err
		}
		out, err := yaml.Marshal(numbers(doc))
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

// numbers turns the json.Numbers in v into int64 or float64, which yaml
// writes as numbers.
func numbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = numbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbers(x)
		}
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	}
	return v
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
