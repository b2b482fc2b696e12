//! Variant input through noodles: VCF or BCF, plain, gzip or bgzip (detected by content, even
//! nested as in `ref.bcf.gz`), streamed one record at a time as a VCF text line (BCF records
//! are rendered as VCF by noodles' writer; VCF lines are kept byte for byte). A bgzip file with
//! a tabix (`.tbi`) or CSI (`.csi`) index beside it can instead be read region by region, so
//! only the records near TSSs are visited.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::bcf_gt::{self, BcfGenotypes};
use crate::input::index_check;
use crate::input::at::At;
use crate::input::{remote, OrInput};
use anyhow::{bail, Context, Result};
use flate2::read::MultiGzDecoder;
use noodles::bgzf::{self, VirtualPosition};
use noodles::core::region::Interval;
use noodles::core::Position;
use noodles::csi::{self, BinningIndex};
use noodles::{bcf, vcf};

/// One VCF record: its text and the fields scoring needs.
#[derive(Clone, Debug)]
pub struct VariantRecord {
    /// The VCF line, without the newline.
    pub line: String,
    /// 1-based line in the file, when read as a stream of VCF text.
    pub line_no: Option<u64>,
    pub chrom: String,
    /// 1-based POS.
    pub pos: u64,
    pub reference: String,
    pub alts: Vec<String>,
    /// Where the genotypes are: in `line`, or (BCF read for genotypes only) undecoded GT
    /// values, `None` when FORMAT has no GT.
    pub genotypes: Genotypes,
}

/// Where a record's genotypes are.
#[derive(Clone, Debug)]
pub enum Genotypes {
    /// In the VCF text line.
    Text,
    /// A BCF record's GT values (`line` then holds only the fixed fields).
    Bcf(Option<BcfGenotypes>),
}

impl VariantRecord {
    /// Parses a VCF text line with noodles.
    pub fn parse(line: String, line_no: Option<u64>) -> io::Result<Self> {
        // noodles parses the fixed fields (CHROM..INFO); the FORMAT and sample columns, which
        // are most of a cohort's line, are read by who needs them (`personal::genotype`)
        let fixed = memchr::memchr_iter(b'\t', line.as_bytes()).nth(7).map_or(line.as_bytes(), |at| &line.as_bytes()[..at]);
        let record = vcf::Record::try_from(fixed)?;
        let pos = match record.variant_start() {
            Some(p) => p?.get() as u64,
            None => return Err(io::Error::new(io::ErrorKind::InvalidData, "POS 0 (telomere) cannot be scored")),
        };
        let reference = record.reference_bases().to_string();
        if reference.is_empty() || reference == "." {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "REF is empty"));
        }
        let alts = match record.alternate_bases().as_ref() {
            "" => vec![".".to_string()],
            a => a.split(',').map(String::from).collect(),
        };
        let chrom = record.reference_sequence_name().to_string();
        Ok(VariantRecord { line, line_no, chrom, pos, reference, alts, genotypes: Genotypes::Text })
    }

    /// 1-based position of the last REF base.
    pub fn end(&self) -> u64 {
        self.pos + self.reference.len() as u64 - 1
    }

    /// `file:line` or `chrom:pos`, for messages.
    pub fn locus(&self, path: &Path) -> String {
        match self.line_no {
            Some(n) => format!("{}:{n} ({}:{})", path.display(), self.chrom, self.pos),
            None => format!("{} at {}:{}", path.display(), self.chrom, self.pos),
        }
    }
}

/// An open VCF or BCF.
pub struct VariantReader {
    path: PathBuf,
    /// The index named after `##idx##` (htslib's convention), local or remote.
    index_given: Option<PathBuf>,
    /// The index `find_index` read (for messages and for `restrict`).
    index_path: PathBuf,
    is_bcf: bool,
    is_bgzf: bool,
    pub header: vcf::Header,
    /// The header as VCF text lines (`##...` then `#CHROM...`).
    pub header_lines: Vec<String>,
    body: Body,
    /// Most bytes one BCF record can take (bounded by the file size and the compression ratio).
    max_record: u64,
    /// BCF records read so far (for messages).
    records: u64,
    /// BCF records keep their GT values undecoded instead of being rendered as text.
    gt_only: bool,
}

