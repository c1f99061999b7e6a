//! Charts as inline SVG, drawn on the server: axes, bars, points and labels are elements, and
//! colours come from classes in the stylesheet (the CSP allows no inline style and no script).

use maud::{Markup, html};

use crate::domain::{DigitCounts, group_thousands};

/// The drawing area of every chart, in SVG units; the stylesheet scales it to the page.
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 240.0;
/// Room for the axes' labels.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;
const RIGHT: f64 = 24.0;

/// How often each digit occurs in a task's decimals: a bar per digit with the expected n/10
/// marked, the counts, and the chi-square test of ten equally likely digits.
pub fn digit_statistics(counts: &DigitCounts) -> Markup {
    let total = counts.total();
    let expected = total as f64 / 10.0;
    let highest = counts.0.iter().copied().max().unwrap_or(0).max(1) as f64;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let y = |value: f64| TOP + plot_height * (1.0 - value / highest);
    let slot = (WIDTH - LEFT - RIGHT) / 10.0;
    html! {
        section.statistics {
            h3 { "How often each digit occurs" }
            svg.chart.bars viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby="bars-title" {
                title #bars-title { "Counts of the digits 0 to 9 in " (group_thousands(total)) " decimals, against the " (group_thousands(expected.round() as u64)) " each that equally likely digits would give" }
                line.axis x1=(LEFT) y1=(y(0.0)) x2=(WIDTH - RIGHT) y2=(y(0.0)) {}
                @for (digit, &count) in counts.0.iter().enumerate() {
                    @let x = LEFT + slot * digit as f64;
                    rect.bar x=(x + slot * 0.15) y=(y(count as f64)) width=(slot * 0.7) height=(y(0.0) - y(count as f64)) {
                        title { (digit) ": " (group_thousands(count)) }
                    }
                    text.label x=(x + slot / 2.0) y=(HEIGHT - 8.0) text-anchor="middle" { (digit) }
                }
                line.expected x1=(LEFT) y1=(y(expected)) x2=(WIDTH - RIGHT) y2=(y(expected)) {}
                text.label x=(LEFT - 4.0) y=(y(expected) + 4.0) text-anchor="end" { "n/10" }
            }
            table.counts {
                thead { tr { th { "digit" } th { "count" } th { "from n/10" } } }
                tbody {
                    @for (digit, &count) in counts.0.iter().enumerate() {
                        tr { td { (digit) } td { (group_thousands(count)) } td { (signed(count as f64 - expected)) } }
                    }
                }
            }
            p.chi-square {
                "Chi-square " (format!("{:.2}", counts.chi_square())) " with 9 degrees of freedom: ten equally likely digits would give one at least this large with a chance of "
                (format!("{:.3}", counts.p_value())) " (the p-value)."
            }
        }
    }
}

fn signed(difference: f64) -> String {
    if difference.abs() < 0.05 {
        "0".to_owned()
    } else if difference.fract().abs() < 1e-9 {
        format!("{difference:+.0}")
    } else {
        format!("{difference:+.1}")
    }
}

/// A computation this machine measured.
pub struct MeasuredRun {
    pub digits: u64,
    pub threads: usize,
    pub seconds: f64,
}

