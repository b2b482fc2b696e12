//! The README's run command, literally, on a fresh copy of the repository (its tracked and
//! not-ignored files, as a clone has them), offline (`CARGO_NET_OFFLINE`). `cargo install`
//! goes into a temporary root put first on PATH, so the user's own install is not touched.
//! It must annotate the shipped example: 16 genes, SLC5A1 at chr22:32,043,261 = -0.633947
//! (the value on the shared piece, docs/annotate.md).

use std::path::Path;
use std::process::Command;

/// The first command of the README's "Set up and run" section.
fn readme_run_command(readme: &str) -> String {
    let section = &readme[readme.find("## Set up and run").expect("a run section")..];
    let block = &section[section.find("```\n").expect("a code block") + 4..];
    block[..block.find("```").unwrap()].trim().to_string()
}

#[test]
fn the_readme_run_command_works_on_a_fresh_copy() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let command = readme_run_command(&std::fs::read_to_string(repo.join("README.md")).unwrap());
    assert!(command.starts_with("cargo install --locked --path . && xpresso annotate"), "{command}");
    let files = Command::new("git").args(["ls-files", "--cached", "--others", "--exclude-standard", "-z"]).current_dir(repo).output().unwrap();
    assert!(files.status.success(), "the tests run in a git checkout");
    let fresh = tempfile::tempdir().unwrap();
    for name in files.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let rel = Path::new(std::str::from_utf8(name).unwrap());
        if !repo.join(rel).is_file() {
            continue; // deleted in the working tree
        }
        std::fs::create_dir_all(fresh.path().join(rel).parent().unwrap()).unwrap();
        std::fs::copy(repo.join(rel), fresh.path().join(rel)).unwrap();
    }
    let root = tempfile::tempdir().unwrap();
    let path = format!("{}:{}", root.path().join("bin").display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .args(["-c", &command])
        .current_dir(fresh.path())
        .env("PATH", path)
        .env("CARGO_INSTALL_ROOT", root.path())
        .env("CARGO_NET_OFFLINE", "true")
        // reuse this checkout's compiled dependencies (a fresh build is the same, slower)
        .env("CARGO_TARGET_DIR", repo.join("target/readme-install"))
        .env_remove("XPRESSO_CACHE_DIR")
        .env("HOME", root.path()) // no model cache: the models are built in
        // the toolchain and crates stay where they are (rustup and cargo find them from HOME)
        .env("CARGO_HOME", std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap())))
        .env("RUSTUP_HOME", std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{}/.rustup", std::env::var("HOME").unwrap())))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{command}\n{stderr}");
    let tsv = std::fs::read_to_string(fresh.path().join("example/genes.tsv")).unwrap();
    let rows: Vec<&str> = tsv.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(rows.len(), 17, "a header and 16 genes: {tsv}");
    assert!(rows.contains(&"SLC5A1\tSLC5A1\tchr22\t32043261\t+\t-0.633947\t0.0000"), "{tsv}");
    // what the run wrote into the copy is git-ignored
    let written = ["example/genes.tsv", "example/hg38_chr22_example.fa.gz.fai", "example/hg38_chr22_example.fa.gz.gzi"];
    let ignored = Command::new("git").arg("check-ignore").args(written).current_dir(repo).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&ignored.stdout).lines().count(), written.len(), "the run's outputs are git-ignored");
}