enum Body {
    Text { lines: Box<dyn BufRead + Send>, line_no: u64 },
    Bcf { reader: bcf::io::Reader<Box<dyn BufRead + Send>>, record: Box<bcf::Record> },
    Indexed(Box<Indexed>),
}

impl VariantReader {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_inner(path).input()
    }

    fn open_inner(path: &Path) -> Result<Self> {
        let (data, index_given) = remote::split_index(path);
        let path = data.as_path();
        let what = || format!("cannot read VCF/BCF {}", path.display());
        // `-` is stdin (bcftools' convention): streamed, so never read through an index
        let stdin = path.as_os_str() == "-";
        let url = remote::is_url(path).then(|| path.to_string_lossy().into_owned());
        let open_remote = |url: &str| remote::RemoteFile::open(url).map_err(|e| crate::input::remote_error(e, "VCF/BCF"));
        let mut file_len = u64::MAX;
        let file: Box<dyn std::io::Read + Send> = if stdin {
            Box::new(std::io::stdin())
        } else if let Some(url) = &url {
            let mut remote = open_remote(url)?;
            file_len = remote.len().map_err(|e| crate::input::remote_error(e, "VCF/BCF"))?;
            Box::new(remote)
        } else {
            file_len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(u64::MAX);
            Box::new(File::open(path).with_context(|| format!("cannot open VCF/BCF {}", path.display()))?)
        };
        let mut reader: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(1 << 16, file));
        let is_bgzf = crate::input::is_bgzf(reader.fill_buf().with_context(what)?);
        if is_bgzf && stdin {
            // checked at its end instead: a stream cannot be seeked to its last block
            reader = Box::new(BufReader::with_capacity(1 << 16, crate::input::BgzfTail::new(reader)));
        } else if is_bgzf && url.is_some() {
            crate::input::check_remote_bgzf_complete(path, "VCF/BCF")?;
        } else if is_bgzf {
            crate::input::check_bgzf_complete(&mut File::open(path)?, path, "VCF/BCF")?;
        }
        // deflate expands at most ~1032:1; each gzip layer multiplies what the bytes can hold
        let mut max_record = file_len;
        while reader.fill_buf().with_context(what)?.starts_with(&[0x1f, 0x8b]) {
            reader = Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(reader)));
            max_record = max_record.saturating_mul(1032);
        }
        if reader.fill_buf().with_context(what)?.starts_with(b"BCF\x02") {
            let header_lines = read_bcf_header_text(&mut reader, path, max_record)?;
            // as leniently as a VCF's header (GATK's repeated command lines), with the string
            // dictionary the records' FILTER, INFO and FORMAT keys index
            let header = lenient_header(&header_lines, path, true)?;
            let reader = bcf::io::Reader::from(reader);
            let body = Body::Bcf { reader, record: Box::default() };
            return Ok(VariantReader { path: path.to_path_buf(), index_given, index_path: PathBuf::new(), is_bcf: true, is_bgzf, header, header_lines, body, max_record, records: 0, gt_only: false });
        }
        let (header_lines, line_no) = read_text_header(&mut reader, path)?;
        let header = lenient_header(&header_lines, path, false)?;
        let body = Body::Text { lines: reader, line_no };
        Ok(VariantReader { path: path.to_path_buf(), index_given, index_path: PathBuf::new(), is_bcf: false, is_bgzf, header, header_lines, body, max_record, records: 0, gt_only: false })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads BCF records for their genotypes only: the fixed fields as text (INFO left out)
    /// and the GT values undecoded (`Genotypes::Bcf`), the other FORMAT keys skipped. A VCF
    /// text file is read as before.
    pub fn genotypes_only(&mut self) {
        self.gt_only = true;
        if let Body::Indexed(ix) = &mut self.body {
            ix.gt_only = true;
        }
    }

    /// The tabix or CSI index of the file, when the file is bgzip and one exists: the one
    /// named after `##idx##`, else `.tbi` (VCF) or `.csi` beside it, on disk or on the server.
    pub fn find_index(&mut self) -> Result<Option<Box<dyn BinningIndex + Send>>> {
        self.find_index_inner().input()
    }

    fn find_index_inner(&mut self) -> Result<Option<Box<dyn BinningIndex + Send>>> {
        if !self.is_bgzf || self.path.as_os_str() == "-" {
            return Ok(None);
        }
        let data = self.path.to_string_lossy().into_owned();
        let candidates: Vec<PathBuf> = match &self.index_given {
            Some(given) => vec![given.clone()],
            None if self.is_bcf => vec![crate::output::suffixed(&self.path, "csi")],
            None => vec![crate::output::suffixed(&self.path, "tbi"), crate::output::suffixed(&self.path, "csi")],
        };
        let candidates: Vec<PathBuf> = match (remote::is_url(&self.path), &self.index_given) {
            (true, None) => candidates.iter().map(|c| PathBuf::from(remote::beside(&data, c.extension().and_then(|e| e.to_str()).unwrap_or("csi")))).collect(),
            _ => candidates,
        };
        for index_path in candidates {
            let index_url = index_path.to_string_lossy().into_owned();
            let tabix = index_url.split('?').next().unwrap_or(&index_url).ends_with(".tbi");
            let shown = remote::shown(&index_url);
            let read = |r: Box<dyn io::Read>| -> io::Result<Box<dyn BinningIndex + Send>> {
                Ok(match tabix {
                    true => Box::new(noodles::tabix::io::Reader::new(r).read_index()?),
                    false => Box::new(csi::io::Reader::new(r).read_index()?),
                })
            };
            let file: Box<dyn io::Read> = if remote::is_url(&index_path) {
                match remote::RemoteFile::open_if_exists(&index_url).map_err(|e| crate::input::remote_error(e, "index"))? {
                    Some(f) => Box::new(f),
                    None if self.index_given.is_some() => bail!("index {shown}: not found (HTTP 404)"),
                    None => continue,
                }
            } else if index_path.exists() {
                Box::new(File::open(&index_path).with_context(|| format!("cannot open index {shown}"))?)
            } else if self.index_given.is_some() {
                bail!("index {shown} (named after ##idx##) does not exist");
            } else {
                continue;
            };
            // an index older than its file may miss records appended or moved since: stream instead
            if remote::is_older(&index_path, &self.path) {
                log::warn!(
                    "index {shown} is older than {}: not used (it may miss records); reading the whole file instead \
                     (rebuild it with `bcftools index -f`)",
                    remote::shown(&data)
                );
                return Ok(None);
            }
            let index = read(file).with_context(|| format!("cannot read index {shown}"))?;
            self.index_path = index_path;
            return Ok(Some(index));
        }
        Ok(None)
    }

    /// The regions to read through `index`, in index order: per reference sequence name,
    /// `regions` gives sorted disjoint 1-based inclusive intervals.
    pub fn plan(&self, index: &dyn BinningIndex, regions: impl Fn(&str) -> Vec<(u64, u64)>) -> Vec<Visit> {
        let mut visits = Vec::new();
        for (ref_id, name) in self.index_names(index).into_iter().enumerate() {
            let mut prev_end = 0;
            for (start, end) in regions(&name) {
                visits.push(Visit { ref_id, name: name.clone(), start, end, prev_end, weight: end - start + 1 });
                prev_end = end;
            }
        }
        visits
    }

    /// Every reference sequence of `index` cut into consecutive tiles of `tile` bp, so that
    /// together they visit every record once (shards of them, joined, equal the whole file).
    /// `length` gives a sequence's length (from the genome) for the tiles' weights; the last
    /// tile of a sequence reaches to the index's end, and a sequence of unknown length is one
    /// visit of weight `tile`.
    pub fn plan_tiles(&self, index: &dyn BinningIndex, tile: u64, length: impl Fn(&str) -> Option<u64>) -> Vec<Visit> {
        let mut visits = Vec::new();
        for (ref_id, name) in self.index_names(index).into_iter().enumerate() {
            let known = length(&name);
            let len = known.unwrap_or(0).max(1);
            let (mut start, mut prev_end) = (1, 0);
            loop {
                let last = start + tile > len;
                let end = if last { u64::MAX } else { start + tile - 1 };
                let weight = if known.is_none() { tile } else { end.min(len) - start + 1 };
                visits.push(Visit { ref_id, name: name.clone(), start, end, prev_end, weight });
                if last {
                    break;
                }
                (prev_end, start) = (end, end + 1);
            }
        }
        visits
    }

    /// Switches to reading only the records that overlap `visits` (from `plan`, possibly
    /// thinned or clipped). Each record is read once, in the visit where it starts.
    /// The index is first checked against the file (`index_check`).
    pub fn restrict(&mut self, index: Box<dyn BinningIndex + Send>, visits: Vec<Visit>) -> Result<()> {
        self.restrict_inner(index, visits).input()
    }

    fn restrict_inner(&mut self, index: Box<dyn BinningIndex + Send>, visits: Vec<Visit>) -> Result<()> {
        let (file, mut raw): (Box<dyn ReadSeek>, At) = if remote::is_url(&self.path) {
            // one hFILE for the reader and the checks of the blocks it is about to read
            let shared = remote::Shared::new(remote::RemoteFile::open(&self.path.to_string_lossy())?);
            (Box::new(shared.clone()), At::Remote(shared))
        } else {
            let file = File::open(&self.path).with_context(|| format!("cannot open {}", self.path.display()))?;
            let raw = file.try_clone()?;
            (Box::new(file), At::Local(raw))
        };
        let raw_len = raw.len()?;
        let index_path = self.index_path.clone();
        index_check::check_covers(&mut raw, index.as_ref(), &self.path, &index_path, &index_check::fix(&self.path, self.is_bcf))?;
        let reader = bgzf::io::Reader::new(file);
        let source = if self.is_bcf { Source::Bcf(bcf::io::Reader::from(reader), Box::default()) } else { Source::Text(reader) };
        let visits = visits.into();
        self.body = Body::Indexed(Box::new(Indexed {
            source,
            index,
            visits,
            chunks: VecDeque::new(),
            visit: None,
            line: String::new(),
            max_record: self.max_record,
            raw,
            raw_len,
            index_path,
            fresh: false,
            gt_only: self.gt_only,
        }));
        Ok(())
    }

    /// Names of the index's reference sequences, in index order.
    fn index_names(&self, index: &dyn BinningIndex) -> Vec<String> {
        match index.header() {
            Some(h) => h.reference_sequence_names().iter().map(|n| String::from_utf8_lossy(n.as_ref()).into_owned()).collect(),
            None => self.header.contigs().keys().map(|k| k.to_string()).collect(),
        }
    }

    /// The next record, or `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<VariantRecord>> {
        self.next_record_inner().input()
    }

    fn next_record_inner(&mut self) -> Result<Option<VariantRecord>> {
        let path = &self.path;
        match &mut self.body {
            Body::Text { lines, line_no } => {
                let Some(line) = read_line(lines.as_mut(), path, *line_no + 1)? else { return Ok(None) };
                *line_no += 1;
                parse_at(line, Some(*line_no), path).map(Some)
            }
            Body::Bcf { reader, record } => {
                self.records += 1;
                if !read_bcf(reader, record, self.max_record, path, self.records)? {
                    return Ok(None);
                }
                bcf_record(&self.header, record, path, self.records, self.gt_only).map(Some)
            }
            Body::Indexed(ix) => ix.next(&self.header, path),
        }
    }
}

