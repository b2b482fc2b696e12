//! `xpresso models fetch|list|export`: the published models in the user's cache, or
//! written out of the binary (offline) for tools and workflow modules that want a file.

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
    /// Write a built-in model's .h5 (byte for byte the published file), offline: for other
    /// tools, or a workflow that passes the model as a file.
    Export {
        /// `human` or `mouse`.
        name: String,
        /// Where to write the .h5 (`-` for stdout); written whole or not at all.
        #[arg(short, long, value_name = "FILE.h5")]
        output: std::path::PathBuf,
    },
}

impl ModelsArgs {
    /// The file `models export` writes (checked like every output).
    pub fn paths(&self) -> (Vec<crate::output::guard::Named>, Vec<crate::output::guard::Named>) {
        match &self.command {
            ModelsCommand::Export { output, .. } => (Vec::new(), vec![crate::output::guard::Named::new("-o", output)]),
            _ => (Vec::new(), Vec::new()),
        }
    }
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
        ModelsCommand::Export { name, output } => {
            let Some(model) = registry::known(&name) else {
                let names: Vec<&str> = registry::KNOWN_MODELS.iter().map(|m| m.name).collect();
                return Err(super::usage_error(format!("models export {name}: not a built-in model (they are: {})", names.join(", "))));
            };
            if output.extension().is_some_and(|e| e == "gz" || e == "bgz") {
                return Err(super::usage_error(format!("-o {}: an .h5 is written as it is, not compressed: name it .h5", output.display())));
            }
            let mut out = crate::output::Output::create(&output)?;
            out.write_all(model.bytes)?;
            out.finish()?;
            log::info!("model '{name}' ({}, sha256 {}) written to {}", model.file, model.sha256, output.display());
        }
    }
    Ok(())
}
