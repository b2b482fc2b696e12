//! Progress on a terminal, silence in pipelines: a bar (or a counter when the total is
//! unknown) drawn on stderr only when stderr is a TTY and `--quiet` is not given.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::ByteCount;

static QUIET: AtomicBool = AtomicBool::new(false);

/// No progress bar anywhere in this process (`-q`), also where no flag is passed down.
pub fn quiet_all() {
    QUIET.store(true, Ordering::Relaxed);
}

pub struct Progress {
    bar: ProgressBar,
    /// Items done (the bar's position, unless it runs over bytes).
    items: AtomicU64,
    /// When the bar runs over the bytes an input has read: that count.
    bytes: Option<ByteCount>,
    unit: String,
    started: Instant,
}

impl Progress {
    /// A bar over `total` items, or a counter with the rate when `None`.
    pub fn new(quiet: bool, total: Option<u64>, unit: &str) -> Self {
        let template = match total {
            Some(_) => format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{msg}}, eta {{eta}})"),
            None => format!("{{elapsed_precise}} {{spinner}} {{pos}} {unit} ({{msg}})"),
        };
        let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
        Self::with(bar, &template, quiet, None, unit)
    }

    /// A bar over the `len` bytes of an input whose reader adds to `read` (a streamed
    /// annotation: its TSS count is unknown until the end), showing the items done and rate.
    pub fn over_bytes(quiet: bool, read: ByteCount, len: u64, unit: &str) -> Self {
        let template = "{elapsed_precise} [{bar:40}] {percent}% of the input, {msg} (eta {eta})";
        let progress = Self::with(ProgressBar::new(len), template, quiet, Some(read), unit);
        progress.bar.set_message(format!("0 {unit}"));
        progress
    }

    fn with(bar: ProgressBar, template: &str, quiet: bool, bytes: Option<ByteCount>, unit: &str) -> Self {
        let visible = !quiet && !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal();
        bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
        bar.set_draw_target(if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
        bar.set_message("-/s");
        if visible {
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        Progress { bar, items: AtomicU64::new(0), bytes, unit: unit.to_string(), started: Instant::now() }
    }

    pub fn inc(&self, n: u64) {
        let items = self.items.fetch_add(n, Ordering::Relaxed) + n;
        match &self.bytes {
            Some(read) => {
                self.bar.set_position(read.load(Ordering::Relaxed));
                self.bar.set_message(format!("{items} {}, {}", self.unit, self.rate(items)));
            }
            None => {
                self.bar.inc(n);
                self.bar.set_message(self.rate(items));
            }
        }
    }

    /// Moves a bar over bytes to what has been read (for inputs read ahead of the items).
    pub fn touch(&self) {
        if let Some(read) = &self.bytes {
            self.bar.set_position(read.load(Ordering::Relaxed));
        }
    }

    /// Items per second as an integer.
    fn rate(&self, items: u64) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        if secs > 0.0 {
            format!("{:.0}/s", items as f64 / secs)
        } else {
            String::from("-/s")
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