fn parse_at(line: String, line_no: Option<u64>, path: &Path) -> Result<VariantRecord> {
    VariantRecord::parse(line, line_no).map_err(|e| match line_no {
        Some(n) => anyhow::anyhow!("{}:{n}: invalid VCF record: {e}", path.display()),
        None => anyhow::anyhow!("{}: invalid record: {e}", path.display()),
    })
}

/// The next BCF record (`n`: its number, 0 when unknown). Its two length fields are looked
/// at first, so a corrupt length cannot make the decoder allocate more than the file could
/// hold (`max_record` bytes); a panic of the decoder becomes an error naming the record.
/// `record` is reused (its buffers kept); returns false at the end.
fn read_bcf<R: BufRead>(reader: &mut bcf::io::Reader<R>, record: &mut bcf::Record, max_record: u64, path: &Path, n: u64) -> Result<bool> {
    let which = if n > 0 { format!("record {n}") } else { "a record".into() };
    let head = reader.get_mut().fill_buf().map_err(|e| anyhow::anyhow!("{}: BCF {which}: {}", path.display(), crate::input::read_error(&e)))?;
    if head.len() >= 8 {
        let len = |b: &[u8]| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let total = len(&head[..4]) + len(&head[4..8]);
        if total > max_record {
            bail!("{}: BCF {which} claims {total} bytes, more than the file can hold: the file is corrupt", path.display());
        }
    }
    let read = crate::input::contain(|| Ok(reader.read_record(record)?))
        .map_err(|e| anyhow::anyhow!("{}: invalid BCF {which}: {e:#}", path.display()))?;
    Ok(read > 0)
}

