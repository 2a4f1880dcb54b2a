package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// --plot draws the scaling curve, every figure measured at several
// sizes, as log-log panels in a PNG, and writes beside it a table of the
// figures with their growth exponent between the two largest sizes.

// curve is one figure of the scaling curve: its value at each size.
type curve struct {
	figure, unit string
	sizes        []int
	values       []float64
}

// curves gathers the sized figures of rows, in their first order.
func curves(rows []row) []curve {
	var out []curve
	at := map[string]int{}
	for _, r := range rows {
		if r.Figure == "" || r.Size <= 0 {
			continue
		}
		key := r.Figure + " [" + r.Load + "]"
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, curve{figure: r.Figure, unit: r.Unit})
		}
		out[i].sizes = append(out[i].sizes, r.Size)
		out[i].values = append(out[i].values, r.Value)
	}
	return out
}

// perRequestCost tells whether a curve's value is a cost of one request
// that should grow no faster than log n (a lookup, a first byte), rather
// than something that grows with n by its nature (a list of a share of
// all users, the memory holding them).
func (c curve) perRequestCost() bool {
	for _, linear := range []string{"role held by 1%", "all users: total", "VmHWM", "RSS at rest",
		"a role every user holds", "partial username of one character"} {
		if strings.Contains(c.figure, linear) {
			return false
		}
	}
	return true
}

// exponent is the slope of the curve in log-log between its two largest
// sizes, as a cost: a throughput's is negated, so that for every curve
// a larger exponent means a dearer request. ok is false with fewer than
// two sizes or a value that is not positive.
func (c curve) exponent() (k float64, ok bool) {
	n := len(c.sizes)
	if n < 2 || c.values[n-1] <= 0 || c.values[n-2] <= 0 {
		return 0, false
	}
	k = math.Log(c.values[n-1]/c.values[n-2]) / math.Log(float64(c.sizes[n-1])/float64(c.sizes[n-2]))
	if strings.HasSuffix(c.unit, "/s") {
		k = -k
	}
	return k, true
}

// verdict says whether the curve grows faster than it should between its
// two largest sizes: more than log n (plus 0.1 of noise) for the cost of
// a request, more than n (plus 0.1) for the others.
func (c curve) verdict() string {
	k, ok := c.exponent()
	if !ok {
		return ""
	}
	n1, n2 := float64(c.sizes[len(c.sizes)-2]), float64(c.sizes[len(c.sizes)-1])
	if c.perRequestCost() {
		if logK := math.Log(math.Log(n2)/math.Log(n1)) / math.Log(n2/n1); k > logK+0.1 {
			return "**worse than O(log n)**"
		}
		return "O(log n) or better"
	}
	if k > 1.1 {
		return "**worse than O(n)**"
	}
	return "O(n) or better (grows with the answer)"
}

// tableMD writes the curves as a Markdown table, one column per size.
func tableMD(rep report, cs []curve) string {
	var sizes []int
	for _, c := range cs {
		for _, n := range c.sizes {
			if !slices.Contains(sizes, n) {
				sizes = append(sizes, n)
			}
		}
	}
	slices.Sort(sizes)
	var b strings.Builder
	fmt.Fprintf(&b, "# clusteriam-bench: the scaling curve, %s\n\n%s store, %d CPUs, load %s, %s.\n\n",
		rep.Store,
		rep.Store, rep.CPUs, cmp.Or(rep.Load, "go"), rep.Date)
	b.WriteString("The exponent is the slope in log-log between the two largest sizes, of the cost (a throughput's is negated).\n\n")
	b.WriteString("| figure | unit |")
	for _, n := range sizes {
		fmt.Fprintf(&b, " %s |", sizeName(n))
	}
	b.WriteString(" exponent | growth |\n|---|---|" + strings.Repeat("---|", len(sizes)) + "---|---|\n")
	for _, c := range cs {
		fmt.Fprintf(&b, "| %s | %s |", c.figure, c.unit)
		for _, n := range sizes {
			if i := slices.Index(c.sizes, n); i >= 0 {
				fmt.Fprintf(&b, " %s |", fmtValue(c.values[i]))
			} else {
				b.WriteString(" |")
			}
		}
		k, ok := c.exponent()
		if ok {
			fmt.Fprintf(&b, " %.2f | %s |\n", k, c.verdict())
		} else {
			b.WriteString(" | |\n")
		}
	}
	return b.String()
}

