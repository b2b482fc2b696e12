//! Every worked example of the README and docs/ runs as a test, so a page cannot drift from
//! what the binary prints. A page is one shell session (variables and `cd` carry from block
//! to block) in a fresh directory laid out like a clone beside `shared/`:
//!
//! - ```` ```console ```` blocks: each `$ command` line (continued by a trailing `\`) runs,
//!   and the lines after it, up to the next `$`, are what it must print (stdout and stderr
//!   together). In those lines `[..]` matches any text within the line and a line `...`
//!   any number of lines (trycmd's conventions). A first line `? N` says the command
//!   exits with status N; otherwise it must exit 0.
//! - ```` ```sh ```` blocks run as they are and must exit 0 (set-up steps: a genome
//!   made, variables set); their output is not compared.
//! - Other blocks (synopses with placeholder file names, configs, diagrams) are not run.
//!
//! `cargo ...` lines are not run: the xpresso under test is first on PATH already. The
//! page runs in a temporary copy: `example/` is copied (runs write indexes beside its
//! genome), the rest of the repository is linked read-only, `../shared` is the shared data.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One step of a page: a command (or a whole `sh` block) and what it must print.
#[derive(Debug)]
struct Step {
    line: usize,
    /// 0-based line of the page where the expected output starts (`$` steps).
    expected_at: usize,
    command: String,
    expected: Option<Vec<String>>,
    status: i32,
}

/// The runnable steps of a markdown page, in order.
fn steps(markdown: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = markdown.lines().enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let info = info.trim().to_string();
        let mut body: Vec<(usize, &str)> = Vec::new();
        for (m, l) in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push((m + 1, l));
        }
        match info.as_str() {
            "sh" => steps.push(Step { line: n + 1, expected_at: 0, command: body.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n"), expected: None, status: 0 }),
            "console" => steps.extend(console_steps(&body)),
            _ => {}
        }
    }
    steps
}

fn console_steps(body: &[(usize, &str)]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let (n, l) = body[i];
        let Some(first) = l.strip_prefix("$ ") else {
            let step = steps.last_mut().unwrap_or_else(|| panic!("line {n}: a console block starts with `$ command`"));
            let expected = step.expected.get_or_insert_with(Vec::new);
            match l.strip_prefix("? ") {
                Some(code) if expected.is_empty() => step.status = code.trim().parse().unwrap_or_else(|_| panic!("line {n}: `? N` takes an exit status")),
                _ => expected.push(l.to_string()),
            }
            i += 1;
            continue;
        };
        let mut command = first.to_string();
        while command.ends_with('\\') && i + 1 < body.len() {
            i += 1;
            command.push('\n');
            command.push_str(body[i].1);
        }
        steps.push(Step { line: n, expected_at: body[i].0, command, expected: Some(Vec::new()), status: 0 });
        i += 1;
    }
    steps
}

/// Whether `got` matches `pattern`: `[..]` is any text within a line.
fn line_matches(pattern: &str, got: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == got;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !got.starts_with(first) || got.len() < first.len() + last.len() || !got.ends_with(last) {
        return false;
    }
    let mut rest = &got[first.len()..got.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether the printed lines match the expected ones (`...` alone: any number of lines).
fn lines_match(expected: &[String], got: &[&str]) -> bool {
    match expected.split_first() {
        None => got.is_empty(),
        Some((e, rest)) if e == "..." => (0..=got.len()).any(|skip| lines_match(rest, &got[skip..])),
        Some((e, rest)) => !got.is_empty() && line_matches(e, got[0]) && lines_match(rest, &got[1..]),
    }
}

/// A directory laid out like a clone beside `shared/`: returns (the temp root, the clone).
/// Each page gets its own. Only what git tracks at the top of the checkout is linked in (the
/// example is copied): a user's own files beside it (`work/`, `chr22.fa` made by following
/// the docs) are not, so no page can overwrite them or read a stale index of theirs.
fn sandbox() -> (tempfile::TempDir, PathBuf) {
    sandbox_of(&repo())
}

/// The top-level names git tracks in `checkout`; outside a git checkout (an unpacked
/// release), every entry but `target` and `.git`.
fn tracked_top_level(checkout: &Path) -> std::collections::BTreeSet<String> {
    match Command::new("git").args(["ls-files", "-z"]).current_dir(checkout).output() {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            out.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()).map(|p| String::from_utf8_lossy(p).split('/').next().unwrap().to_string()).collect()
        }
        _ => std::fs::read_dir(checkout).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n != "target" && n != ".git").collect(),
    }
}