/// A BCF record (number `n`, 0 when unknown) as a `VariantRecord`: rendered as a VCF line,
/// or (`gt_only`) its fixed fields and GT values.
fn bcf_record(header: &vcf::Header, record: &bcf::Record, path: &Path, n: u64, gt_only: bool) -> Result<VariantRecord> {
    if !gt_only {
        return parse_at(bcf_line(header, record, path, n)?, None, path);
    }
    let which = if n > 0 { format!("BCF record {n}") } else { "a BCF record".into() };
    let fail = |e: anyhow::Error| anyhow::anyhow!("{}: invalid {which}: {e:#}", path.display());
    let line = crate::input::contain(|| bcf_fixed_fields(header, record)).map_err(fail)?;
    let mut parsed = parse_at(line, None, path)?;
    let samples = crate::input::contain(|| Ok(record.samples()?)).map_err(fail)?;
    let gt = header.string_maps().strings().get_index_of("GT");
    let found = bcf_gt::find(samples.as_ref(), header.sample_names().len(), samples.format_count(), gt)
        .map_err(|e| anyhow::anyhow!("{} at {}:{}: invalid BCF FORMAT data: {e:#}", path.display(), parsed.chrom, parsed.pos))?;
    parsed.genotypes = Genotypes::Bcf(found);
    Ok(parsed)
}