/// This machine's computing times against n, log-log: a point per measured run, and the line
/// the time estimates follow.
pub fn runs_plot(runs: &[MeasuredRun], estimates: &[(u64, f64)]) -> Markup {
    let points = runs
        .iter()
        .map(|run| (run.digits as f64, run.seconds))
        .chain(
            estimates
                .iter()
                .map(|&(digits, seconds)| (digits as f64, seconds)),
        )
        .filter(|&(digits, seconds)| digits > 0.0 && seconds > 0.0);
    let (mut x_range, mut y_range) = ((f64::MAX, f64::MIN), (f64::MAX, f64::MIN));
    for (digits, seconds) in points {
        x_range = (x_range.0.min(digits.log10()), x_range.1.max(digits.log10()));
        y_range = (
            y_range.0.min(seconds.log10()),
            y_range.1.max(seconds.log10()),
        );
    }
    if x_range.0 > x_range.1 {
        return html! {};
    }
    let x_decades = (
        x_range.0.floor() as i32,
        (x_range.1.ceil() as i32).max(x_range.0.floor() as i32 + 1),
    );
    let y_decades = (
        y_range.0.floor() as i32,
        (y_range.1.ceil() as i32).max(y_range.0.floor() as i32 + 1),
    );
    let x = |digits: f64| {
        let share =
            (digits.log10() - f64::from(x_decades.0)) / f64::from(x_decades.1 - x_decades.0);
        LEFT + (WIDTH - LEFT - RIGHT) * share
    };
    let y = |seconds: f64| {
        let share =
            (seconds.log10() - f64::from(y_decades.0)) / f64::from(y_decades.1 - y_decades.0);
        HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * share
    };
    let line: Vec<String> = estimates
        .iter()
        .map(|&(digits, seconds)| format!("{:.1},{:.1}", x(digits as f64), y(seconds)))
        .collect();
    html! {
        figure.runs {
            svg.chart.runs viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-labelledby="runs-title" {
                title #runs-title { "Computing time against the number of digits on this machine, both on log scales: " (runs.len()) " measured runs and the estimate" }
                @for decade in x_decades.0..=x_decades.1 {
                    @let at = x(10f64.powi(decade));
                    line.grid x1=(at) y1=(TOP) x2=(at) y2=(HEIGHT - BOTTOM) {}
                    text.label x=(at) y=(HEIGHT - 8.0) text-anchor="middle" { (digits_label(decade)) }
                }
                @for decade in y_decades.0..=y_decades.1 {
                    @let at = y(10f64.powi(decade));
                    line.grid x1=(LEFT) y1=(at) x2=(WIDTH - RIGHT) y2=(at) {}
                    text.label x=(LEFT - 4.0) y=(at + 4.0) text-anchor="end" { (seconds_label(decade)) }
                }
                @if line.len() > 1 {
                    polyline.estimate points=(line.join(" ")) {}
                }
                @for run in runs.iter().filter(|run| run.digits > 0 && run.seconds > 0.0) {
                    circle.run cx=(format!("{:.1}", x(run.digits as f64))) cy=(format!("{:.1}", y(run.seconds))) r="3.5" {
                        title { (group_thousands(run.digits)) " digits on " (run.threads) (if run.threads == 1 { " thread" } else { " threads" }) ": " (format!("{:.3}", run.seconds)) " s" }
                    }
                }
            }
            figcaption { "Measured runs (dots) and the estimate (line): digits against seconds, log-log." }
        }
    }
}

/// 10^decade digits, as people say it.
fn digits_label(decade: i32) -> String {
    match decade {
        ..=2 => group_thousands(10u64.pow(decade.max(0) as u32)),
        3..=5 => format!("{}k", 10u64.pow(decade as u32 - 3)),
        6..=8 => format!("{}M", 10u64.pow(decade as u32 - 6)),
        _ => format!("{}G", 10u64.pow((decade as u32).saturating_sub(9).min(9))),
    }
}

/// 10^decade seconds, in the unit that reads best.
fn seconds_label(decade: i32) -> String {
    match decade {
        ..=-7 => format!("1e{decade} s"),
        -6..=-4 => format!("{} µs", 10u64.pow((decade + 6) as u32)),
        -3..=-1 => format!("{} ms", 10u64.pow((decade + 3) as u32)),
        _ => format!("{} s", group_thousands(10u64.pow(decade.min(9) as u32))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_chart_has_a_bar_and_a_label_per_digit_and_the_expected_line() {
        let svg =
            digit_statistics(&DigitCounts([10, 9, 11, 10, 10, 10, 10, 10, 10, 10])).into_string();
        assert_eq!(svg.matches("<rect class=\"bar\"").count(), 10, "{svg}");
        assert!(svg.contains("<line class=\"expected\""), "{svg}");
        assert!(
            svg.contains("<td>+1</td>") && svg.contains("<td>-1</td>"),
            "{svg}"
        );
        assert!(!svg.contains("style="), "no inline style: {svg}");
    }

    #[test]
    fn the_runs_plot_has_a_point_per_run_and_decade_labels() {
        let runs = [
            MeasuredRun {
                digits: 100_000,
                threads: 1,
                seconds: 0.05,
            },
            MeasuredRun {
                digits: 10_000_000,
                threads: 2,
                seconds: 5.2,
            },
        ];
        let svg = runs_plot(&runs, &[(1_000, 0.001), (100_000_000, 70.0)]).into_string();
        assert_eq!(svg.matches("<circle class=\"run\"").count(), 2, "{svg}");
        assert!(svg.contains("<polyline class=\"estimate\""), "{svg}");
        for label in ["1k", "100M", "1 ms", "100 s"] {
            assert!(
                svg.contains(&format!(">{label}</text>")),
                "{label} in {svg}"
            );
        }
    }

    #[test]
    fn nothing_measured_draws_nothing() {
        assert_eq!(runs_plot(&[], &[]).into_string(), "");
    }
}
