//! Faults around a run: a read-only output directory, a full disk (a small tmpfs, where root
//! may mount one), SIGINT/SIGTERM/SIGKILL in the middle of a run (the previous output
//! survives; after SIGINT/SIGTERM no temporary file is left either), and two runs writing
//! one path at once (one whole output wins).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{human_model, random_bases, write_fasta};

fn setup(genes: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_fasta(&dir.path().join("g.fa"), &[("chr1", &random_bases(40_000, 5))], 60);
    let gtf: String = (0..genes)
        .map(|i| format!("chr1\tt\tgene\t{}\t{}\t.\t{}\t.\tgene_id \"G{i}\";\n", 5_001 + i % 30_000, 5_500 + i % 30_000, if i % 2 == 0 { '+' } else { '-' }))
        .collect();
    std::fs::write(dir.path().join("a.gtf"), gtf).unwrap();
    dir
}

fn annotate(dir: &Path, out: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xpresso"));
    cmd.args(["annotate", "-q", "-t", "1", "-m"]).arg(human_model()).arg("--genome").arg(dir.join("g.fa")).arg("--gtf").arg(dir.join("a.gtf")).arg("-o").arg(out);
    cmd
}

fn partials(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".partial")).collect()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

#[test]
fn signals_mid_run_keep_the_previous_output() {
    for (signal, code) in [("INT", Some(130)), ("TERM", Some(143)), ("KILL", None)] {
        let dir = setup(20_000);
        let out = dir.path().join("out.tsv");
        std::fs::write(&out, "previous run\n").unwrap();
        let mut child = annotate(dir.path(), &out).stderr(Stdio::piped()).spawn().unwrap();
        // wait until the run is writing its temporary output
        let started = Instant::now();
        while partials(dir.path()).is_empty() {
            assert!(started.elapsed() < Duration::from_secs(30), "no temporary output appeared");
            assert!(child.try_wait().unwrap().is_none(), "the run ended before the signal");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(200));
        Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        let result = child.wait_with_output().unwrap();
        assert!(result.status.code() == code || (code.is_none() && result.status.code().is_none()), "SIG{signal}: {:?}", result.status);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous run\n", "SIG{signal}: the previous output survives");
        if signal != "KILL" {
            assert!(partials(dir.path()).is_empty(), "SIG{signal} left {:?}", partials(dir.path()));
            assert!(String::from_utf8_lossy(&result.stderr).contains("interrupted"));
        }
    }
}

#[test]
fn two_runs_writing_one_path_leave_one_whole_output() {
    let dir = setup(3_000);
    let (out, alone) = (dir.path().join("out.tsv"), dir.path().join("alone.tsv"));
    assert!(annotate(dir.path(), &alone).status().unwrap().success());
    let a = annotate(dir.path(), &out).spawn().unwrap();
    let b = annotate(dir.path(), &out).spawn().unwrap();
    assert!(a.wait_with_output().unwrap().status.success() && b.wait_with_output().unwrap().status.success());
    // the same rows (the provenance line names each run's own output path)
    let body = |p: &Path| std::fs::read_to_string(p).unwrap().lines().filter(|l| !l.starts_with("##xpresso")).map(String::from).collect::<Vec<_>>();
    let (got, want) = (body(&out), body(&alone));
    assert!(got == want, "one whole output: {} rows, expected {}", got.len(), want.len());
    assert!(partials(dir.path()).is_empty());
}

#[test]
fn a_read_only_output_directory_fails_the_run_and_names_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = setup(4);
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let cmd = annotate(dir.path(), &ro.join("out.tsv"));
    let output = if is_root() {
        // root writes anywhere: run as nobody
        let mut sp = Command::new("setpriv");
        sp.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(cmd.get_program()).args(cmd.get_args());
        sp.output().expect("setpriv (util-linux) is needed to test permissions as root")
    } else {
        let mut cmd = cmd;
        cmd.output().unwrap()
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&*ro.to_string_lossy()), "{stderr}");
    assert!(std::fs::read_dir(&ro).unwrap().next().is_none());
}

#[test]
fn a_full_disk_fails_the_run_names_the_file_and_leaves_nothing() {
    let dir = setup(4);
    let small = dir.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let mounted = is_root()
        && Command::new("mount").args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"]).arg(&small).status().is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root and mount rights)");
        return;
    }
    let out = small.join("ism.tsv");
    let output = Command::new(env!("CARGO_BIN_EXE_xpresso"))
        .args(["ism", "-q", "-m"])
        .arg(human_model())
        .arg("--genome")
        .arg(dir.path().join("g.fa"))
        .arg("--gtf")
        .arg(dir.path().join("a.gtf"))
        .args(["--gene", "G0", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&small).unwrap().map(|e| e.unwrap().file_name()).collect();
    Command::new("umount").arg(&small).status().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left") && stderr.contains(&*out.to_string_lossy()), "{stderr}");
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