/// CHROM to FILTER of a BCF record as VCF text, INFO as `.`.
fn bcf_fixed_fields(header: &vcf::Header, record: &bcf::Record) -> Result<String> {
    use std::fmt::Write as _;
    let mut line = String::with_capacity(64);
    let pos = match record.variant_start() {
        Some(p) => p?.get(),
        None => 0,
    };
    write!(line, "{}\t{pos}\t", vcf::variant::Record::reference_sequence_name(record, header)?)?;
    let ids = record.ids();
    let ids: Vec<&str> = vcf::variant::record::Ids::iter(&ids).collect();
    line.push_str(if ids.is_empty() { "." } else { "" });
    line.push_str(&ids.join(";"));
    line.push('\t');
    let reference: Vec<u8> = vcf::variant::record::ReferenceBases::iter(&record.reference_bases()).collect::<io::Result<_>>()?;
    line.push_str(std::str::from_utf8(&reference)?);
    line.push('\t');
    let alts = record.alternate_bases();
    let alts: Vec<&str> = vcf::variant::record::AlternateBases::iter(&alts).collect::<io::Result<_>>()?;
    line.push_str(if alts.is_empty() { "." } else { "" });
    line.push_str(&alts.join(","));
    line.push_str("\t.\t");
    let filters = record.filters();
    let filters: Vec<&str> = vcf::variant::record::Filters::iter(&filters, header).collect::<io::Result<_>>()?;
    line.push_str(if filters.is_empty() { "." } else { "" });
    line.push_str(&filters.join(";"));
    line.push_str("\t.");
    Ok(line)
}

/// A BCF record (number `n`, 0 when unknown) as a VCF text line.
fn bcf_line(header: &vcf::Header, record: &bcf::Record, path: &Path, n: u64) -> Result<String> {
    let which = if n > 0 { format!("BCF record {n}") } else { "a BCF record".into() };
    use vcf::variant::io::Write as _;
    let mut writer = vcf::io::Writer::new(Vec::with_capacity(256));
    crate::input::contain(|| Ok(writer.write_variant_record(header, record)?))
        .map_err(|e| anyhow::anyhow!("{}: cannot render {which} as VCF (corrupt record?): {e:#}", path.display()))?;
    let mut bytes = writer.into_inner();
    while bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    String::from_utf8(bytes).with_context(|| format!("{}: {which} is not UTF-8", path.display()))
}

