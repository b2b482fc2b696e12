//! The test corpus's case: a temporary directory with a random 30 kb genome and two genes,
//! the binary run inside it, and the assertions every bad-input case makes (exit class, one
//! error line naming the place, nothing left behind).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{human_model, random_bases, write_fasta};

pub const GTF: &str = "chr1\tt\tgene\t15001\t16000\t.\t+\t.\tgene_id \"A\"; gene_name \"AA\";\nchr1\tt\tgene\t17001\t18000\t.\t-\t.\tgene_id \"B\";\n";

pub struct Case {
    pub dir: tempfile::TempDir,
}

/// What a run gave.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Case {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_fasta(&dir.path().join("g.fa"), &[("chr1", &random_bases(30_000, 5))], 60);
        std::fs::write(dir.path().join("ok.gtf"), GTF).unwrap();
        Case { dir }
    }

    pub fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    pub fn run(&self, args: &[&str]) -> Ran {
        let out = Command::new(env!("CARGO_BIN_EXE_xpresso")).args(args).current_dir(self.dir.path()).output().unwrap();
        Ran { code: out.status.code(), stdout: String::from_utf8_lossy(&out.stdout).into(), stderr: String::from_utf8_lossy(&out.stderr).into() }
    }

    /// `annotate` with the human model into out.tsv, plus `args`.
    pub fn annotate(&self, args: &[&str]) -> Ran {
        let model = human_model().to_string_lossy().into_owned();
        let out = self.p("out.tsv");
        let mut all = vec!["annotate", "-q", "-m", &model];
        if !args.contains(&"-o") {
            all.extend(["-o", &out]);
        }
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Asserts exit `code`, one `xpresso: error:` line containing every `needle`, and no
    /// output or temporary file in the directory beyond `keep`.
    pub fn refused(&self, ran: &Ran, code: i32, needles: &[&str]) {
        assert_eq!(ran.code, Some(code), "expected exit {code}: {}", ran.stderr);
        assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
        let errors: Vec<&str> = ran.stderr.lines().filter(|l| l.starts_with("xpresso: error:") || l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "one error line: {}", ran.stderr);
        for n in needles {
            assert!(errors[0].contains(n), "'{n}' not in: {}", ran.stderr);
        }
        self.no_leftovers();
    }

    pub fn no_leftovers(&self) {
        assert!(!Path::new(&self.p("out.tsv")).exists(), "no output after a failure");
        for entry in walk(self.dir.path()) {
            let name = entry.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.ends_with(".partial"), "temporary file left: {}", entry.display());
        }
    }

    pub fn ok(&self, ran: &Ran) {
        assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    }
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all.extend(walk(&p));
        }
        all.push(p);
    }
    all
}

/// BGZF bytes of `text` in blocks of `block` bytes, with the end-of-file block.
pub fn bgzf(text: &[u8], block: usize) -> Vec<u8> {
    let mut w = noodles::bgzf::io::Writer::new(Vec::new());
    for chunk in text.chunks(block) {
        w.write_all(chunk).unwrap();
        w.flush().unwrap(); // ends the block here
    }
    w.finish().unwrap()
}

/// The same without its end-of-file block: cut at a block boundary, every block whole.
pub fn bgzf_cut(text: &[u8], block: usize) -> Vec<u8> {
    let whole = bgzf(text, block);
    assert_eq!(&whole[whole.len() - 28..], &xpresso::input::BGZF_EOF);
    let mut cut = whole[..whole.len() - 28].to_vec();
    // drop the last data block too, so records are really lost
    let last = cut.windows(4).rposition(|w| w == [0x1f, 0x8b, 8, 4]).unwrap();
    cut.truncate(last);
    cut
}

