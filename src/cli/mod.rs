//! Command-line parsing only: each subcommand turns its arguments into a plan for the
//! library (`pipeline`) and reports the outcome. Exit status (docs/workflows.md): 0 on
//! success, 1 when the run failed (I/O, model, device), 2 on a usage error, 3 when an input
//! is wrong (missing or malformed file, REF mismatch, unknown gene or chromosome).

mod annotate;
mod args;
mod completions;
mod ism;
mod models;
mod predict;
mod scan;
mod personal;
mod precompute;
mod score_variants;
mod stats;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::input::InputError;
use args::RunArgs;
use crate::output::guard::{self, Named};
use crate::output::staging;

/// `--version`: the version and the backends compiled in.
#[cfg(feature = "torch")]
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (backends: native CPU kernel; libtorch, for --device cuda and --backend torch)");
#[cfg(not(feature = "torch"))]
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (backends: native CPU kernel; libtorch not built in: no --device cuda)");

/// Predict mRNA expression from promoter sequence with the published Xpresso CNN
/// (Agarwal & Shendure, Cell Reports 2020).
#[derive(Parser, Debug)]
#[command(name = "xpresso", version = VERSION, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// -t, -q, -v: accepted before the subcommand name as well as after it.
    #[command(flatten)]
    pub run: RunArgs,

    /// Write the run's counts, warnings and time as JSON (MultiQC custom content: name it
    /// `*_mqc.json` for a table in the report); written with the other outputs, all or none.
    #[arg(long, global = true, value_name = "FILE.json", help_heading = "Run")]
    pub stats: Option<std::path::PathBuf>,

    /// Chromosome aliases beyond the built-in chr1 = 1, chrM = MT: UCSC's chromAlias.txt, or
    /// any table whose rows name one sequence (`chr22  22  NC_000022.11`), so a GTF, VCF or
    /// region written with RefSeq or GenBank names finds the genome's sequence.
    #[arg(long, global = true, value_name = "FILE", help_heading = "Run")]
    pub chrom_alias: Option<std::path::PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Predict expression for every gene (or transcript) TSS of a GTF or TSS BED.
    Annotate(annotate::AnnotateArgs),
    /// Predict expression for sequences in a FASTA (10,500 bp, or <= 7,000 bp centred).
    Predict(predict::PredictArgs),
    /// Tile a region with windows on both strands and write bedGraph tracks (paper Fig 5).
    Scan(scan::ScanArgs),
    /// Score every single-base substitution of genes' promoters (or FASTA windows).
    Ism(ism::IsmArgs),
    /// Score VCF variants against every TSS whose 10.5 kb window they change (alt - ref).
    ScoreVariants(score_variants::ScoreVariantsArgs),
    /// Every gene x every sample x haplotype of a cohort VCF: the model on each person's own promoter sequence.
    Personal(personal::PersonalArgs),
    /// Score every SNV of every TSS window into a sorted, tabix-indexed table (and a calibration table).
    Precompute(precompute::PrecomputeArgs),
    /// Fetch, list and export the published models (built in; the cache holds copies).
    Models(models::ModelsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with --dir.
    Man(completions::ManArgs),
}

impl Command {
    /// The files this command reads and writes, to refuse an output that would destroy one.
    fn paths(&self) -> (Vec<Named>, Vec<Named>) {
        match self {
            Command::Annotate(a) => a.paths(),
            Command::Predict(a) => a.paths(),
            Command::Scan(a) => a.paths(),
            Command::Ism(a) => a.paths(),
            Command::ScoreVariants(a) => a.paths(),
            Command::Personal(a) => a.paths(),
            Command::Precompute(a) => a.paths(),
            Command::Models(a) => a.paths(),
            Command::Completions(_) | Command::Man(_) => (Vec::new(), Vec::new()),
        }
    }
}