/// The header text of a BCF (after the `BCF\2\x` magic, its length, then the VCF header,
/// NUL-padded) as lines; the reader is left at the first record.
fn read_bcf_header_text(reader: &mut dyn BufRead, path: &Path, max_len: u64) -> Result<Vec<String>> {
    let bad = |what: &str| anyhow::anyhow!("{}: invalid BCF header: {what}", path.display());
    let mut head = [0u8; 9];
    reader.read_exact(&mut head).map_err(|_| bad("cut short"))?;
    if head[4] > 2 {
        bail!("{}: BCF version 2.{} is not supported (2.1 and 2.2 are)", path.display(), head[4]);
    }
    let len = u64::from(u32::from_le_bytes([head[5], head[6], head[7], head[8]]));
    if len > max_len {
        return Err(bad(&format!("it claims {len} bytes of text, more than the file can hold")));
    }
    let mut text = vec![0u8; len as usize];
    reader.read_exact(&mut text).map_err(|_| bad("its text is cut short"))?;
    while text.last() == Some(&0) {
        text.pop();
    }
    let text = String::from_utf8(text).map_err(|_| bad("its text is not UTF-8"))?;
    let lines: Vec<String> = text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect();
    if !lines.first().is_some_and(|l| l.starts_with("##fileformat=VCF")) {
        return Err(bad("its text does not start with ##fileformat=VCF"));
    }
    if !lines.last().is_some_and(|l| l.starts_with("#CHROM")) {
        return Err(bad("its text does not end with the #CHROM line"));
    }
    Ok(lines)
}

/// Reads one line without its newline; `None` at the end of the file.
fn read_line(reader: &mut dyn BufRead, path: &Path, line_no: u64) -> Result<Option<String>> {
    let mut line = String::new();
    let n = reader.read_line(&mut line).map_err(|e| anyhow::anyhow!("{}:{line_no}: {}", path.display(), crate::input::read_error(&e)))?;
    if n == 0 {
        return Ok(None);
    }
    while line.ends_with(['\n', '\r']) {
        line.pop();
    }
    Ok(Some(line))
}

/// Header lines that noodles parses into the header xpresso uses: the definitions it reads
/// (INFO, FORMAT, FILTER, ALT, contig), the first of each ID (bcftools keeps the first of a
/// duplicate too), `##fileformat` and `#CHROM`.
const PARSED_KEYS: [&str; 5] = ["##INFO=", "##FORMAT=", "##FILTER=", "##ALT=", "##contig="];

/// Parses a VCF text header as bcftools reads it: other `##` lines (tool command lines such
/// as GATK's repeated `##GATKCommandLine=<ID=ApplyRecalibration,...>`, free text, unknown
/// structured lines) are not parsed here; they stay in the output header unchanged. A line
/// that is refused is named by its line number.
/// `bcf`: the header of a BCF, whose string dictionary (FILTER, INFO and FORMAT IDs in header
/// order, PASS first, or their `IDX=`) is built from the same kept lines.
fn lenient_header(lines: &[String], path: &Path, bcf: bool) -> Result<vcf::Header> {
    let mut seen = std::collections::HashSet::new();
    let kept: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            if *i == 0 || l.starts_with("#CHROM") {
                return true;
            }
            let Some(key) = PARSED_KEYS.iter().find(|k| l.starts_with(**k)) else { return false };
            let id = l.split_once("ID=").map(|(_, rest)| rest.split([',', '>']).next().unwrap_or("")).unwrap_or("");
            let first = seen.insert((*key, id.to_string()));
            if !first {
                log::debug!("{}:{}: duplicate {key}{id} header line: the first one is used", path.display(), i + 1);
            }
            first
        })
        .map(|(i, l)| (i, l.as_str()))
        .collect();
    let text: String = kept.iter().flat_map(|(_, l)| [*l, "\n"]).collect();
    let parsed = text.parse::<vcf::Header>().map(|mut header| {
        if bcf {
            let maps = text.parse::<vcf::header::StringMaps>().map_err(|e| anyhow::anyhow!("{}: the BCF header's string dictionary: {e}", path.display()))?;
            *header.string_maps_mut() = maps;
        }
        Ok(header)
    });
    parsed.map_err(|e| {
        // name the first line noodles refuses (only on this error path): the #CHROM line
        // alone (duplicate sample names), then a growing prefix
        let chrom_line = lines.len() - 1;
        if format!("{}\n{}\n", lines[0], lines[chrom_line]).parse::<vcf::Header>().is_err() && chrom_line > 0 {
            return anyhow::anyhow!("{}:{}: invalid #CHROM header line ({e}): {}", path.display(), chrom_line + 1, crate::input::shorten(&lines[chrom_line], 120));
        }
        let mut prefix = String::new();
        for (i, l) in &kept {
            prefix.push_str(l);
            prefix.push('\n');
            let probe = if l.starts_with("#CHROM") { prefix.clone() } else { format!("{prefix}{}\n", lines[lines.len() - 1]) };
            if probe.parse::<vcf::Header>().is_err() {
                return anyhow::anyhow!("{}:{}: invalid VCF header line ({e}): {}", path.display(), i + 1, crate::input::shorten(l, 120));
            }
        }
        anyhow::anyhow!("{}: invalid VCF header: {e}", path.display())
    })?
}

