//! `xpresso models fetch|list`: the published models in the user's cache.

use std::io::Write;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::model::registry;

#[derive(Args, Debug)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Subcommand, Debug)]
pub enum ModelsCommand {
    /// Download a published model's .h5 into the cache (for other tools: xpresso has both
    /// built in), verify its sha256, write it atomically.
    Fetch {
        /// `human` (median human expression) or `mouse`.
        name: String,
        /// Base URL the file name is appended to: a mirror, or `file:///DIR` for a local copy;
        /// default: the paper's repository.
        #[arg(long, env = "XPRESSO_MODEL_URL", default_value = registry::DEFAULT_BASE_URL)]
        url: String,
        /// Download again even if a verified copy is cached.
        #[arg(long)]
        force: bool,
    },
    /// Show each published model, whether it is cached and verified, and its path.
    List,
}

pub fn run(args: ModelsArgs) -> Result<()> {
    match args.command {
        ModelsCommand::Fetch { name, url, force } => {
            let path = registry::fetch(&name, &url, force)?;
            log::info!("model '{name}' verified at {}", path.display());
        }
        ModelsCommand::List => {
            // written, not printed: a closed pipe (`| head`) is an error to return, not a panic
            let mut out = std::io::stdout().lock();
            writeln!(out, "name\tstate\tpath")?;
            for (name, state, path) in registry::list()? {
                writeln!(out, "{name}\t{state}\t{}", path.display())?;
            }
            out.flush()?;
            log::info!("both published models are built in (`--model human|mouse` needs no download); the cache holds copies for other tools");
        }
    }
    Ok(())
}