/// Parses the command line, runs it, prints any error as one line, returns the exit status.
pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    // `models fetch --url` takes URLs as such (file:// included); every other argument that
    // is a file:// URL is the local path it names
    let mut after_url = false;
    let args = std::env::args_os().map(|a| {
        let keep = after_url || a.to_str().is_some_and(|t| t.starts_with("--url="));
        after_url = a == "--url";
        if keep { a } else { local_file_url(a) }
    });
    let matches = Cli::command().get_matches_from(args);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Some(name) = matches.subcommand_name() {
        let _ = SUBCOMMAND.set(name.to_string());
    }
    if let Err(e) = check_transcript_filters(&matches) {
        e.exit();
    }
    let run_args = cli.run;
    if let Some(path) = &cli.chrom_alias {
        crate::genome::aliases::set_file(path.clone());
    }
    init_logging(run_args.quiet, run_args.verbose);
    if run_args.quiet {
        crate::pipeline::progress::quiet_all();
    }
    crate::input::quiet_contained_panics();
    staging::defer_commits();
    staging::remove_temps_on_signals();
    let result = run(cli, run_args).and_then(|()| staging::commit());
    crate::input::remote::report();
    if result.is_err() {
        staging::discard();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // a closed stdout (`xpresso ... | head`) is the reader's choice, not an error
        Err(e) if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)) => {
            ExitCode::SUCCESS
        }
        Err(e) => match e.downcast::<clap::Error>() {
            Ok(usage) => usage.exit(),
            Err(e) => {
                eprintln!("xpresso: error: {}", one_line(&crate::input::remote::redact(&format!("{e:#}"))));
                // a remote read that failed is the network's fault (retry may help), even
                // where a parser reported it at a line of the input
                let input = InputError::is_in(&e) && !crate::input::remote::failed();
                ExitCode::from(if input { EXIT_INPUT } else { EXIT_RUNTIME })
            }
        },
    }
}

/// A `file://` URL (as a URL-minded tool or a workflow engine writes a local path) is the
/// file it names: `file:///data/g.fa` is `/data/g.fa`, also after `--flag=`; a `file://`
/// URL naming a host is left as written (and then not found).
fn local_file_url(arg: std::ffi::OsString) -> std::ffi::OsString {
    let Some(text) = arg.to_str() else { return arg };
    let (flag, value) = match text.split_once('=') {
        Some((f, v)) if f.starts_with("--") => (format!("{f}="), v),
        _ => (String::new(), text),
    };
    match value.strip_prefix("file://").filter(|p| p.starts_with('/')) {
        Some(path) => format!("{flag}{path}").into(),
        None => arg,
    }
}

/// A message on one line: control characters from the input (CR, newline, tab, escapes)
/// shown escaped, so an error never breaks over lines or moves the terminal's cursor.
fn one_line(message: &str) -> String {
    message.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect()
}

/// Prints the end-of-run warnings: each on its line, or with -q one summary line.
pub(crate) fn report_warnings(warnings: &[String], quiet: bool) {
    stats::warnings(warnings);
    if warnings.is_empty() {
        return;
    }
    if quiet {
        log::warn!("{} (run without -q for details)", warnings.join("; "));
    } else {
        for w in warnings {
            log::warn!("{w}");
        }
    }
}

/// Exit status when the run itself failed (I/O, model, device): retrying may help.
pub const EXIT_RUNTIME: u8 = 1;
/// Exit status when an input is wrong: retrying will not help, fixing the input will.
pub const EXIT_INPUT: u8 = 3;

/// A usage error found after parsing (a combination clap cannot express): exits with
/// clap's usage status, 2.
pub(crate) fn usage_error(message: impl std::fmt::Display) -> anyhow::Error {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    cli.build(); // names each subcommand `xpresso NAME` in its usage line
    let kind = clap::error::ErrorKind::MissingRequiredArgument;
    match SUBCOMMAND.get().and_then(|name| cli.find_subcommand_mut(name)) {
        Some(sub) => sub.error(kind, message).into(),
        None => cli.error(kind, message).into(),
    }
}

