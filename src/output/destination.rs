//! What an output path really is, before anything is written to it. A path is a name, and
//! some names are not files to replace: `/dev/stdout`, `/dev/fd/N` and `/proc/self/fd/N`
//! name this process's open descriptors (replacing them with a renamed temporary file, as
//! root, destroys the system's `/dev/stdout` link); a symbolic link names its target (which
//! is written through, as `sort -o` and samtools do, the link kept); a device or FIFO is
//! written in place. Only a regular file, or a name not there yet, is staged and renamed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// How an output path is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// Standard output: `-`, `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`.
    Stdout,
    /// Another open descriptor of this process (`/dev/stderr`, `/dev/fd/N`), written in place.
    Descriptor(i32),
    /// An existing device, FIFO or socket, opened and written in place.
    InPlace(PathBuf),
    /// A regular file or a new name (symbolic links followed): staged beside it and renamed.
    Replace(PathBuf),
}

/// Links followed at most (as the kernel's ELOOP limit).
const MAX_LINKS: usize = 40;

/// The descriptor a path names by itself, whatever the file system says.
fn descriptor(path: &Path) -> Option<i32> {
    let s = path.to_str()?;
    match s {
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        "/dev/stdin" => return Some(0),
        _ => {}
    }
    let pid = std::process::id().to_string();
    for dir in ["/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/"].into_iter().map(String::from).chain([format!("/proc/{pid}/fd/")]) {
        if let Some(n) = s.strip_prefix(&dir) {
            return n.parse().ok();
        }
    }
    None
}

/// Resolves `path` (see the module doc). A directory, a descriptor that is standard input,
/// or a loop of links is refused.
pub fn resolve(path: &Path) -> Result<Destination> {
    if path.as_os_str() == "-" {
        return Ok(Destination::Stdout);
    }
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if let Some(fd) = descriptor(&current) {
            return match fd {
                0 => bail!("output {} is standard input", path.display()),
                1 => Ok(Destination::Stdout),
                n => Ok(Destination::Descriptor(n)),
            };
        }
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Destination::Replace(current)),
            Err(e) => bail!("cannot write {}: {e}", path.display()),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = std::fs::read_link(&current).map_err(|e| anyhow::anyhow!("cannot read the link {}: {e}", current.display()))?;
            current = match current.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
        } else if kind.is_file() {
            return Ok(Destination::Replace(current));
        } else if kind.is_dir() {
            bail!("output {} is a directory: give a file name", path.display());
        } else {
            return Ok(Destination::InPlace(current));
        }
    }
    bail!("output {}: too many levels of symbolic links", path.display())
}

/// The path to rename a finished temporary file onto: `dest` itself or, through links, the
/// regular file it names. Refuses anything that is not a regular file or a new name (checked
/// again at the rename, which happens after the run).
pub fn replace_target(dest: &Path) -> Result<PathBuf> {
    match resolve(dest)? {
        Destination::Replace(p) => Ok(p),
        other => bail!("output {} is no longer a regular file ({other:?}): not replaced", dest.display()),
    }
}

/// A writable duplicate of this process's descriptor `fd`.
pub fn open_descriptor(fd: i32, path: &Path) -> Result<std::fs::File> {
    use std::os::fd::BorrowedFd;
    if fd < 0 || std::fs::symlink_metadata(format!("/proc/self/fd/{fd}")).is_err() {
        bail!("output {}: descriptor {fd} is not open", path.display());
    }
    // SAFETY: the descriptor is open (checked just above) and only duplicated here.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let owned = borrowed.try_clone_to_owned().map_err(|e| anyhow::anyhow!("output {}: descriptor {fd}: {e}", path.display()))?;
    Ok(std::fs::File::from(owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_descriptors_links_and_files() {
        assert_eq!(resolve(Path::new("-")).unwrap(), Destination::Stdout);
        assert_eq!(resolve(Path::new("/dev/stdout")).unwrap(), Destination::Stdout);
        assert_eq!(resolve(Path::new("/dev/fd/1")).unwrap(), Destination::Stdout);
        assert_eq!(resolve(Path::new("/proc/self/fd/1")).unwrap(), Destination::Stdout);
        assert_eq!(resolve(Path::new("/dev/stderr")).unwrap(), Destination::Descriptor(2));
        assert_eq!(resolve(Path::new(&format!("/proc/{}/fd/7", std::process::id()))).unwrap(), Destination::Descriptor(7));
        assert!(resolve(Path::new("/dev/stdin")).is_err());
        assert_eq!(resolve(Path::new("/dev/null")).unwrap(), Destination::InPlace("/dev/null".into()));

        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("real.tsv"), "x").unwrap();
        std::os::unix::fs::symlink("real.tsv", d.join("rel")).unwrap();
        std::os::unix::fs::symlink(d.join("rel"), d.join("abs")).unwrap();
        std::os::unix::fs::symlink("/proc/self/fd/1", d.join("stdout")).unwrap();
        std::os::unix::fs::symlink("nothing-yet.tsv", d.join("dangling")).unwrap();
        std::os::unix::fs::symlink("loop", d.join("loop")).unwrap();
        assert_eq!(resolve(&d.join("abs")).unwrap(), Destination::Replace(d.join("real.tsv")));
        assert_eq!(resolve(&d.join("stdout")).unwrap(), Destination::Stdout);
        assert_eq!(resolve(&d.join("dangling")).unwrap(), Destination::Replace(d.join("nothing-yet.tsv")));
        assert_eq!(resolve(&d.join("new.tsv")).unwrap(), Destination::Replace(d.join("new.tsv")));
        assert!(resolve(&d.join("loop")).unwrap_err().to_string().contains("too many levels"));
        assert!(resolve(d).unwrap_err().to_string().contains("is a directory"));
    }
}
