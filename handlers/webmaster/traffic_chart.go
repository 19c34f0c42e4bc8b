package webmaster

import (
	"strconv"

	"github.com/example/pdpa-portal/analytics"
	"github.com/example/pdpa-portal/handlers/web"
)

// trafficChart is the page views drawn on the server as SVG (no script): bars on a
// fixed canvas, a few gridlines, and a marker for bars whose figure is hidden. A bar is
// a day, or a week or a month for long ranges (analytics.BarPeriod).
type trafficChart struct {
	W, H, Left, Bottom float64
	Period             string // analytics.ByDay, ByWeek or ByMonth
	LabelKey           string // the chart's spoken label and its caption, by period
	CaptionKey         string
	Bars               []chartBar
	Ticks              []chartTick
	Labels             []chartTick // dates under the axis, a handful
}

type chartBar struct {
	X, Y, W, H float64
	// Class is bar, bar-hidden (under k: drawn k high, the most it could be) or
	// bar-withheld (unknown: a faint band the plot's height).
	Class string
	Date  string // the day, or the bar's first and last day
	Text  string
}

type chartTick struct {
	Pos    float64
	Label  string
	Anchor string // text-anchor of a date label
}

func newTrafficChart(rep *analytics.Report) *trafficChart {
	if rep.DailyWithheld || len(rep.Daily) == 0 {
		return nil
	}
	period := analytics.BarPeriod(len(rep.Daily))
	bars := analytics.Bars(rep.Daily, period, rep.K)
	ch := &trafficChart{W: 720, H: 240, Left: 48, Bottom: 24, Period: period, LabelKey: "traffic.chart_label", CaptionKey: "traffic.chart_caption"}
	if period != analytics.ByDay {
		ch.LabelKey, ch.CaptionKey = ch.LabelKey+"_"+period, ch.CaptionKey+"_"+period
	}
	plotW, plotH := ch.W-ch.Left-8, ch.H-ch.Bottom-8
	var top int64
	for _, b := range bars {
		if b.Views.State == analytics.Shown {
			top = max(top, b.Views.Value)
		}
	}
	top = niceCeiling(max(top, int64(rep.K)))
	step := plotW / float64(len(bars))
	gap := min(step*0.2, 2)
	starts := make([]string, len(bars))
	for i, bar := range bars {
		starts[i] = bar.From
		b := chartBar{X: ch.Left + float64(i)*step + gap/2, W: max(step-gap, 0.5), Date: bar.From, Class: "bar"}
		if bar.To != bar.From {
			b.Date = bar.From + " – " + bar.To
		}
		v := bar.Views.Value
		switch bar.Views.State {
		case analytics.Below:
			v, b.Class, b.Text = int64(rep.K), "bar-hidden", "< "+strconv.Itoa(rep.K)
		case analytics.Withheld:
			v, b.Class, b.Text = top, "bar-withheld", "—"
		default:
			b.Text = web.GroupDigits(v)
		}
		b.H = plotH * float64(v) / float64(top)
		b.Y = 8 + plotH - b.H
		ch.Bars = append(ch.Bars, b)
	}
	for i := 0; i <= 4; i++ {
		val := top * int64(i) / 4
		ch.Ticks = append(ch.Ticks, chartTick{Pos: 8 + plotH - plotH*float64(i)/4, Label: web.GroupDigits(val)})
	}
	ch.Labels = dateLabels(starts, period == analytics.ByDay, ch.Left, step, ch.W)
	return ch
}

// dateLabels places a handful of dates under the axis, given each bar's first day:
// every few days (MM-DD) for daily bars up to two months, else the first bar of every
// month or few months (YYYY-MM). A label that would run past the canvas ends at its
// edge instead of being cut off.
func dateLabels(starts []string, daily bool, left, step, width float64) []chartTick {
	const charW = 8.5 // a digit at the tick's 14 px, generously
	var out []chartTick
	add := func(i int, label string) {
		t := chartTick{Pos: left + float64(i)*step, Label: label, Anchor: "start"}
		if t.Pos+charW*float64(len(label)) > width {
			t.Pos, t.Anchor = width-2, "end"
		}
		out = append(out, t)
	}
	if daily && len(starts) <= 62 {
		every := max(1, len(starts)/6)
		for i := 0; i < len(starts); i += every {
			add(i, starts[i][5:])
		}
		return out
	}
	var firsts []int
	for i, d := range starts {
		if i == 0 || d[:7] != starts[i-1][:7] {
			firsts = append(firsts, i)
		}
	}
	every := (len(firsts) + 6) / 7 // at most seven labels
	for n := 0; n < len(firsts); n += every {
		add(firsts[n], starts[firsts[n]][:7])
	}
	return out
}

// niceCeiling rounds up to 1, 2 or 5 times a power of ten, then to a multiple of four
// so the quarter gridlines are whole numbers.
func niceCeiling(n int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= n {
				return (m*p + 3) / 4 * 4
			}
		}
	}
}