/// `--transcript-tag` and `--transcript-type` choose transcripts: they need `--tss transcript`.
fn check_transcript_filters(matches: &clap::ArgMatches) -> Result<(), clap::Error> {
    let Some((_, sub)) = matches.subcommand() else { return Ok(()) };
    let given = |id: &str| sub.try_get_raw(id).ok().flatten().is_some_and(|mut v| v.next().is_some());
    let level = sub.try_get_one::<crate::annotation::gtf::TssLevel>("tss").ok().flatten();
    for flag in ["transcript_tag", "transcript_type"] {
        if given(flag) && level == Some(&crate::annotation::gtf::TssLevel::Gene) {
            let shown = flag.replace('_', "-");
            return Err(usage_error(format!("--{shown} chooses transcripts: add --tss transcript (one TSS per chosen transcript)")).downcast::<clap::Error>().expect("a usage error"));
        }
    }
    Ok(())
}

/// The subcommand being run, so a usage error found after parsing prints its usage.
static SUBCOMMAND: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Messages go to stderr as `xpresso: [level: ]message`; info is the default level.
fn init_logging(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => log::LevelFilter::Warn,
        (false, 0) => log::LevelFilter::Info,
        (false, 1) => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    };
    let _ = env_logger::Builder::new()
        .filter_level(level)
        .parse_env(env_logger::Env::new().filter("XPRESSO_LOG"))
        .format(|buf, record| {
            use std::io::Write;
            // a message naming a URL input never shows its credentials
            let message = crate::input::remote::redact(&record.args().to_string());
            match record.level() {
                log::Level::Info => writeln!(buf, "xpresso: {message}"),
                log::Level::Warn => writeln!(buf, "xpresso: warning: {message}"),
                level => writeln!(buf, "xpresso: {}: {message}", level.as_str().to_lowercase()),
            }
        })
        .try_init();
}

fn run(cli: Cli, run_args: RunArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let (mut inputs, mut outputs) = cli.command.paths();
    inputs.extend(cli.chrom_alias.iter().map(|p| Named::new("--chrom-alias", p)));
    let row = outputs.first().map_or_else(|| "xpresso".to_string(), |o| stats::row_name(&o.path));
    if let Some(path) = &cli.stats {
        if matches!(cli.command, Command::Models(_) | Command::Completions(_) | Command::Man(_)) {
            return Err(usage_error("--stats: this subcommand runs no model and counts nothing (give it to annotate, predict, scan, ism, score-variants, personal or precompute)"));
        }
        outputs.push(Named::new("--stats", path));
    }
    guard::check(&inputs, &outputs).map_err(usage_error)?;
    let stats_path = cli.stats.clone();
    let subcommand = SUBCOMMAND.get().cloned().unwrap_or_default();
    run_command(cli, run_args)?;
    if let Some(path) = stats_path {
        stats::write(&path, &stats::document(&subcommand, &row, started.elapsed().as_secs_f64()))?;
    }
    Ok(())
}

fn run_command(cli: Cli, run_args: RunArgs) -> anyhow::Result<()> {
    if run_args.threads > 0 {
        rayon::ThreadPoolBuilder::new().num_threads(run_args.threads).build_global()?;
    }
    crate::output::set_compression_threads(rayon::current_num_threads());
    let quiet = run_args.quiet;
    match cli.command {
        Command::Annotate(a) => annotate::run(a, quiet),
        Command::Predict(a) => predict::run(a, quiet),
        Command::Scan(a) => scan::run(a, quiet),
        Command::Ism(a) => ism::run(a, quiet),
        Command::ScoreVariants(a) => score_variants::run(a, quiet),
        Command::Personal(a) => personal::run(a, quiet),
        Command::Precompute(a) => precompute::run(a, quiet),
        Command::Models(a) => models::run(a),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
    }
}
