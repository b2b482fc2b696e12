//! Command-line parsing only: each subcommand turns its arguments into a plan for the
//! library (`pipeline`) and reports the outcome. Exit status: 0 on success, 1 on any error
//! (bad input, I/O, model), 2 on a usage error (from clap).

mod annotate;
mod args;
mod completions;
mod ism;
mod models;
mod predict;
mod scan;
mod score_variants;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Predict mRNA expression from promoter sequence with the published Xpresso CNN
/// (Agarwal & Shendure, Cell Reports 2020).
#[derive(Parser, Debug)]
#[command(name = "xpresso", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Worker threads for the model (0 = one per core).
    #[arg(short = 't', long, global = true, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// No progress bar and no summary (warnings and errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
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
    /// Fetch and list the published models in the local cache.
    Models(models::ModelsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with --dir.
    Man(completions::ManArgs),
}

/// Parses the command line, runs it, prints any error as one line, returns the exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // a closed stdout (`xpresso ... | head`) is the reader's choice, not an error
        Err(e) if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xpresso: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.threads > 0 {
        rayon::ThreadPoolBuilder::new().num_threads(cli.threads).build_global()?;
    }
    match cli.command {
        Command::Annotate(a) => annotate::run(a, cli.quiet),
        Command::Predict(a) => predict::run(a, cli.quiet),
        Command::Scan(a) => scan::run(a, cli.quiet),
        Command::Ism(a) => ism::run(a, cli.quiet),
        Command::ScoreVariants(a) => score_variants::run(a, cli.quiet),
        Command::Models(a) => models::run(a, cli.quiet),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
    }
}

/// Prints a warning line (always) or an info line (unless quiet) to stderr.
pub(crate) fn warn(msg: &str) {
    eprintln!("xpresso: warning: {msg}");
}

pub(crate) fn info(quiet: bool, msg: &str) {
    if !quiet {
        eprintln!("xpresso: {msg}");
    }
}
