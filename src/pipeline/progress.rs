//! Progress on a terminal, silence in pipelines: a bar (or a counter when the total is
//! unknown) drawn on stderr only when stderr is a TTY and `--quiet` is not given.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

static QUIET: AtomicBool = AtomicBool::new(false);

/// No progress bar anywhere in this process (`-q`), also where no flag is passed down.
pub fn quiet_all() {
    QUIET.store(true, Ordering::Relaxed);
}

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(quiet: bool, total: Option<u64>, unit: &str) -> Self {
        let visible = !quiet && !QUIET.load(Ordering::Relaxed) && std::io::stderr().is_terminal();
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(&format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})"))
                    .expect("valid template"),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template(&format!("{{elapsed_precise}} {{spinner}} {{pos}} {unit} ({{per_sec}})")).expect("valid template"),
            ),
        };
        bar.set_draw_target(if visible { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() });
        if visible {
            bar.enable_steady_tick(Duration::from_millis(200));
        }
        Progress { bar }
    }

    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
