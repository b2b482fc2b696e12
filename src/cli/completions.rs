//! `xpresso completions SHELL` and `xpresso man`: shell completion scripts and roff man pages
//! generated from the same clap definitions as `--help`, so they never drift from it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};

use super::Cli;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// Shell to write the completion script for (to stdout), e.g.
    /// `xpresso completions bash > ~/.local/share/bash-completion/completions/xpresso`.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write xpresso.1 and one xpresso-SUBCOMMAND.1 per subcommand into DIR instead of
    /// printing xpresso.1 to stdout (`man -l xpresso.1` reads it).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> Result<()> {
    // clap_complete panics on a write error: render to memory, then write (a closed pipe is
    // then an error that main turns into a quiet exit)
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "xpresso", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    Ok(out.flush()?)
}

pub fn man(args: ManArgs) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build(); // the run options (global: before or after the subcommand) into each page
    let Some(dir) = args.dir else {
        let mut out = std::io::stdout().lock();
        clap_mangen::Man::new(cmd).render(&mut out)?;
        return Ok(out.flush()?);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("xpresso".to_string(), cmd.clone())];
    pages.extend(cmd.get_subcommands().map(|s| (format!("xpresso-{}", s.get_name()), s.clone().name(format!("xpresso-{}", s.get_name())))));
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut out = crate::output::Output::create(&path)?;
        clap_mangen::Man::new(page).render(&mut out)?;
        out.finish()?;
    }
    Ok(())
}