fn sandbox_of(checkout: &Path) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let clone = root.path().join("xpresso");
    std::fs::create_dir(&clone).unwrap();
    let shared = std::env::var_os("XPRESSO_SHARED").map(PathBuf::from).unwrap_or_else(|| repo().join("../shared"));
    std::os::unix::fs::symlink(shared.canonicalize().expect("the shared data beside the checkout"), root.path().join("shared")).unwrap();
    for name in tracked_top_level(checkout) {
        let path = checkout.join(&name);
        if name == "example" {
            std::fs::create_dir(clone.join("example")).unwrap();
            for f in std::fs::read_dir(&path).unwrap() {
                let f = f.unwrap();
                let fname = f.file_name().to_string_lossy().to_string();
                // a clone has no index or output there yet
                if !(fname.ends_with(".fai") || fname.ends_with(".gzi") || fname.ends_with(".tsv")) {
                    std::fs::copy(f.path(), clone.join("example").join(f.file_name())).unwrap();
                }
            }
        } else if path.exists() {
            std::os::unix::fs::symlink(&path, clone.join(&name)).unwrap();
        }
    }
    (root, clone)
}

/// A user's untracked files beside the checkout (what following the docs leaves: `work/`,
/// `chr22.fa`) never reach a page's sandbox, so the pages cannot write them. Shown on a
/// checkout made here (the test writes nothing in the real one).
#[test]
fn a_users_files_in_the_checkout_are_out_of_reach() {
    let dir = tempfile::tempdir().unwrap();
    let checkout = dir.path().join("checkout");
    std::fs::create_dir_all(checkout.join("docs")).unwrap();
    std::fs::write(checkout.join("docs/page.md"), "# a page\n").unwrap();
    std::fs::write(checkout.join("README.md"), "# readme\n").unwrap();
    let git = |args: &[&str]| assert!(Command::new("git").args(args).current_dir(&checkout).output().unwrap().status.success(), "git {args:?}");
    git(&["init", "-q"]);
    git(&["add", "docs/page.md", "README.md"]);
    std::fs::create_dir(checkout.join("work")).unwrap();
    std::fs::write(checkout.join("work/sentinel"), "the user's").unwrap();
    std::fs::write(checkout.join("chr22.fa"), ">chr22\nACGT\n").unwrap();
    let (_root, clone) = sandbox_of(&checkout);
    let names: Vec<String> = std::fs::read_dir(&clone).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.contains(&"docs".to_string()) && names.contains(&"README.md".to_string()), "{names:?}");
    assert!(!names.contains(&"work".to_string()) && !names.contains(&"chr22.fa".to_string()), "untracked files linked in: {names:?}");
    // a page following the docs in its sandbox makes its own work/ and chr22.fa
    std::fs::create_dir(clone.join("work")).unwrap();
    std::fs::write(clone.join("work/sentinel"), "the page's").unwrap();
    std::fs::write(clone.join("chr22.fa"), "overwritten").unwrap();
    assert_eq!(std::fs::read_to_string(checkout.join("work/sentinel")).unwrap(), "the user's");
    assert_eq!(std::fs::read_to_string(checkout.join("chr22.fa")).unwrap(), ">chr22\nACGT\n");
}