/// The `#` lines up to and including `#CHROM`; returns them and the number of lines read.
fn read_text_header(reader: &mut dyn BufRead, path: &Path) -> Result<(Vec<String>, u64)> {
    let mut lines = Vec::new();
    loop {
        let Some(line) = read_line(reader, path, lines.len() as u64 + 1)? else {
            bail!("{}: not a VCF: no #CHROM header line", path.display());
        };
        if lines.is_empty() && !line.starts_with("##fileformat=VCF") {
            bail!("{}: not a VCF: the first line is not ##fileformat=VCFv4.x", path.display());
        }
        let last = line.starts_with("#CHROM");
        if !line.starts_with('#') {
            bail!("{}:{}: record before the #CHROM header line", path.display(), lines.len() + 1);
        }
        lines.push(line);
        if last {
            let n = lines.len() as u64;
            return Ok((lines, n));
        }
    }
}

/// Region-by-region reading through an index.
struct Indexed {
    source: Source,
    index: Box<dyn BinningIndex + Send>,
    visits: VecDeque<Visit>,
    chunks: VecDeque<csi::binning_index::index::reference_sequence::bin::Chunk>,
    visit: Option<Visit>,
    line: String,
    max_record: u64,
    /// The file again, for checking chunk starts.
    raw: At,
    raw_len: u64,
    index_path: PathBuf,
    /// Just seeked to a chunk start: the next record must be one of the visit's sequence.
    fresh: bool,
    gt_only: bool,
}

enum Source {
    Text(bgzf::io::Reader<Box<dyn ReadSeek>>),
    Bcf(bcf::io::Reader<bgzf::io::Reader<Box<dyn ReadSeek>>>, Box<bcf::Record>),
}

/// A local file or a remote one, for the BGZF reader.
trait ReadSeek: io::Read + io::Seek + Send {}
impl<T: io::Read + io::Seek + Send> ReadSeek for T {}

/// One region to read: 1-based inclusive, and the end of the previous region of the same
/// sequence (a record reaching back into it was read there, or by the shard that has it).
#[derive(Clone, Debug)]
pub struct Visit {
    pub ref_id: usize,
    pub name: String,
    pub start: u64,
    /// Inclusive; may pass the index's last position (clipped when read).
    pub end: u64,
    pub prev_end: u64,
    /// Its share of the work, for splitting visits into shards (its length in bp).
    pub weight: u64,
}

impl Indexed {
    fn next(&mut self, header: &vcf::Header, path: &Path) -> Result<Option<VariantRecord>> {
        loop {
            if self.visit.is_none() || self.chunks.is_empty() {
                let Some(visit) = self.visits.pop_front() else { return Ok(None) };
                // a tabix index ends at 2^29 - 1, a CSI one where its depth says
                let bits = u32::from(self.index.min_shift()) + 3 * u32::from(self.index.depth());
                let last = 1u64.checked_shl(bits).map_or(u64::MAX, |n| n - 1);
                if visit.start > last {
                    continue;
                }
                let interval = Interval::from(Position::try_from(visit.start as usize)?..=Position::try_from(visit.end.min(last) as usize)?);
                self.chunks = self.index.query(visit.ref_id, interval).with_context(|| format!("{}: index query failed", path.display()))?.into();
                self.visit = Some(visit);
                if let Some(chunk) = self.chunks.front() {
                    let (start, end) = (chunk.start(), chunk.end());
                    self.seek(start, end, path)?;
                }
                continue;
            }
            let chunk_end = self.chunks.front().expect("checked above").end();
            if self.position() >= chunk_end {
                self.chunks.pop_front();
                if let Some(chunk) = self.chunks.front() {
                    let (start, end) = (chunk.start(), chunk.end());
                    self.seek(start, end, path)?;
                }
                continue;
            }
            let fresh = std::mem::take(&mut self.fresh);
            let read = self.read(header, path);
            let is_bcf = matches!(self.source, Source::Bcf(..));
            let record = match read {
                Ok(r) => r,
                Err(e) if fresh => return Err(index_check::mismatch(path, &self.index_path, is_bcf, &format!("no record starts where it points: {e:#}"))),
                Err(e) => return Err(e),
            };
            let Some(record) = record else {
                self.chunks.clear();
                continue;
            };
            let visit = self.visit.as_ref().expect("set above");
            if fresh && record.chrom != visit.name {
                let what = format!("it points to a record on {} for sequence {}", record.chrom, visit.name);
                return Err(index_check::mismatch(path, &self.index_path, is_bcf, &what));
            }
            // a record starting in or before the previous region of this sequence also
            // overlaps it (it reaches this one), so it was read there
            if record.chrom != visit.name || record.end() < visit.start || record.pos <= visit.prev_end {
                continue;
            }
            if record.pos > visit.end {
                self.chunks.clear(); // sorted: nothing further overlaps this region
                continue;
            }
            return Ok(Some(record));
        }
    }

