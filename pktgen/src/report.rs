//! The end-to-end benchmark's report: medians of the runs in
//! `benches/e2e.sh`'s CSV, a Markdown table with the ratios of weft (with
//! and without its XDP fast path) to the kernel and to the two bounds, and a PNG chart of delivered Mpps per DUT and frame size.
//!
//! The CSV has one row per run:
//! `dut,inner_size,run,sent,delivered_frames,seconds,offered_pps,delivered_pps,loss,cpu0_pct,cpu1_pct`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The DUTs in the order the report shows them.
pub const DUTS: [&str; 7] = [
    "limit",
    "xdp-bound",
    "weft",
    "weft-graph",
    "weft-bridge",
    "weft-hif",
    "kernel",
];

/// One run, as a CSV row.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// One of [`DUTS`] (others are shown after them).
    pub dut: String,
    /// Inner Ethernet frame length.
    pub inner_size: u32,
    /// Frames per second the generator sent.
    pub offered_pps: f64,
    /// Forwarded frames per second the sink counted.
    pub delivered_pps: f64,
    /// Fraction of sent frames not delivered.
    pub loss: f64,
    /// Busy percentage of core 0 (the generator's).
    pub cpu0: f64,
    /// Busy percentage of core 1 (the DUT's).
    pub cpu1: f64,
}

/// Medians of the runs of one DUT at one size.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Runs behind the medians.
    pub runs: usize,
    /// Median offered pps.
    pub offered_pps: f64,
    /// Median delivered pps.
    pub delivered_pps: f64,
    /// Median loss.
    pub loss: f64,
    /// Median busy % of core 0.
    pub cpu0: f64,
    /// Median busy % of core 1.
    pub cpu1: f64,
}

/// Parses the CSV `benches/e2e.sh` writes.
pub fn parse_csv(text: &str) -> Result<Vec<Run>> {
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        bail!("empty CSV");
    };
    let cols: Vec<&str> = header.split(',').collect();
    let col = |name: &str| {
        cols.iter()
            .position(|c| *c == name)
            .with_context(|| format!("CSV header has no `{name}` column"))
    };
    let (dut, size, offered, delivered, loss, cpu0, cpu1) = (
        col("dut")?,
        col("inner_size")?,
        col("offered_pps")?,
        col("delivered_pps")?,
        col("loss")?,
        col("cpu0_pct")?,
        col("cpu1_pct")?,
    );
    let mut runs = Vec::new();
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != cols.len() {
            bail!(
                "CSV line {}: {} fields, expected {}",
                n + 1,
                f.len(),
                cols.len()
            );
        }
        let num = |i: usize| -> Result<f64> {
            f[i].parse::<f64>()
                .with_context(|| format!("CSV line {}: `{}` is not a number", n + 1, f[i]))
        };
        runs.push(Run {
            dut: f[dut].to_string(),
            inner_size: f[size]
                .parse()
                .with_context(|| format!("CSV line {}: bad inner_size `{}`", n + 1, f[size]))?,
            offered_pps: num(offered)?,
            delivered_pps: num(delivered)?,
            loss: num(loss)?,
            cpu0: num(cpu0)?,
            cpu1: num(cpu1)?,
        });
    }
    if runs.is_empty() {
        bail!("the CSV has no runs");
    }
    Ok(runs)
}

/// The median (the mean of the middle two for an even count).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Medians per (inner size, DUT).
pub fn summarize(runs: &[Run]) -> BTreeMap<(u32, String), Cell> {
    let mut groups: BTreeMap<(u32, String), Vec<&Run>> = BTreeMap::new();
    for r in runs {
        groups
            .entry((r.inner_size, r.dut.clone()))
            .or_default()
            .push(r);
    }
    groups
        .into_iter()
        .map(|(k, rs)| {
            let m = |f: fn(&Run) -> f64| median(rs.iter().map(|r| f(r)).collect());
            let cell = Cell {
                runs: rs.len(),
                offered_pps: m(|r| r.offered_pps),
                delivered_pps: m(|r| r.delivered_pps),
                loss: m(|r| r.loss),
                cpu0: m(|r| r.cpu0),
                cpu1: m(|r| r.cpu1),
            };
            (k, cell)
        })
        .collect()
}

/// DUT names in report order: the known ones first, then any other.
fn dut_order(cells: &BTreeMap<(u32, String), Cell>) -> Vec<String> {
    let mut duts: Vec<String> = DUTS
        .iter()
        .filter(|d| cells.keys().any(|(_, x)| x == *d))
        .map(|d| d.to_string())
        .collect();
    for (_, d) in cells.keys() {
        if !duts.contains(d) {
            duts.push(d.clone());
        }
    }
    duts
}

fn sizes(cells: &BTreeMap<(u32, String), Cell>) -> Vec<u32> {
    let mut s: Vec<u32> = cells.keys().map(|(s, _)| *s).collect();
    s.dedup();
    s
}

