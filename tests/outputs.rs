//! Outputs that are not plain files: names of this process's descriptors (`/dev/stdout`,
//! `/dev/fd/N`, `/proc/self/fd/N`) mean those descriptors, a symbolic link is written
//! through to its target and stays a link, a device is written in place; nothing but a
//! regular file is ever renamed over. The real `/dev/stdout` is only ever named inside a
//! private mount namespace whose `/dev` is a directory of the test's.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};

use common::case::{walk, Case};
use common::human_model;

/// The annotate command line (without `-o`) as a shell-quoted string.
fn annotate_args(c: &Case) -> Vec<String> {
    ["annotate", "-q", "-m", &human_model().to_string_lossy(), "--genome", &c.p("g.fa"), "--gtf", &c.p("ok.gtf")].iter().map(|s| s.to_string()).collect()
}

/// An output without its provenance line (which holds the command line).
fn body(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).lines().filter(|l| !l.starts_with("##xpresso")).map(|l| format!("{l}\n")).collect()
}

/// What annotate writes to a plain new file (without the provenance line).
fn expected(c: &Case) -> String {
    let mut args = annotate_args(c);
    args.extend(["-o".into(), c.p("expected.tsv")]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    c.ok(&c.run(&args));
    let text = body(&std::fs::read(c.p("expected.tsv")).unwrap());
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 3, "{text}");
    text
}

fn no_partials(dir: &Path) {
    for p in walk(dir) {
        assert!(!p.to_string_lossy().ends_with(".partial"), "temporary file left: {}", p.display());
    }
}