/// Runs every step of a page in one shell and returns the differences found.
fn run_page(page: &str) -> Vec<String> {
    let markdown = std::fs::read_to_string(repo().join(page)).unwrap();
    let steps = steps(&markdown);
    assert!(!steps.is_empty(), "{page} has no runnable example");
    let (root, clone) = sandbox();
    let out = root.path().join("steps");
    std::fs::create_dir(&out).unwrap();
    // no pipefail: as in a user's shell, `... | head` is not a failure (the output is compared)
    let mut script = String::new();
    for (k, step) in steps.iter().enumerate() {
        let command: String = step
            .command
            .lines()
            .map(|l| if l.trim_start().starts_with("cargo ") { ":" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        script.push_str(&format!("{{\n{command}\n}} > '{0}/{k}' 2>&1 < /dev/null; echo $? > '{0}/{k}.rc'\n", out.display()));
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_xpresso")).parent().unwrap().to_path_buf();
    let home = root.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let ran = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&clone)
        // Snakemake from the venv .ci/run installs, when there is one
        .env("PATH", format!("{}:{}:{}", bin.display(), repo().join("target/snakemake-venv/bin").display(), std::env::var("PATH").unwrap()))
        .env("HOME", &home)
        .env("XPRESSO_CACHE_DIR", home.join("cache"))
        .env_remove("XPRESSO_LOG")
        .output()
        .unwrap();
    assert!(ran.status.success(), "{page}: the shell failed: {}", String::from_utf8_lossy(&ran.stderr));
    let mut problems = Vec::new();
    let mut blessed: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        let printed = std::fs::read_to_string(out.join(k.to_string())).unwrap_or_default();
        let status: i32 = std::fs::read_to_string(out.join(format!("{k}.rc"))).unwrap().trim().parse().unwrap();
        let got: Vec<&str> = printed.lines().collect();
        let wrong_status = status != step.status;
        let wrong_output = step.expected.as_ref().is_some_and(|e| !lines_match(e, &got));
        if wrong_output && std::env::var_os("XPRESSO_DOCS_BLESS").is_some() {
            let expected = step.expected.as_ref().unwrap();
            blessed.push((step.expected_at, expected.len(), got.iter().map(|s| s.to_string()).collect()));
        }
        if wrong_status || wrong_output {
            let expected = step.expected.as_ref().map_or("(not compared)".to_string(), |e| e.join("\n"));
            problems.push(format!(
                "{page}:{}: `{}` exited {status} (expected {}); printed:\n{printed}--- the page says:\n{expected}\n",
                step.line, step.command, step.status
            ));
        }
    }
    if !blessed.is_empty() {
        // XPRESSO_DOCS_BLESS=1: write what was printed into the page (then put back `[..]`
        // where a run's timing shows)
        let mut lines: Vec<String> = markdown.lines().map(String::from).collect();
        for (at, len, got) in blessed.into_iter().rev() {
            let at = if lines.get(at).is_some_and(|l| l.starts_with("? ")) { at + 1 } else { at };
            lines.splice(at..at + len, got);
        }
        std::fs::write(repo().join(page), lines.join("\n") + "\n").unwrap();
    }
    problems
}

fn check(page: &str) {
    let problems = run_page(page);
    assert!(problems.is_empty(), "{} step(s) of {page} differ from the binary:\n\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn matching_follows_trycmd_conventions() {
    assert!(line_matches("xpresso: predicted 16 TSSs in [..] s ([..]/s)", "xpresso: predicted 16 TSSs in 0.1 s (160/s)"));
    assert!(!line_matches("xpresso: predicted 16 TSSs in [..] s", "xpresso: predicted 17 TSSs in 0.1 s"));
    assert!(line_matches("a[..]", "a"));
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(&e(&["a", "...", "z"]), &["a", "b", "c", "z"]));
    assert!(lines_match(&e(&["a", "...", "z"]), &["a", "z"]));
    assert!(!lines_match(&e(&["a", "z"]), &["a", "b", "z"]));
    let s = steps("x\n```console\n$ echo a \\\n  b\na b\n$ false\n? 1\n```\n```\nnot run\n```\n```sh\nX=1\n```\n");
    assert_eq!(s.len(), 3);
    assert_eq!((s[0].command.as_str(), s[0].expected.as_ref().unwrap().len()), ("echo a \\\n  b", 1));
    assert_eq!((s[1].status, s[1].expected.as_ref().unwrap().len()), (1, 0));
    assert!(s[2].expected.is_none());
}

/// Every page with a worked example is listed here; a new page with one must be too.
const PAGES: [&str; 11] = [
    "README.md",
    "docs/quickstart.md",
    "docs/annotate.md",
    "docs/predict.md",
    "docs/scan.md",
    "docs/ism.md",
    "docs/score-variants.md",
    "docs/personal.md",
    "docs/precompute.md",
    "docs/models.md",
    "docs/snakemake.md",
];

#[test]
fn every_page_with_an_example_is_run() {
    for entry in std::fs::read_dir(repo().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let page = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
            let runnable = !steps(&std::fs::read_to_string(&path).unwrap()).is_empty();
            assert_eq!(runnable, PAGES.contains(&page.as_str()), "{page}: a page with ```console or ```sh examples is listed in PAGES, and only such a page");
        }
    }
}

#[test]
fn readme() {
    check("README.md");
}

#[test]
fn quickstart() {
    check("docs/quickstart.md");
}

#[test]
fn annotate() {
    check("docs/annotate.md");
}

#[test]
fn predict() {
    check("docs/predict.md");
}

#[test]
fn scan() {
    check("docs/scan.md");
}

#[test]
fn ism() {
    check("docs/ism.md");
}

#[test]
fn score_variants() {
    check("docs/score-variants.md");
}

#[test]
fn personal() {
    check("docs/personal.md");
}

#[test]
fn precompute() {
    check("docs/precompute.md");
}

#[test]
fn models() {
    check("docs/models.md");
}

/// Needs Snakemake (the README's Rust-only command skips `workflows_*`).
#[test]
fn workflows_snakemake_page() {
    check("docs/snakemake.md");
}