fn ratio(cells: &BTreeMap<(u32, String), Cell>, size: u32, a: &str, b: &str) -> String {
    match (
        cells.get(&(size, a.to_string())),
        cells.get(&(size, b.to_string())),
    ) {
        (Some(x), Some(y)) if y.delivered_pps > 0.0 => {
            format!("{:.2}", x.delivered_pps / y.delivered_pps)
        }
        _ => "-".to_string(),
    }
}

/// The Markdown table of medians, then the ratios of delivered pps.
pub fn markdown(cells: &BTreeMap<(u32, String), Cell>) -> String {
    let mut out = String::new();
    out.push_str(
        "| inner frame | DUT | offered Mpps | delivered Mpps | loss | core 0 (gen) busy | core 1 (DUT) busy | runs |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let duts = dut_order(cells);
    for size in sizes(cells) {
        for d in &duts {
            if let Some(c) = cells.get(&(size, d.clone())) {
                let _ = writeln!(
                    out,
                    "| {size} B | {d} | {:.3} | {:.3} | {:.1} % | {:.0} % | {:.0} % | {} |",
                    c.offered_pps / 1e6,
                    c.delivered_pps / 1e6,
                    c.loss * 100.0,
                    c.cpu0,
                    c.cpu1,
                    c.runs
                );
            }
        }
    }
    out.push_str(
        "\n| inner frame | weft / kernel | weft / xdp-bound | weft-graph / kernel | weft-graph / limit | weft-hif / kernel | weft-bridge / weft-graph |\n|---|---|---|---|---|---|---|\n",
    );
    for size in sizes(cells) {
        let _ = writeln!(
            out,
            "| {size} B | {} | {} | {} | {} | {} | {} |",
            ratio(cells, size, "weft", "kernel"),
            ratio(cells, size, "weft", "xdp-bound"),
            ratio(cells, size, "weft-graph", "kernel"),
            ratio(cells, size, "weft-graph", "limit"),
            ratio(cells, size, "weft-hif", "kernel"),
            ratio(cells, size, "weft-bridge", "weft-graph")
        );
    }
    out
}

/// Where to look for a TrueType font for the chart's text (Debian's
/// fonts-dejavu-core, then a few common places).
const FONTS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
];

/// Draws delivered Mpps per frame size (groups) and DUT (bars) into a PNG.
pub fn chart(cells: &BTreeMap<(u32, String), Cell>, png: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::{FontStyle, register_font};

    let font = FONTS
        .iter()
        .find_map(|p| std::fs::read(p).ok())
        .with_context(|| {
            format!("no TrueType font found (tried {FONTS:?}; apt-get install fonts-dejavu-core)")
        })?;
    // The font must live as long as the program: leaked once per process.
    let font: &'static [u8] = Box::leak(font.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, font)
        .map_err(|_| anyhow::anyhow!("the font could not be loaded"))?;

    let duts = dut_order(cells);
    let sizes = sizes(cells);
    let top = cells
        .values()
        .map(|c| c.delivered_pps / 1e6)
        .fold(0.0f64, f64::max)
        .max(0.001)
        * 1.2;
    // A DUT keeps its colour whichever others are in the report.
    let color_of = |d: &str, k: usize| match d {
        "limit" => RGBColor(120, 120, 120),
        "xdp-bound" => RGBColor(190, 190, 190),
        "weft" => RGBColor(31, 119, 180),
        "weft-graph" => RGBColor(23, 190, 207),
        "weft-bridge" => RGBColor(148, 103, 189),
        "weft-hif" => RGBColor(44, 160, 44),
        "kernel" => RGBColor(214, 39, 40),
        _ => [RGBColor(255, 127, 14), RGBColor(140, 86, 75)][k % 2],
    };
    let groups = sizes.len() as f64;
    let per = duts.len() as f64;

    let root = BitMapBackend::new(png, (900, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut c = ChartBuilder::on(&root)
        .caption(
            "Delivered Mpps, VXLAN VNI 11 -> VNI 12 (median of runs)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..groups, 0.0..top)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(sizes.len() * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 1e-6 && i < sizes.len() {
                format!("{} B inner", sizes[i])
            } else {
                String::new()
            }
        })
        .y_desc("Mpps")
        .label_style(("sans-serif", 15))
        .draw()?;
    for (k, d) in duts.iter().enumerate() {
        let color = color_of(d, k);
        let bars: Vec<_> = sizes
            .iter()
            .enumerate()
            .filter_map(|(g, size)| {
                let v = cells.get(&(*size, d.clone()))?.delivered_pps / 1e6;
                let x0 = g as f64 + 0.1 + 0.8 * k as f64 / per;
                let x1 = x0 + 0.8 / per - 0.02;
                Some(Rectangle::new([(x0, 0.0), (x1, v)], color.filled()))
            })
            .collect();
        c.draw_series(bars)?
            .label(d.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled()));
        let labels: Vec<_> = sizes
            .iter()
            .enumerate()
            .filter_map(|(g, size)| {
                let v = cells.get(&(*size, d.clone()))?.delivered_pps / 1e6;
                let x = g as f64 + 0.1 + 0.8 * k as f64 / per;
                Some(Text::new(
                    format!("{v:.2}"),
                    (x, v + top * 0.01),
                    ("sans-serif", 13),
                ))
            })
            .collect();
        c.draw_series(labels)?;
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()?;
    root.present()
        .with_context(|| format!("writing {}", png.display()))?;
    Ok(())
}

