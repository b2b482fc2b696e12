//! The user surface generated from the clap definitions: --version, shell completions and
//! man pages, each covering every subcommand.

mod common;

use common::xpresso;

const SUBCOMMANDS: [&str; 6] = ["annotate", "predict", "scan", "ism", "score-variants", "models"];

#[test]
fn version_completions_and_man_pages_cover_every_subcommand() {
    let (status, stdout, _) = xpresso(&["--version"]);
    assert!(status.success());
    // the version, then which backends this build has
    let backends = if cfg!(feature = "torch") { "(backends: native CPU kernel; libtorch, for --device cuda and --backend torch)" } else { "(backends: native CPU kernel; libtorch not built in: no --device cuda)" };
    assert_eq!(stdout.trim(), format!("xpresso {} {backends}", env!("CARGO_PKG_VERSION")));
    for shell in ["bash", "zsh", "fish"] {
        let (status, script, stderr) = xpresso(&["completions", shell]);
        assert!(status.success(), "{stderr}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(script.contains("ref-mismatch") && script.contains("threads"), "{shell}: flags completed");
    }
    let (status, page, _) = xpresso(&["man"]);
    assert!(status.success() && page.starts_with(".ie") && page.contains(".TH xpresso 1"));
    let dir = tempfile::tempdir().unwrap();
    let (status, _, stderr) = xpresso(&["man", "--dir", &dir.path().to_string_lossy()]);
    assert!(status.success(), "{stderr}");
    for sub in SUBCOMMANDS {
        let page = std::fs::read_to_string(dir.path().join(format!("xpresso-{sub}.1"))).unwrap();
        assert!(page.contains(&format!(".TH xpresso-{sub} 1")), "{sub}");
    }
    let sv = std::fs::read_to_string(dir.path().join("xpresso-score-variants.1")).unwrap();
    assert!(sv.contains("ref\\-mismatch") && sv.contains("XPRESSO_MAXABS"), "options documented in the page");
    // -t/-q/-v/--stats are global (before or after the subcommand): in every model-running page
    for sub in ["annotate", "predict", "scan", "ism", "score-variants", "personal", "precompute"] {
        let page = std::fs::read_to_string(dir.path().join(format!("xpresso-{sub}.1"))).unwrap();
        assert!(page.contains("\\-\\-threads") && page.contains("\\-\\-quiet") && page.contains("\\-\\-stats"), "{sub}: run options documented");
    }
    let (status, _, stderr) = xpresso(&["completions", "tcsh"]);
    assert_eq!(status.code(), Some(2), "usage error: {stderr}");
}
