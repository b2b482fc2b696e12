//! No output may destroy an input or another output of the same run. Checked before
//! anything is read: two paths are the same file when they name one inode (hard links,
//! symbolic links) or, for a file not there yet, the same directory entry after the
//! directory's links are resolved. `-` (standard output) may be given once; inputs from
//! standard input and outputs that are devices or FIFOs (`/dev/null`) are not files here.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::destination::{self, Destination};

/// One path of the command line, with the option that gave it (for the message).
#[derive(Clone, Debug)]
pub struct Named {
    pub flag: String,
    pub path: PathBuf,
}

impl Named {
    pub fn new(flag: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Named { flag: flag.into(), path: path.into() }
    }
}

/// What a path is on disk now, to compare with another.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    Inode(u64, u64),
    /// Not there yet: its directory (links resolved) and name.
    Entry(PathBuf),
}

fn identity(path: &Path) -> Option<Identity> {
    if let Ok(meta) = std::fs::metadata(path) {
        return Some(Identity::Inode(meta.dev(), meta.ino()));
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let dir = std::fs::canonicalize(dir).ok()?;
    Some(Identity::Entry(dir.join(path.file_name()?)))
}

fn is_stream(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Refuses outputs that are an input, or the same as another output; the message names both.
/// Outputs are compared as `destination` resolves them: `/dev/stdout` is `-`, a link is its
/// target, a device or FIFO is written in place (and may be named twice, as `/dev/null`).
pub fn check(inputs: &[Named], outputs: &[Named]) -> Result<(), String> {
    let mut resolved = Vec::with_capacity(outputs.len());
    for o in outputs {
        let d = destination::resolve(&o.path).map_err(|e| format!("{} {}: {e:#}", o.flag, o.path.display()))?;
        if let Destination::Descriptor(n) = d {
            if std::fs::symlink_metadata(format!("/proc/self/fd/{n}")).is_err() {
                return Err(format!("{} {}: descriptor {n} is not open", o.flag, o.path.display()));
            }
        }
        // a `.gz` name is a promise of bgzip, which only files get: a link from such a name to
        // standard output or a descriptor would get plain text under it
        if matches!(d, Destination::Stdout | Destination::Descriptor(_)) && !is_stream(&o.path) && super::is_compressed_name(&o.path) {
            let to = if d == Destination::Stdout { "standard output".to_string() } else { "an open descriptor".to_string() };
            return Err(format!(
                "{} {}: the name says bgzip, but it leads to {to} (a link to /dev/stdout or /dev/fd/N), where xpresso writes plain text; name a file for bgzip, or write to `-` and pipe into bgzip",
                o.flag,
                o.path.display()
            ));
        }
        resolved.push((o, d));
    }
    let stdouts: Vec<&Named> = resolved.iter().filter(|(_, d)| *d == Destination::Stdout).map(|(o, _)| *o).collect();
    if stdouts.len() > 1 {
        return Err(format!(
            "{} and {} both write to standard output (`-`): give one of them a file name",
            stdouts[0].flag, stdouts[1].flag
        ));
    }
    let files: Vec<(&Named, Identity)> = resolved
        .iter()
        .filter_map(|(o, d)| match d {
            Destination::Replace(p) => identity(p).map(|id| (*o, id)),
            _ => None,
        })
        .collect();
    for input in inputs.iter().filter(|i| !is_stream(&i.path) && !crate::input::remote::is_url(&i.path)) {
        let Some(id) = identity(&input.path) else { continue };
        if let Some((o, _)) = files.iter().find(|(_, oid)| *oid == id) {
            return Err(format!(
                "output {} {} is the input {} {}: it would be destroyed; choose another output path",
                o.flag,
                o.path.display(),
                input.flag,
                input.path.display()
            ));
        }
    }
    for (i, (a, id)) in files.iter().enumerate() {
        if let Some((b, _)) = files[i + 1..].iter().find(|(_, other)| other == id) {
            return Err(format!(
                "outputs {} {} and {} {} are the same file: one would replace the other",
                a.flag,
                a.path.display(),
                b.flag,
                b.path.display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_file_through_links_and_new_paths() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.gtf");
        std::fs::write(&a, "x").unwrap();
        std::os::unix::fs::symlink(&a, dir.path().join("link.gtf")).unwrap();
        std::fs::hard_link(&a, dir.path().join("hard.gtf")).unwrap();
        let input = [Named::new("--gtf", &a)];
        for out in ["a.gtf", "link.gtf", "hard.gtf"] {
            let err = check(&input, &[Named::new("-o", dir.path().join(out))]).unwrap_err();
            assert!(err.contains("is the input --gtf"), "{err}");
        }
        // two new files spelled differently
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let outs = [Named::new("-o", sub.join("o.tsv")), Named::new("--bed", dir.path().join("sub/../sub/o.tsv"))];
        assert!(check(&input, &outs).unwrap_err().contains("are the same file"));
        assert!(check(&input, &[Named::new("-o", "-"), Named::new("--tsv", "-")]).unwrap_err().contains("standard output"));
        assert!(check(&input, &[Named::new("-o", "-"), Named::new("--bed", "/dev/null"), Named::new("--tsv", "/dev/null")]).is_ok());
        assert!(check(&[Named::new("--gtf", "-")], &[Named::new("-o", sub.join("x.tsv"))]).is_ok());
    }
}