/// Marks the generated part of a document.
pub const BEGIN: &str = "<!-- e2e-report:begin (benches/e2e.sh writes this part) -->";
/// Ends the generated part.
pub const END: &str = "<!-- e2e-report:end -->";

/// Replaces the text between [`BEGIN`] and [`END`] in `doc` with `body`.
pub fn splice(doc: &str, body: &str) -> Result<String> {
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        bail!("the document has no `{BEGIN}` ... `{END}` section");
    };
    if e < b {
        bail!("`{END}` comes before `{BEGIN}`");
    }
    Ok(format!(
        "{}{BEGIN}\n{}\n{}",
        &doc[..b],
        body.trim_end(),
        &doc[e..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
dut,inner_size,run,sent,delivered_frames,seconds,offered_pps,delivered_pps,loss,cpu0_pct,cpu1_pct
limit,60,1,1000,900,1.0,1000,900,0.1000,100.0,50.0
limit,60,2,1000,1000,1.0,1000,1000,0.0000,100.0,60.0
limit,60,3,1000,950,1.0,1000,950,0.0500,99.0,55.0
weft,60,1,1000,800,1.0,1000,800,0.2000,100.0,100.0
weft-graph,60,1,1000,640,1.0,1000,640,0.3600,100.0,100.0
xdp-bound,60,1,1000,880,1.0,1000,880,0.1200,100.0,0.0
weft-bridge,60,1,1000,720,1.0,1000,720,0.2800,100.0,100.0
kernel,60,1,1000,400,1.0,1000,400,0.6000,100.0,100.0
kernel,60,2,1000,600,1.0,1000,600,0.4000,100.0,100.0
";

    #[test]
    fn medians_and_ratios() {
        let cells = summarize(&parse_csv(CSV).unwrap());
        let limit = &cells[&(60, "limit".to_string())];
        assert_eq!(limit.runs, 3);
        assert_eq!(limit.delivered_pps, 950.0);
        assert_eq!(limit.cpu1, 55.0);
        // Even count: the mean of the middle two.
        assert_eq!(cells[&(60, "kernel".to_string())].delivered_pps, 500.0);
        let md = markdown(&cells);
        assert!(
            md.contains("| 60 B | limit | 0.001 | 0.001 | 5.0 % | 100 % | 55 % | 3 |"),
            "{md}"
        );
        // weft 800 / kernel 500, weft 800 / xdp-bound 880, weft-graph
        // 640 / kernel 500, weft-graph 640 / limit 950; no weft-hif runs;
        // weft-bridge 720 / weft-graph 640.
        assert!(
            md.contains("| 60 B | 1.60 | 0.91 | 1.28 | 0.67 | - | 1.12 |"),
            "{md}"
        );
        // Report order: limit, xdp-bound, weft, weft-graph, weft-bridge, kernel.
        let at = |d: &str| md.find(&format!("| {d} |")).unwrap();
        let order = [
            "limit",
            "xdp-bound",
            "weft",
            "weft-graph",
            "weft-bridge",
            "kernel",
        ];
        assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{md}");
    }

    #[test]
    fn bad_csv_is_refused_with_the_line() {
        let err = parse_csv("dut,inner_size\nweft,60\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `offered_pps` column"), "{err}");
        let bad = CSV.replace("limit,60,2,1000,1000", "limit,60,2,1000,x");
        assert!(parse_csv(&bad).is_ok(), "unused column is not parsed");
        let bad = CSV.replace("1000,1000,0.0000", "1000,abc,0.0000");
        let err = parse_csv(&bad).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("`abc`"), "{err}");
        assert!(parse_csv("").is_err());
    }

    #[test]
    fn splice_replaces_only_the_marked_part() {
        let doc = format!("intro\n{BEGIN}\nold\n{END}\noutro\n");
        let new = splice(&doc, "new table\n").unwrap();
        assert_eq!(new, format!("intro\n{BEGIN}\nnew table\n{END}\noutro\n"));
        assert!(splice("no markers", "x").is_err());
    }

    #[test]
    fn chart_is_a_png() {
        if !FONTS.iter().any(|p| Path::new(p).exists()) {
            panic!("no font for the chart: apt-get install fonts-dejavu-core");
        }
        let cells = summarize(&parse_csv(CSV).unwrap());
        let dir = std::env::temp_dir().join(format!("weft-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let png = dir.join("e2e.png");
        chart(&cells, &png).unwrap();
        let bytes = std::fs::read(&png).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert!(bytes.len() > 5000, "{} bytes", bytes.len());
    }
}