    fn position(&self) -> VirtualPosition {
        match &self.source {
            Source::Text(r) => r.virtual_position(),
            Source::Bcf(r, _) => r.get_ref().virtual_position(),
        }
    }

    /// Seeks to a chunk start, which must be a BGZF block inside the file and, for VCF text,
    /// the start of a line. A remote file is told the chunk's bytes (to the end of the block
    /// where it ends), to fetch them in one request.
    fn seek(&mut self, pos: VirtualPosition, end: VirtualPosition, path: &Path) -> Result<()> {
        let is_bcf = matches!(self.source, Source::Bcf(..));
        if matches!(self.raw, At::Remote(_)) {
            let last = index_check::block_size(&mut self.raw, end, self.raw_len).map_err(|e| anyhow::anyhow!("{}: cannot read at byte {}: {e}", path.display(), end.compressed()))?;
            self.raw.plan(pos.compressed(), end.compressed() + last);
        }
        let inside = index_check::is_block_start(&mut self.raw, pos, self.raw_len).map_err(|e| anyhow::anyhow!("{}: cannot read at byte {}: {e}", path.display(), pos.compressed()))?;
        if !inside {
            let what = format!("a chunk starts at byte {} (+{}), which is not inside a BGZF block of the file", pos.compressed(), pos.uncompressed());
            return Err(index_check::mismatch(path, &self.index_path, is_bcf, &what));
        }
        let failed = |e: io::Error| anyhow::anyhow!("{}: cannot read at byte {} (+{}) through its index (a corrupt BGZF block, or an index of another file?): {}", path.display(), pos.compressed(), pos.uncompressed(), crate::input::read_error(&e));
        match &mut self.source {
            Source::Text(r) if pos.uncompressed() > 0 => {
                let before = VirtualPosition::try_from((pos.compressed(), pos.uncompressed() - 1)).expect("inside the block");
                r.seek(before).map_err(failed)?;
                let mut byte = [0u8; 1];
                io::Read::read_exact(r, &mut byte).map_err(failed)?;
                if byte[0] != b'\n' {
                    return Err(index_check::mismatch(path, &self.index_path, false, &format!("a chunk starts inside a line, at byte {} (+{})", pos.compressed(), pos.uncompressed())));
                }
            }
            Source::Text(r) => {
                r.seek(pos).map_err(failed)?;
            }
            Source::Bcf(r, _) => {
                r.get_mut().seek(pos).map_err(failed)?;
            }
        }
        self.fresh = true;
        Ok(())
    }

    fn read(&mut self, header: &vcf::Header, path: &Path) -> Result<Option<VariantRecord>> {
        let line = match &mut self.source {
            Source::Text(r) => {
                self.line.clear();
                if r.read_line(&mut self.line).map_err(|e| anyhow::anyhow!("{}: {}", path.display(), crate::input::read_error(&e)))? == 0 {
                    return Ok(None);
                }
                self.line.trim_end_matches(['\n', '\r']).to_string()
            }
            Source::Bcf(r, record) => {
                if !read_bcf(r, record, self.max_record, path, 0)? {
                    return Ok(None);
                }
                return bcf_record(header, record, path, 0, self.gt_only).map(Some);
            }
        };
        parse_at(line, None, path).map(Some)
    }
}