#[test]
fn a_symlink_output_is_written_through_and_stays_a_link() {
    let c = Case::new();
    let want = expected(&c);
    std::fs::create_dir(c.p("real")).unwrap();
    std::fs::write(c.p("real/out.tsv"), "old\n").unwrap();
    symlink("real/out.tsv", c.p("link.tsv")).unwrap();
    symlink("real/new.tsv", c.p("dangling.tsv")).unwrap();
    symlink(c.p("link.tsv"), c.p("chain.tsv")).unwrap();
    for (name, target) in [("link.tsv", "real/out.tsv"), ("dangling.tsv", "real/new.tsv"), ("chain.tsv", "real/out.tsv")] {
        let mut args = annotate_args(&c);
        args.extend(["-o".into(), c.p(name)]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        c.ok(&c.run(&args));
        assert!(std::fs::symlink_metadata(c.p(name)).unwrap().file_type().is_symlink(), "{name} is still a link");
        assert_eq!(body(&std::fs::read(c.p(target)).unwrap()), want, "{name} wrote its target {target}");
    }
    no_partials(c.dir.path());
    // a link to an input is still that input
    symlink("ok.gtf", c.p("gtf-link")).unwrap();
    let mut args = annotate_args(&c);
    args.extend(["-o".into(), c.p("gtf-link")]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ran = c.run(&args);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("is the input --gtf"), "{}", ran.stderr);
    // a directory is refused as a usage error
    let mut args = annotate_args(&c);
    args.extend(["-o".into(), c.p("real")]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ran = c.run(&args);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("is a directory"), "{}", ran.stderr);
}

/// Runs annotate with `-o OUTPUT` through `sh`, stdout into out.tsv and descriptor 3 into
/// fd3.tsv; returns the exit code.
fn through_shell(c: &Case, output: &str) -> i32 {
    let args: Vec<String> = annotate_args(c).iter().map(|a| format!("'{a}'")).collect();
    let script = format!("exec '{}' {} -o '{output}' > out.tsv 3> fd3.tsv", env!("CARGO_BIN_EXE_xpresso"), args.join(" "));
    let status = Command::new("sh").arg("-c").arg(script).current_dir(c.dir.path()).stderr(Stdio::inherit()).status().unwrap();
    status.code().unwrap()
}

#[test]
fn descriptor_names_write_to_the_descriptor() {
    let c = Case::new();
    let want = expected(&c);
    // a link in the test's directory shaped like the system's /dev/stdout
    symlink("/proc/self/fd/1", c.p("stdout-link")).unwrap();
    let pid_path = "/proc/self/fd/1".to_string();
    for output in [c.p("stdout-link"), pid_path, "/dev/fd/1".into()] {
        assert_eq!(through_shell(&c, &output), 0, "{output}");
        assert_eq!(body(&std::fs::read(c.p("out.tsv")).unwrap()), want, "-o {output} wrote standard output");
    }
    assert!(std::fs::symlink_metadata(c.p("stdout-link")).unwrap().file_type().is_symlink());
    assert_eq!(through_shell(&c, "/dev/fd/3"), 0);
    assert_eq!(body(&std::fs::read(c.p("fd3.tsv")).unwrap()), want, "-o /dev/fd/3 wrote descriptor 3");
    assert!(std::fs::read(c.p("out.tsv")).unwrap().is_empty());
    no_partials(c.dir.path());
    // a descriptor that is not open is a clear error
    let mut args = annotate_args(&c);
    args.extend(["-o".into(), "/dev/fd/9".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ran = c.run(&args);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("descriptor 9 is not open"), "{}", ran.stderr);
}

/// As root, `-o /dev/stdout > file` once replaced the system's `/dev/stdout` link with a
/// regular file. Here `/dev` is a directory of the test's, bind-mounted over `/dev` in a
/// private mount namespace, holding the same links as the real one; after the run the link
/// must still be there, nothing beside it, and the bytes in the redirected file.
#[test]
fn dev_stdout_as_root_is_standard_output_and_stays_a_link() {
    let c = Case::new();
    let want = expected(&c);
    let dev = c.dir.path().join("dev");
    std::fs::create_dir(&dev).unwrap();
    symlink("/proc/self/fd", dev.join("fd")).unwrap();
    symlink("/proc/self/fd/1", dev.join("stdout")).unwrap();
    symlink("/proc/self/fd/2", dev.join("stderr")).unwrap();
    let args: Vec<String> = annotate_args(&c).iter().map(|a| format!("'{a}'")).collect();
    let inner = format!("exec '{}' {} -o /dev/stdout > '{}'", env!("CARGO_BIN_EXE_xpresso"), args.join(" "), c.p("out.tsv"));
    let is_root = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false);
    // a machine that forbids mount namespaces (some containers) cannot run the root case
    // safely: the links in temporary directories (the tests above) cover the same code
    let namespaces = is_root && Command::new("unshare").args(["--mount", "--propagation", "private", "true"]).status().is_ok_and(|s| s.success());
    if is_root && !namespaces {
        eprintln!("note: unshare --mount is not allowed here: /dev/stdout as root not run (never run against the real /dev)");
        return;
    }
    let status = if is_root {
        let script = format!("mount --bind '{}' /dev && {inner}", dev.display());
        Command::new("unshare").args(["--mount", "--propagation", "private", "sh", "-c", &script]).status().expect("unshare (util-linux) runs")
    } else {
        // without root nothing can rename over /dev/stdout; the bytes must still arrive
        Command::new("sh").arg("-c").arg(&inner).status().unwrap()
    };
    assert!(status.success(), "the run under a private /dev failed (as root this needs unshare and mount)");
    assert_eq!(body(&std::fs::read(c.p("out.tsv")).unwrap()), want);
    let entries: Vec<String> = std::fs::read_dir(&dev).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(entries.len(), 3, "nothing staged beside /dev/stdout: {entries:?}");
    let meta = std::fs::symlink_metadata(dev.join("stdout")).unwrap();
    assert!(meta.file_type().is_symlink(), "/dev/stdout is still a link");
    assert_eq!(std::fs::read_link(dev.join("stdout")).unwrap(), Path::new("/proc/self/fd/1"));
}

#[test]
fn two_names_of_standard_output_are_refused() {
    let c = Case::new();
    let mut args = annotate_args(&c);
    args.extend(["-o".into(), "-".into(), "--bed".into(), "/dev/stdout".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ran = c.run(&args);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("both write to standard output"), "{}", ran.stderr);
}
