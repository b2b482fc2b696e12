//! Silent wrong assemblies and windows that are mostly N, on the shared real data. The
//! Ensembl 75 GTF (GRCh37) against the GRCh37 chr22 piece: its exons lie beside splice sites;
//! against the hg38 chr22 piece placed at its true hg38 coordinates (same chromosome name and
//! nearly the same span): they do not, and the run says so with the figure. Every annotate
//! and predict row carries its window's N fraction; runs count the windows mostly N.

mod common;

use common::{grch37_chr22, hg38_piece, human_model, place_piece, shared, tsv_rows, xpresso};

fn annotate(genome: &str, args: &[&str]) -> (i32, String, String) {
    let model = human_model().to_string_lossy().into_owned();
    let gtf = shared().join("data/annotation/chr22.GRCh37.75.gtf.gz").to_string_lossy().into_owned();
    let mut all = vec!["annotate", "-v", "-m", &model, "--genome", genome, "--gtf", &gtf, "-o", "-"];
    all.extend_from_slice(args);
    let (status, stdout, stderr) = xpresso(&all);
    (status.code().unwrap_or(-1), stdout, stderr)
}

/// The "N of M sampled exons" figures of a run's debug line.
fn splice_figures(stderr: &str) -> (usize, usize) {
    let line = stderr.lines().find(|l| l.contains("sampled exons of")).unwrap_or_else(|| panic!("no splice line: {stderr}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "of").unwrap();
    (words[at - 1].parse().unwrap(), words[at + 1].parse().unwrap())
}

#[test]
fn an_annotation_of_another_assembly_is_warned_about_with_the_figure() {
    let dir = tempfile::tempdir().unwrap();
    let right = dir.path().join("grch37.fa.gz");
    grch37_chr22(&right);
    let (code, _, stderr) = annotate(&right.to_string_lossy(), &["--region", "chr22:20000000-21000000"]);
    assert_eq!(code, 0, "{stderr}");
    let (spliced, checked) = splice_figures(&stderr);
    assert!(checked >= 40, "{stderr}");
    assert!(spliced as f64 / checked as f64 > 0.8, "{spliced} of {checked} on the right assembly");
    assert!(!stderr.contains("another assembly than the genome"), "{stderr}");

    // hg38 sequence where the GRCh37 GTF has genes at 32.0-32.3 Mb
    let wrong = dir.path().join("hg38.fa.gz");
    place_piece(&wrong, "chr22", 50_818_468, 32_000_000, &hg38_piece());
    let (code, _, stderr) = annotate(&wrong.to_string_lossy(), &["--region", "chr22:32000000-32300000"]);
    assert_eq!(code, 0, "{stderr}");
    let (spliced, checked) = splice_figures(&stderr);
    assert!(checked >= 40 && (spliced as f64 / checked as f64) < 0.3, "{spliced} of {checked} on the wrong assembly");
    assert!(stderr.contains("sampled exons of") && stderr.contains("chr22.GRCh37.75.gtf.gz") && stderr.contains("another assembly than the genome"), "{stderr}");
}

#[test]
fn every_row_says_how_much_of_its_window_is_n() {
    let dir = tempfile::tempdir().unwrap();
    let genome = dir.path().join("grch37.fa.gz");
    grch37_chr22(&genome);
    let (code, stdout, stderr) = annotate(&genome.to_string_lossy(), &["--chrom", "22"]);
    assert_eq!(code, 0, "{stderr}");
    let rows = tsv_rows(&stdout);
    assert_eq!(rows[0].last().unwrap(), "n_fraction");
    let fractions: Vec<f32> = rows[1..].iter().map(|r| r.last().unwrap().parse().unwrap()).collect();
    let mostly_n = fractions.iter().filter(|&&f| f > 0.5).count();
    let inside = fractions.iter().filter(|&&f| f == 0.0).count();
    assert!(mostly_n > 100 && inside > 10, "{mostly_n} mostly N, {inside} without N");
    // the all-N windows give the one all-N value; the warning counts them
    let all_n: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r.last().unwrap() == "1.0000").collect();
    assert!(all_n.iter().all(|r| r[5] == all_n[0][5]), "one value for every all-N window");
    assert!(stderr.contains(&format!("{mostly_n} of {} TSS windows are more than 50% N", fractions.len())), "{stderr}");
}
