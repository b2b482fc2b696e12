//! `ism --logo`: the mean-centred attribution of each reference base drawn as a sequence
//! logo (SVG): a letter per position, its height the attribution (above the axis when the
//! base raises the prediction against the average base there, below when it lowers it),
//! the TSS marked, the axis in bp from the TSS on the gene's strand. One panel per window.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::{PositionScores, BASES};
use crate::output::Output;
use crate::window::TSS_INDEX;

/// One window's logo.
pub struct LogoPanel {
    pub title: String,
    /// (bp from the TSS, reference base, attribution); N positions have no letter.
    pub bases: Vec<(i64, u8, f32)>,
}

impl LogoPanel {
    /// The positions of `scores` whose offset from the TSS lies in `from..=to`.
    pub fn new(title: String, scores: &[PositionScores], from: i64, to: i64) -> Self {
        let bases = scores
            .iter()
            .map(|p| (p.index as i64 - TSS_INDEX as i64, p))
            .filter(|(rel, _)| (from..=to).contains(rel))
            .map(|(rel, p)| match BASES.get(p.ref_code as usize) {
                Some(&b) => (rel, b, p.centred(p.ref_code)),
                None => (rel, b'N', 0.0),
            })
            .collect();
        LogoPanel { title, bases }
    }
}

const CELL: f64 = 11.0;
const LEFT: f64 = 76.0;
const PANEL: f64 = 200.0;
/// Half the panel's drawing height: the largest |attribution| of a panel reaches it.
const HALF: f64 = 66.0;

fn colour(base: u8) -> &'static str {
    match base {
        b'A' => "#109648",
        b'C' => "#255c99",
        b'G' => "#f7b32b",
        b'T' => "#d62839",
        _ => "#999999",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A tick step giving about `n` ticks over `span`.
fn step_for(span: f64, n: f64) -> f64 {
    let raw = span / n;
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * p).find(|s| *s >= raw).unwrap_or(10.0 * p)
}

