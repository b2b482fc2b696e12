//! Window coordinates pinned on a small hand-made genome: both strands, both chromosome ends,
//! plain and bgzip FASTA, aliases, case.

mod common;

use common::{random_bases, revcomp, write_bgzf_fasta, write_fasta};
use xpresso::annotation::Strand;
use xpresso::genome::Genome;
use xpresso::window::{self, onehot::base_code, span, TSS_INDEX};

const LEN: usize = 30_000;

fn genome_seq() -> Vec<u8> {
    let mut seq = random_bases(LEN, 7);
    seq[12_000..12_500].make_ascii_lowercase(); // soft-masked run
    seq[20_000..20_300].fill(b'N');
    seq
}

fn n(k: usize) -> Vec<u8> {
    vec![b'N'; k]
}

/// Expected windows, written out by hand from the rule: + [p-7000, p+3500); - rc [p-3499, p+7001).
fn expected(seq: &[u8], p: usize, strand: Strand) -> Vec<u8> {
    let (start, end) = match strand {
        Strand::Plus => (p as i64 - 7000, p as i64 + 3500),
        Strand::Minus => (p as i64 - 3499, p as i64 + 7001),
    };
    let fwd: Vec<u8> = (start..end).map(|i| if i < 0 || i >= seq.len() as i64 { b'N' } else { seq[i as usize] }).collect();
    match strand {
        Strand::Plus => fwd,
        Strand::Minus => revcomp(&fwd),
    }
}

fn check_all(genome: &mut Genome, seq: &[u8]) {
    let id = genome.resolve("chrT").unwrap();
    for p in [0usize, 1, 100, 3498, 3499, 3500, 6999, 7000, 7001, 15_000, 20_100, LEN - 3501, LEN - 3500, LEN - 7001, LEN - 7000, LEN - 100, LEN - 1] {
        for strand in [Strand::Plus, Strand::Minus] {
            let mut w = Vec::new();
            window::cut(genome, id, p as u64, strand, &mut w).unwrap();
            assert_eq!(w.len(), 10_500);
            let want = expected(seq, p, strand);
            assert!(w.iter().zip(&want).all(|(a, b)| base_code(*a) == base_code(*b)), "window p={p} {strand}");
            // the TSS base itself sits at index 7000 (complemented on -)
            let tss = if strand == Strand::Plus { seq[p] } else { revcomp(&[seq[p]])[0] };
            assert_eq!(base_code(w[TSS_INDEX]), base_code(tss), "TSS base p={p} {strand}");
        }
    }
}

#[test]
fn spans_follow_the_model_readme() {
    assert_eq!(span(10_000, Strand::Plus), (3_000, 13_500));
    assert_eq!(span(10_000, Strand::Minus), (6_501, 17_001));
    assert_eq!(span(0, Strand::Plus), (-7000, 3500));
}

#[test]
fn hand_checked_edges() {
    let seq = genome_seq();
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("g.fa");
    write_fasta(&fa, &[("chrT", &seq)], 60);
    let mut genome = Genome::open(&fa).unwrap();
    let id = genome.resolve("chrT").unwrap();
    let mut w = Vec::new();
    // plus at the left end: 6,900 N, then the first 3,600 bases
    window::cut(&mut genome, id, 100, Strand::Plus, &mut w).unwrap();
    assert_eq!(&w[..6900], &n(6900)[..]);
    assert_eq!(&w[6900..], &seq[..3600]);
    // minus at the right end: forward [LEN-100-3499, LEN-100+7001) = bases then 6,901 N, reverse-complemented
    window::cut(&mut genome, id, (LEN - 100) as u64, Strand::Minus, &mut w).unwrap();
    assert_eq!(&w[..6901], &n(6901)[..]);
    assert_eq!(w[6901..].to_ascii_uppercase(), revcomp(&seq[LEN - 3599..]));
    check_all(&mut genome, &seq);
    assert!(dir.path().join("g.fa.fai").exists(), "the index is built beside the FASTA");
}

#[test]
fn bgzip_genome_gives_the_same_windows() {
    let seq = genome_seq();
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("g.fa.gz");
    write_bgzf_fasta(&fa, &[("other", &random_bases(5000, 3)), ("chrT", &seq)], 70);
    let mut genome = Genome::open(&fa).unwrap();
    assert!(dir.path().join("g.fa.gz.fai").exists() && dir.path().join("g.fa.gz.gzi").exists());
    check_all(&mut genome, &seq);
    // a second open reads the indexes it wrote
    let mut again = Genome::open(&fa).unwrap();
    check_all(&mut again, &seq);
}

#[test]
fn chromosome_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let fa = dir.path().join("g.fa");
    write_fasta(&fa, &[("1", b"ACGT"), ("chrX", b"ACGT"), ("MT", b"ACGT")], 60);
    let genome = Genome::open(&fa).unwrap();
    assert_eq!(genome.resolve("chr1"), Some(0));
    assert_eq!(genome.resolve("1"), Some(0));
    assert_eq!(genome.resolve("X"), Some(1));
    assert_eq!(genome.resolve("chrM"), Some(2));
    assert_eq!(genome.resolve("chr2"), None);
}

#[test]
fn short_sequences_are_centred_like_predict_seqs() {
    let seq = b"ACGTACGTAC"; // 10 bp: starts at 7000 - 5
    let w = window::from_sequence(seq).unwrap();
    assert_eq!(&w[6995..7005], seq);
    assert!(w[..6995].iter().chain(&w[7005..]).all(|&b| b == b'N'));
    assert!(window::from_sequence(&vec![b'A'; 7001]).is_none());
    assert!(window::from_sequence(&vec![b'A'; 10_500]).is_some());
    assert!(window::from_sequence(&vec![b'A'; 10_501]).is_none());
}

/// FASTAs that samtools faidx indexes are indexed here too: a blank line at the end (what
/// `zcat` of the shared chr2 piece gives after a short last line), blank lines between
/// records, CRLF line ends, an empty record; the bases read back are the bases written.
#[test]
fn fastas_samtools_indexes_are_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let a = random_bases(1_025, 3);
    let b = random_bases(300, 4);
    let mut text = b">a desc\n".to_vec();
    for line in a.chunks(50) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    text.extend_from_slice(b"\n\n>empty\n>b\r\n");
    for line in b.chunks(60) {
        text.extend_from_slice(line);
        text.extend_from_slice(b"\r\n");
    }
    text.extend_from_slice(b"\n");
    let fa = dir.path().join("g.fa");
    std::fs::write(&fa, &text).unwrap();
    let mut genome = Genome::open(&fa).unwrap();
    let names: Vec<(&str, u64)> = genome.contigs().iter().map(|c| (c.name.as_str(), c.len)).collect();
    assert_eq!(names, [("a", 1_025), ("empty", 0), ("b", 300)]);
    let mut out = Vec::new();
    genome.fetch_padded(0, 0, 1_025, &mut out).unwrap();
    assert_eq!(out, a);
    genome.fetch_padded(2, -5, 305, &mut out).unwrap();
    assert_eq!(&out[5..305], &b[..]);
    assert!(out[..5].iter().chain(&out[305..]).all(|&c| c == b'N'));
    // the .fai is samtools' format, byte for byte
    let fai = std::fs::read_to_string(dir.path().join("g.fa.fai")).unwrap();
    assert_eq!(fai, "a\t1025\t8\t50\t51\nempty\t0\t1063\t0\t0\nb\t300\t1067\t60\t62\n");
}