// fmtValue writes v with three significant digits, no exponent.
func fmtValue(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// panels sorts the curves into the plot's panels by what they measure.
func panels(cs []curve) []struct {
	title  string
	curves []curve
} {
	ps := []struct {
		title  string
		curves []curve
	}{{title: "filtered GET /v2/users, ms"}, {title: "whole list and cold start, ms"},
		{title: "throughput, per second"}, {title: "memory, MB"}}
	for _, c := range cs {
		if len(c.sizes) < 2 {
			continue // no curve to draw; the table holds it
		}
		i := 0
		switch {
		case strings.HasSuffix(c.unit, "/s"):
			i = 2
		case c.unit == "MB":
			i = 3
		case strings.Contains(c.figure, "all users") || strings.Contains(c.figure, "cold start"):
			i = 1
		}
		ps[i].curves = append(ps[i].curves, c)
	}
	return ps
}

// panelPlot draws curves into a log-log plot titled title. A panel with
// nothing to draw keeps linear axes, which need no positive data.
func panelPlot(title string, cs []curve) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "users"
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	p.Add(plotter.NewGrid())
	for j, c := range cs {
		xys := make(plotter.XYs, 0, len(c.sizes))
		for k, n := range c.sizes {
			if c.values[k] > 0 { // a log scale has no place for 0
				xys = append(xys, plotter.XY{X: float64(n), Y: c.values[k]})
			}
		}
		if len(xys) < 2 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", c.figure, err)
		}
		line.Color, points.Color = plotutil.Color(j), plotutil.Color(j)
		points.Shape = plotutil.Shape(j)
		p.Add(line, points)
		p.Legend.Add(strings.TrimPrefix(c.figure, "GET /v2/users, "), line, points)
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = logTicks{}, logTicks{}
	}
	return p, nil
}

// logTicks labels 1, 2 and 5 of each power of ten, or every integer of
// it when that labels fewer than two, and marks the rest: gonum's
// LogTicks labels powers of ten only, which leaves an axis within one
// decade (2,000 to 8,000 users/s) unlabelled.
type logTicks struct{}

// Ticks returns the ticks between lo and hi, both positive.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	labelled := 0
	for p := math.Pow(10, math.Floor(math.Log10(lo))); p <= hi; p *= 10 {
		for m := 1.0; m < 10; m++ {
			if v := m * p; v >= lo && v <= hi {
				t := plot.Tick{Value: v}
				if m == 1 || m == 2 || m == 5 {
					t.Label = strconv.FormatFloat(v, 'g', -1, 64)
					labelled++
				}
				ticks = append(ticks, t)
			}
		}
	}
	if labelled < 2 {
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', -1, 64)
		}
	}
	return ticks
}

// drawPNG draws the panels of each report's curves, two by two, one
// report below the other, into a PNG at file.
func drawPNG(reps []report, file string) error {
	var plots [][]*plot.Plot
	for _, rep := range reps {
		row := len(plots)
		plots = append(plots, make([]*plot.Plot, 2), make([]*plot.Plot, 2))
		for i, pn := range panels(curves(rep.Figures)) {
			title := pn.title
			if len(reps) > 1 {
				title = rep.Store + ": " + title
			}
			p, err := panelPlot(title, pn.curves)
			if err != nil {
				return err
			}
			plots[row+i/2][i%2] = p
		}
	}
	img := vgimg.New(36*vg.Centimeter, vg.Length(len(reps))*28*vg.Centimeter)
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	pad := 5 * vg.Millimeter
	tiles := draw.Tiles{Rows: len(plots), Cols: 2, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		for j := range plots[i] {
			plots[i][j].Draw(canvases[i][j])
		}
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("--plot %s: %w", file, err)
	}
	return f.Close()
}

// mdPath is the table's file beside the plot: bench.png gives bench.md.
func mdPath(plotFile string) string {
	return strings.TrimSuffix(plotFile, filepath.Ext(plotFile)) + ".md"
}

// drawReports draws the scaling curves of reps (one run per store, say)
// into plotFile and their tables into the file mdPath names.
func drawReports(reps []report, plotFile string) error {
	if err := drawPNG(reps, plotFile); err != nil {
		return err
	}
	var md []string
	for _, rep := range reps {
		md = append(md, tableMD(rep, curves(rep.Figures)))
	}
	if err := os.WriteFile(mdPath(plotFile), []byte(strings.Join(md, "\n")), 0o644); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

// redraw draws the scaling curves of earlier runs' --json outputs, a
// comma-separated list of files.
func redraw(jsonFiles, plotFile string) error {
	if plotFile == "" {
		return fmt.Errorf("--from-json needs --plot FILE")
	}
	var reps []report
	for _, name := range strings.Split(jsonFiles, ",") {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("--from-json: %w", err)
		}
		var rep report
		if err := json.Unmarshal(b, &rep); err != nil {
			return fmt.Errorf("--from-json %s: %w", name, err)
		}
		reps = append(reps, rep)
	}
	return drawReports(reps, plotFile)
}