/// The SVG text of `panels`.
pub fn render(panels: &[LogoPanel]) -> String {
    let positions = panels.iter().map(|p| p.bases.len()).max().unwrap_or(0).max(1);
    let width = LEFT + CELL * positions as f64 + 30.0;
    let height = PANEL * panels.len().max(1) as f64 + 10.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\">"
    );
    let _ = writeln!(s, "<rect width=\"{width:.0}\" height=\"{height:.0}\" fill=\"white\"/>");
    for (k, panel) in panels.iter().enumerate() {
        let top = PANEL * k as f64 + 10.0;
        let axis = top + 28.0 + HALF;
        let max = panel.bases.iter().map(|b| b.2.abs()).fold(0f32, f32::max);
        let scale = if max > 0.0 { HALF / f64::from(max) } else { 0.0 };
        let _ = writeln!(s, "<text x=\"{LEFT}\" y=\"{:.1}\" font-size=\"12\" font-weight=\"bold\">{}</text>", top + 12.0, escape(&panel.title));
        let right = LEFT + CELL * panel.bases.len() as f64;
        let _ = writeln!(s, "<line x1=\"{LEFT}\" y1=\"{axis:.1}\" x2=\"{right:.1}\" y2=\"{axis:.1}\" stroke=\"#444\" stroke-width=\"0.8\"/>");
        // y axis: attribution
        let _ = writeln!(s, "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#444\"/>", LEFT - 4.0, axis - HALF, LEFT - 4.0, axis + HALF);
        if max > 0.0 {
            let step = step_for(f64::from(max), 2.0);
            let mut t = -(f64::from(max) / step).floor() * step;
            while t <= f64::from(max) + 1e-12 {
                let y = axis - t * scale;
                let _ = writeln!(s, "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#444\"/>", LEFT - 8.0, LEFT - 4.0);
                let _ = writeln!(s, "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\">{}</text>", LEFT - 10.0, y + 3.0, format_tick(t));
                t += step;
            }
        }
        let _ = writeln!(
            s,
            "<text x=\"14\" y=\"{axis:.1}\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 14 {axis:.1})\">attribution</text>"
        );
        // the letters
        for (i, &(rel, base, attr)) in panel.bases.iter().enumerate() {
            let x = LEFT + CELL * i as f64;
            if base == b'N' {
                let _ = writeln!(s, "<text class=\"n\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"8\" fill=\"#bbb\" text-anchor=\"middle\">N</text>", x + CELL / 2.0, axis + 3.0);
                continue;
            }
            let h = f64::from(attr.abs()) * scale;
            // a bold monospace capital is ~0.6 em wide and ~0.73 em tall at font-size 100
            let (sx, sy) = (CELL * 0.92 / 60.0, h / 73.0);
            let y = if attr >= 0.0 { axis } else { axis + h };
            let _ = writeln!(
                s,
                "<text class=\"base\" data-pos=\"{rel}\" data-attr=\"{attr:.6}\" transform=\"translate({:.2} {y:.2}) scale({sx:.4} {sy:.4})\" font-family=\"DejaVu Sans Mono, Menlo, monospace\" font-weight=\"bold\" font-size=\"100\" fill=\"{}\">{}</text>",
                x + CELL * 0.04,
                colour(base),
                base as char
            );
        }
        // the x axis: bp from the TSS, and the TSS itself
        let base_y = axis + HALF + 6.0;
        let span = panel.bases.len() as f64;
        let step = [1i64, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500].into_iter().find(|&s| s as f64 >= span / 6.0).unwrap_or(1000);
        for (i, &(rel, _, _)) in panel.bases.iter().enumerate() {
            let x = LEFT + CELL * (i as f64 + 0.5);
            if rel == 0 {
                let _ = writeln!(
                    s,
                    "<line class=\"tss\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{base_y:.1}\" stroke=\"#d62839\" stroke-dasharray=\"3 2\"/>",
                    axis - HALF - 6.0
                );
                let _ = writeln!(s, "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#d62839\" text-anchor=\"middle\">TSS</text>", axis - HALF - 9.0);
            }
            if rel % step == 0 {
                let _ = writeln!(s, "<line x1=\"{x:.1}\" y1=\"{base_y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#444\"/>", base_y + 4.0);
                let label = if rel > 0 { format!("+{rel}") } else { rel.to_string() };
                let _ = writeln!(s, "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{label}</text>", base_y + 14.0);
            }
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">bp from the TSS (gene's strand)</text>",
            LEFT + CELL * span / 2.0,
            base_y + 27.0
        );
    }
    s.push_str("</svg>\n");
    s
}

fn format_tick(t: f64) -> String {
    if t == 0.0 {
        "0".into()
    } else {
        format!("{t:.3}").trim_end_matches('0').to_string()
    }
}

/// Writes the logo of `panels` to `path` (`-` = stdout).
pub fn write(path: &Path, panels: &[LogoPanel]) -> Result<()> {
    let mut out = Output::create(path)?;
    out.write_all(render(panels).as_bytes())?;
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_the_reference_bases_scaled_by_attribution() {
        let scores: Vec<PositionScores> = (6998..7003)
            .map(|i| PositionScores { index: i, ref_code: (i % 5) as u8, delta: [0.1 * (i % 3) as f32, -0.05, 0.02, 0.0], alt: [0.0; 4] })
            .collect();
        let panel = LogoPanel::new("w".into(), &scores, -1, 1);
        assert_eq!(panel.bases.iter().map(|b| b.0).collect::<Vec<_>>(), [-1, 0, 1]);
        let svg = render(&[panel]);
        assert!(svg.contains(">TSS</text>"));
        let letters: Vec<&str> = svg.lines().filter(|l| l.contains("class=\"base\"")).collect();
        // 6999 % 5 = 4 is an N (no letter); 7000 -> A, 7001 -> C
        assert!(svg.contains("class=\"n\""));
        assert!(letters.iter().all(|l| l.ends_with("A</text>") || l.ends_with("C</text>")), "{letters:?}");
    }
}
