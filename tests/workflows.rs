//! The workflows in `workflows/`, run against the built binary on the shared GRCh37 chr22
//! data: Snakemake for real (installed from PyPI by .ci/run), and each Nextflow module's
//! script and stub blocks rendered from the module file and run with bash (Nextflow itself
//! cannot be installed here). Gathered shard outputs must equal one plain run.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{grch37_chr22, human_model, shared, xpresso};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory of the xpresso binary under test, to put first on PATH.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_xpresso")).parent().unwrap().to_path_buf()
}

fn path_with_bin() -> String {
    format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default())
}

/// `$SNAKEMAKE`, the venv .ci/run installs into, or `snakemake` on PATH.
fn snakemake() -> PathBuf {
    if let Some(p) = std::env::var_os("SNAKEMAKE") {
        return p.into();
    }
    let venv = repo().join("target/snakemake-venv/bin/snakemake");
    if venv.exists() {
        return venv;
    }
    let found = Command::new("snakemake").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(found, "snakemake is needed: .ci/run installs it into target/snakemake-venv (or set SNAKEMAKE)");
    "snakemake".into()
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn bcftools_body(vcf: &Path) -> Vec<String> {
    let o = Command::new("bcftools").args(["view", "-H", &s(vcf)]).output().expect("bcftools is installed (.ci/run installs it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().lines().map(String::from).collect()
}

fn without_provenance(text: &str) -> String {
    text.lines().filter(|l| !l.starts_with("##xpresso")).map(|l| format!("{l}\n")).collect()
}

/// Inputs on the shared data: GRCh37 chr22 (the 20-21 Mb piece in N), Ensembl 75 GTF, the
/// HapMap exome VCF (tabix).
struct Inputs {
    _dir: tempfile::TempDir,
    root: PathBuf,
    genome: PathBuf,
    gtf: PathBuf,
    vcf: PathBuf,
}

fn inputs() -> Inputs {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let genome = root.join("chr22.fa.gz");
    grch37_chr22(&genome);
    let data = shared().join("data");
    Inputs {
        _dir: dir,
        root,
        genome,
        gtf: data.join("annotation/chr22.GRCh37.75.gtf.gz"),
        vcf: data.join("variants/hapmap_exome_chr22.vcf.gz"),
    }
}

const LOCUS: &str = "22:20,110,001-20,125,000";

#[test]
fn workflows_snakemake_runs_and_its_gathered_outputs_equal_plain_runs() {
    let i = inputs();
    run_and_check(&i, &["--cores", "2"]);
}

/// The config keys as config.yaml documents them: `extra_args` on every call (an option every
/// subcommand takes), a subcommand's own flags in its `<subcommand>_args` key. The documented
/// example (`--features hl.tsv --tss transcript` for annotate) runs with `scan:` loci, which
/// take no --features.
#[test]
fn workflows_snakemake_documented_config_variants_run() {
    let i = inputs();
    let model = s(&human_model());
    let (status, genes, stderr) = xpresso(&["annotate", "-q", "-m", &model, "--genome", &s(&i.genome), "--gtf", &s(&i.gtf)]);
    assert!(status.success(), "{stderr}");
    let ids: Vec<&str> = genes.lines().filter(|l| !l.starts_with('#') && !l.starts_with("gene_id")).take(5).map(|l| l.split('\t').next().unwrap()).collect();
    let table: String = std::iter::once("gene_id\tf1\tf2\tf3\tf4\tf5\tf6\n".to_string()).chain(ids.iter().map(|id| format!("{id}\t0.5\t-1\t0.25\t2\t-0.5\t1\n"))).collect();
    std::fs::write(i.root.join("hl.tsv"), table).unwrap();
    let config = format!(
        "genome: {}\ngtf: {}\nvcf: {}\nmodel: {model}\nshards: 2\nthreads: 1\nscan:\n  ZDHHC8: \"{LOCUS}\"\nscan_step: 2000\noutdir: results\n\
         extra_args: \"--device cpu\"\nannotate_args: \"--features hl.tsv --tss transcript\"\nscore_variants_args: \"--features hl.tsv --only-windows\"\nscan_args: \"--offset 0\"\n",
        s(&i.genome),
        s(&i.gtf),
        s(&i.vcf)
    );
    snakemake_with(&i, &config, &["--cores", "2"]);
    let res = i.root.join("results");
    let annotated = std::fs::read_to_string(res.join("annotate/predictions.tsv")).unwrap();
    assert!(annotated.lines().any(|l| l.starts_with("##features: the 6 half-life features from hl.tsv")), "annotate got annotate_args");
    assert!(annotated.lines().any(|l| l.starts_with("gene_id\tgene_name\ttranscript_id")), "annotate got --tss transcript");
    let scored = std::fs::read_to_string(res.join("variants/scored.tsv")).unwrap();
    assert!(scored.lines().any(|l| l.starts_with("##features: the 6 half-life features from hl.tsv")), "score-variants got score_variants_args");
    assert!(std::fs::metadata(res.join("scan/ZDHHC8.plus.bw")).unwrap().len() > 0, "scan ran without the others' flags");
}

/// PATH for a workflow run: the binary under test first, then Snakemake's venv (a SLURM job
/// runs Snakemake again inside the job, from the environment it was submitted with).
fn workflow_path() -> String {
    let venv = snakemake().parent().map(Path::to_path_buf).filter(|p| p.is_absolute());
    match venv {
        Some(v) => format!("{}:{}", v.display(), path_with_bin()),
        None => path_with_bin(),
    }
}

/// Writes `config` as config.yaml in `i`'s directory and runs the Snakefile's `all` there with
/// `engine` (`--cores N`, or `--profile DIR`); returns Snakemake's output (it must succeed).
fn snakemake_with(i: &Inputs, config: &str, engine: &[&str]) -> String {
    std::fs::write(i.root.join("config.yaml"), config).unwrap();
    let out = Command::new(snakemake())
        .args(["-s", &s(&repo().join("workflows/snakemake/Snakefile")), "--configfile", "config.yaml"])
        .args(engine)
        .arg("all")
        .current_dir(&i.root)
        .env("PATH", workflow_path())
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "snakemake failed:\n{log}");
    log
}

/// Runs the Snakefile on `i` with `engine` (`--cores N`, or `--profile DIR`) and checks each
/// gathered output against a plain run; returns Snakemake's output.
fn run_and_check(i: &Inputs, engine: &[&str]) -> String {
    let model = s(&human_model());
    let config = format!(
        "genome: {}\ngtf: {}\nvcf: {}\ncohort_vcf: {}\nmodel: {model}\nshards: 3\nthreads: 1\nscan:\n  ZDHHC8: \"{LOCUS}\"\nscan_step: 500\noutdir: results\n",
        s(&i.genome),
        s(&i.gtf),
        s(&i.vcf),
        s(&i.vcf)
    );
    let log = snakemake_with(i, &config, engine);
    let res = i.root.join("results");

    // annotate: 3 shards joined == one run
    let (status, one, stderr) = xpresso(&["annotate", "-q", "-m", &model, "--genome", &s(&i.genome), "--gtf", &s(&i.gtf)]);
    assert!(status.success(), "{stderr}");
    let gathered = std::fs::read_to_string(res.join("annotate/predictions.tsv")).unwrap();
    assert!(gathered.lines().count() > 1000, "every chr22 gene");
    assert_eq!(without_provenance(&gathered), without_provenance(&one));

    // scan: the same tracks as a direct run, and bigWigs
    let direct = i.root.join("direct");
    let (status, _, stderr) = xpresso(&["scan", "-q", "-m", &model, "--genome", &s(&i.genome), "--region", LOCUS, "--step", "500", "-o", &s(&direct)]);
    assert!(status.success(), "{stderr}");
    for strand in ["plus", "minus"] {
        let want = std::fs::read_to_string(i.root.join(format!("direct.{strand}.bedGraph"))).unwrap();
        assert_eq!(std::fs::read_to_string(res.join(format!("scan/ZDHHC8.{strand}.bedGraph"))).unwrap(), want);
        assert!(std::fs::metadata(res.join(format!("scan/ZDHHC8.{strand}.bw"))).unwrap().len() > 0);
    }

    // score-variants: bcftools concat of 3 shards == one run; TSVs by cat
    let one_vcf = i.root.join("one.vcf.gz");
    let one_tsv = i.root.join("one.tsv");
    let (status, _, stderr) = xpresso(&[
        "score-variants", "-q", "-m", &model, "--genome", &s(&i.genome), "--gtf", &s(&i.gtf), "--vcf", &s(&i.vcf), "-o", &s(&one_vcf), "--tsv", &s(&one_tsv),
    ]);
    assert!(status.success(), "{stderr}");
    let body = bcftools_body(&res.join("variants/scored.vcf.gz"));
    assert!(body.iter().filter(|l| l.contains("XPRESSO=")).count() >= 4, "scored records");
    assert_eq!(body, bcftools_body(&one_vcf));
    assert!(res.join("variants/scored.vcf.gz.csi").exists());
    // the same table; the `##xpresso` provenance line names each run's own command
    let table = |p: &Path| std::fs::read_to_string(p).unwrap().lines().filter(|l| !l.starts_with("##xpresso")).map(String::from).collect::<Vec<_>>();
    assert_eq!(table(&res.join("variants/scored.tsv")), table(&one_tsv));

    // personal: 3 shards joined by cat == one run
    let one_personal = i.root.join("one.personal.tsv.gz");
    let (status, _, stderr) = xpresso(&["personal", "-q", "-m", &model, "--genome", &s(&i.genome), "--gtf", &s(&i.gtf), "--vcf", &s(&i.vcf), "-o", &s(&one_personal)]);
    assert!(status.success(), "{stderr}");
    let gunzip = |p: &Path| {
        use std::io::Read;
        let mut t = String::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(p).unwrap()).read_to_string(&mut t).unwrap();
        t.lines().filter(|l| !l.starts_with("##xpresso")).map(String::from).collect::<Vec<_>>()
    };
    let gathered = gunzip(&res.join("personal/expression.tsv.gz"));
    assert!(gathered.len() > 1000 && gathered.iter().any(|l| l.starts_with("gene_id\t")), "every chr22 gene, one header");
    assert_eq!(gathered, gunzip(&one_personal));

    // every job logged to a file; shard files were temporary
    for log in ["annotate/1.log", "annotate/3.log", "scan/ZDHHC8.log", "score_variants/2.log", "score_variants/gather.log"] {
        assert!(res.join("logs").join(log).exists(), "log {log}");
    }
    assert!(!res.join("annotate/shards/1.tsv").exists(), "shards are temp()");
    log
}

/// The SLURM cluster .ci/run starts (.ci/slurm-up.sh): its node must be idle. Never skipped:
/// without a cluster this test fails, saying how to start one.
fn slurm_cluster() {
    let up = Command::new(repo().join(".ci/slurm-up.sh")).output();
    let sinfo = Command::new("sinfo").args(["-h", "-o", "%T"]).output();
    let state = sinfo.as_ref().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    assert!(
        state == "idle" || state == "mixed" || state == "allocated",
        "no SLURM cluster (sinfo: {state:?}); as root, .ci/slurm-up.sh starts a one-node one: {}",
        up.map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).unwrap_or_else(|e| e.to_string())
    );
}

/// The Snakefile through workflows/snakemake/profiles/slurm, unchanged, on a real SLURM
/// cluster: every rule a SLURM job (its job id in Snakemake's log, COMPLETED in squeue), the
/// gathered outputs equal to plain runs; a job failing on bad input fails the workflow with
/// xpresso's own message in the rule's log.
#[test]
fn workflows_slurm_profile_runs_every_rule_as_a_job_and_equals_plain_runs() {
    slurm_cluster();
    let profile = repo().join("workflows/snakemake/profiles/slurm");
    let i = inputs();
    let log = run_and_check(&i, &["--profile", &s(&profile)]);
    let ids: Vec<String> = log
        .lines()
        .filter_map(|l| l.split("submitted with SLURM jobid ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap().to_string())
        .collect();
    // 3 shards + a gather for annotate, score-variants and personal; one scan
    assert_eq!(ids.len(), 3 * 4 + 1, "every rule a SLURM job:\n{log}");
    let squeue = Command::new("squeue").args(["--states=all", "-h", "-o", "%i %T", "-j", &ids.join(",")]).output().unwrap();
    let states = String::from_utf8_lossy(&squeue.stdout).into_owned();
    for id in &ids {
        assert!(states.lines().any(|l| l == format!("{id} COMPLETED")), "job {id} COMPLETED in squeue:\n{states}");
    }

    // a GTF with a broken line: the job exits 3, the workflow fails, the rule's log says why
    let bad_gtf = i.root.join("bad.gtf");
    std::fs::write(&bad_gtf, "chr22\tEnsembl\tgene\t20100000\tnot_a_number\t.\t+\t.\tgene_id \"G1\";\n").unwrap();
    let dir = i.root.join("failing");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("config.yaml"), format!("genome: {}\ngtf: {}\nshards: 1\noutdir: results\n", s(&i.genome), s(&bad_gtf))).unwrap();
    let out = Command::new(snakemake())
        .args(["-s", &s(&repo().join("workflows/snakemake/Snakefile")), "--configfile", "config.yaml", "--profile", &s(&profile)])
        .current_dir(&dir)
        .env("PATH", workflow_path())
        .output()
        .unwrap();
    let engine_log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "the workflow fails:\n{engine_log}");
    assert!(engine_log.contains("Error in rule annotate_shard") && engine_log.contains("submitted with SLURM jobid"), "{engine_log}");
    let rule_log = std::fs::read_to_string(dir.join("results/logs/annotate/1.log")).unwrap();
    assert!(rule_log.contains("xpresso: error:") && rule_log.contains("bad.gtf") && rule_log.contains("line 1"), "xpresso's message in the rule's log: {rule_log}");
    assert!(!dir.join("results/annotate/predictions.tsv").exists());
}

/// Values for the Groovy variables of a module's script: `$name`, `${name}`, `${a.b}`.
type Vars = HashMap<&'static str, String>;

/// The body of the `"""` block that follows `label:` in a module, as Nextflow makes it: `\\`
/// and `\$` unescaped, `${...}`/`$name` replaced from `vars` (an unknown name fails the
/// test), then the common indentation stripped.
fn render(module: &str, label: &str, vars: &Vars) -> String {
    let start = module.find(&format!("{label}:")).unwrap_or_else(|| panic!("no {label}: block"));
    let open = start + module[start..].find("\"\"\"").expect("a \"\"\" block") + 3;
    let close = open + module[open..].find("\"\"\"").expect("a closing \"\"\"");
    let text = &module[open..close];
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(escaped) = rest.strip_prefix('\\').and_then(|r| r.chars().next()).filter(|c| *c == '\\' || *c == '$') {
            out.push(escaped);
            i += 2;
        } else if let Some(after) = rest.strip_prefix('$') {
            let (name, len) = match after.strip_prefix('{') {
                Some(inner) => {
                    let end = inner.find('}').expect("closing }");
                    (&inner[..end], end + 3)
                }
                None => {
                    let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')).unwrap_or(after.len());
                    let name = after[..end].trim_end_matches('.');
                    (name, name.len() + 1)
                }
            };
            let value = vars.get(name).unwrap_or_else(|| panic!("the test has no value for ${{{name}}} in the {label} block"));
            out.push_str(value);
            i += len;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    strip_indent(&out)
}

/// Groovy's stripIndent: removes the leading whitespace all non-blank lines share.
fn strip_indent(text: &str) -> String {
    let indent = text.lines().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    text.lines().map(|l| if l.len() >= indent { &l[indent..] } else { l.trim_start() }).collect::<Vec<_>>().join("\n") + "\n"
}

/// Runs a command with bash in `dir`, the binary first on PATH; returns stdout.
fn bash_stdout(dir: &Path, command: &str) -> String {
    let out = Command::new("bash").args(["-euo", "pipefail", "-c", command]).current_dir(dir).env("PATH", path_with_bin()).output().unwrap();
    assert!(out.status.success(), "{command}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a rendered block with bash in `dir`, the binary first on PATH; returns stderr.
fn bash(dir: &Path, script: &str) -> String {
    let out = Command::new("bash").args(["-euo", "pipefail", "-c", script]).current_dir(dir).env("PATH", path_with_bin()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "script failed:\n{script}\n{stderr}");
    stderr
}

/// The `path(...)`/`path "..."` patterns of a module's `output:` block, with `${prefix}`
/// filled in.
fn declared_outputs(module: &str, prefix: &str) -> Vec<String> {
    let start = module.find("output:").expect("output:");
    let end = start + module[start..].find("when:").or_else(|| module[start..].find("script:")).unwrap();
    let outputs: Vec<String> = module[start..end]
        .lines()
        .filter_map(|line| line.split_once("path").and_then(|(_, rest)| rest.split('"').nth(1)))
        .map(|p| p.replace("${prefix}", prefix))
        .collect();
    outputs
}

/// The command of the module's `eval(...)` output on the `versions` topic (nf-core's
/// convention: `tuple val(process), val(tool), eval(cmd), topic: versions`), `\$` unescaped.
fn versions_command(module: &str) -> String {
    versions_commands(module).into_iter().next().expect("a versions topic output")
}

/// Every process's versions `eval` command in a file, in order.
fn versions_commands(file: &str) -> Vec<String> {
    file.lines()
        .filter(|l| l.contains("topic: versions"))
        .map(|line| {
            let start = line.find("eval(\"").expect("eval(\"...\")") + 6;
            let end = start + line[start..].find("\")").unwrap();
            line[start..end].replace("\\$", "$")
        })
        .collect()
}

/// Files in `dir` matching a Nextflow glob (only `*` is used by the modules).
fn matches(dir: &Path, pattern: &str) -> bool {
    let (head, tail) = pattern.split_once('*').unwrap_or((pattern, ""));
    std::fs::read_dir(dir).unwrap().any(|e| {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if pattern.contains('*') { name.starts_with(head) && name.ends_with(tail) && name.len() >= head.len() + tail.len() } else { name == pattern }
    })
}

/// Renders and runs a module's script block (then its stub block in a fresh directory),
/// checks the declared outputs exist after each and that versions.yml names the version.
/// Returns the script's task directory (removed when dropped).
fn run_module(name: &str, inputs: &[(&str, &Path)], vars: Vars) -> tempfile::TempDir {
    let module = std::fs::read_to_string(repo().join(format!("workflows/nextflow/modules/xpresso/{name}/main.nf"))).unwrap();
    let prefix = vars["prefix"].clone();
    let mut script_dir = None;
    for label in ["script", "stub"] {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path();
        for (staged, real) in inputs {
            std::os::unix::fs::symlink(real, work.join(staged)).unwrap();
        }
        bash(work, &render(&module, label, &vars));
        for pattern in declared_outputs(&module, &prefix) {
            assert!(matches(work, &pattern), "{name} {label}: declared output {pattern} missing");
        }
        // what Nextflow evaluates in the task for the versions topic
        let version = bash_stdout(work, &versions_command(&module));
        assert_eq!(version.trim(), env!("CARGO_PKG_VERSION"), "{name}: the versions topic's eval");
        if label == "script" {
            script_dir = Some(dir);
        }
    }
    script_dir.expect("the script block ran")
}

/// `groovy` (Debian's package, installed by .ci/run) with JAVA_HOME set: Debian's
/// default-java or OpenJDK 17 (Debian's Groovy 2.4 runs on it), else the `java` on PATH.
fn groovy() -> Command {
    let jvms = ["/usr/lib/jvm/default-java", "/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-17-openjdk-arm64"];
    let home = jvms.iter().map(PathBuf::from).find(|h| h.join("bin/java").is_file()).unwrap_or_else(|| {
        let java = Command::new("sh").args(["-c", "readlink -f \"$(command -v java)\""]).output().expect("sh");
        let java = PathBuf::from(String::from_utf8(java.stdout).unwrap().trim());
        assert!(java.is_file(), "java is needed for groovy (.ci/run installs groovy with a JRE)");
        java.parent().unwrap().parent().unwrap().to_path_buf()
    });
    let mut cmd = Command::new("groovy");
    cmd.env("JAVA_HOME", home);
    cmd
}

/// nextflow.config gives each subcommand its own arguments (`--scan_args` never carries
/// annotate's `--features`), `--extra_args` to all, and names no SLURM partition of its own.
#[test]
fn workflows_nextflow_config_gives_each_subcommand_its_args_and_names_no_queue() {
    let config = std::fs::read_to_string(repo().join("workflows/nextflow/nextflow.config")).unwrap();
    let args_of = |process: &str| -> String {
        let at = config.find(&format!("withName: '{process}'")).unwrap_or_else(|| panic!("{process} in nextflow.config"));
        config[at..].lines().find(|l| l.trim_start().starts_with("ext.args")).unwrap().to_string()
    };
    for (process, own) in [("XPRESSO_ANNOTATE", "annotate_args"), ("XPRESSO_SCOREVARIANTS", "score_variants_args"), ("XPRESSO_SCAN", "scan_args"), ("XPRESSO_ISM", "ism_args"), ("XPRESSO_PERSONAL", "personal_args")] {
        let args = args_of(process);
        assert!(args.contains(&format!("params.{own}")) && args.contains("params.extra_args"), "{process}: {args}");
        for other in ["annotate_args", "score_variants_args", "scan_args", "ism_args", "personal_args"].into_iter().filter(|o| *o != own) {
            assert!(!args.contains(other), "{process} gets {other}: {args}");
        }
        assert!(config.contains(&format!("    {own} = ")), "params.{own} is declared");
    }
    assert!(config.contains("process.queue = { params.slurm_queue }") && config.contains("slurm_queue = null"), "the partition is a setting");
    for name in ["'normal'", "'bigmem'"] {
        assert!(!config.contains(name), "nextflow.config names the partition {name}");
    }
}

#[test]
fn workflows_nextflow_files_are_valid_groovy_syntax() {
    let nf = repo().join("workflows/nextflow");
    let mut files = vec![nf.join("main.nf"), nf.join("nextflow.config"), nf.join("modules/local/gather.nf"), nf.join("nf-test.config"), nf.join("tests/nextflow.config")];
    for m in MODULES {
        files.push(nf.join(format!("modules/xpresso/{m}/main.nf")));
        files.push(nf.join(format!("modules/xpresso/{m}/tests/main.nf.test")));
    }
    files.push(nf.join("modules/xpresso/ism/tests/nextflow.config"));
    let script = repo().join("tests/groovy/parse_only.groovy");
    let out = groovy().arg(&script).args(&files).output().expect("groovy is installed (.ci/run installs it)");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert_eq!(report.lines().filter(|l| l.starts_with("ok ")).count(), files.len(), "{report}");
    // the check is real: a stray `,` after a parenthesised path (a Groovy syntax error) fails
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.nf");
    std::fs::write(&bad, "process X {\n    output:\n    path(\"a.txt\"), emit: a\n    script:\n    \"\"\"\n    touch a.txt\n    \"\"\"\n}\n").unwrap();
    let out = groovy().arg(&script).arg(&bad).output().unwrap();
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

fn vars(process: &str, prefix: &str, args: &str, extra: &[(&'static str, &str)]) -> Vars {
    let mut v: Vars = HashMap::new();
    v.insert("task.process", format!("XPRESSO_{process}"));
    v.insert("task.cpus", "2".into());
    v.insert("args", args.into());
    v.insert("prefix", prefix.into());
    // no accelerator in these tasks: the modules pass no --device
    v.insert("device", String::new());
    for (k, val) in extra {
        v.insert(k, val.to_string());
    }
    v
}

#[test]
fn workflows_nextflow_modules_render_to_commands_that_run() {
    let i = inputs();
    let model = human_model();
    // the genome is staged with its .fai and .gzi, as main.nf stages them
    xpresso::genome::Genome::open(&i.genome).unwrap();
    let (fai, gzi) = (i.root.join("chr22.fa.gz.fai"), i.root.join("chr22.fa.gz.gzi"));
    let staged: Vec<(&str, &Path)> =
        vec![("chr22.fa.gz", &i.genome), ("chr22.fa.gz.fai", &fai), ("chr22.fa.gz.gzi", &gzi), ("genes.gtf.gz", &i.gtf), ("model.h5", &model)];
    // the built-in model (model = [] renders no flag) everywhere but scan, which stages the .h5
    let common = [("fasta", "chr22.fa.gz"), ("gtf", "genes.gtf.gz"), ("model_arg", "")];
    let staged_index_used = |task: &tempfile::TempDir| {
        for index in ["chr22.fa.gz.fai", "chr22.fa.gz.gzi"] {
            let meta = std::fs::symlink_metadata(task.path().join(index)).unwrap();
            assert!(meta.file_type().is_symlink(), "{index}: the staged index was used, not rebuilt in the task");
        }
    };

    // annotate, as shard 2 of 3 via ext.args
    let task = run_module("annotate", &staged, vars("ANNOTATE", "chr22_2", "--shard 2/3", &common));
    staged_index_used(&task);
    let tsv = task.path().join("chr22_2.tsv.gz");
    let (status, direct, stderr) = xpresso(&["annotate", "-q", "-m", &s(&model), "--genome", &s(&i.genome), "--gtf", &s(&i.gtf), "--shard", "2/3"]);
    assert!(status.success(), "{stderr}");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&tsv).unwrap()), &mut text).unwrap();
    assert!(!direct.is_empty());
    assert_eq!(without_provenance(&text), without_provenance(&direct), "the module's command = the plain command");

    // scan
    let task = run_module("scan", &staged, vars("SCAN", "zdhhc8", "--step 1000", &[common[0], ("model_arg", "--model model.h5"), ("region", LOCUS)]));
    assert!(task.path().join("zdhhc8.plus.bw").exists());
    staged_index_used(&task);
    let log = std::fs::read_to_string(task.path().join("zdhhc8.log")).unwrap();
    assert!(!log.contains("index"), "no index built or refused: {log}");

    // score-variants
    let tbi = i.vcf.with_extension("gz.tbi");
    let vcf_staged = [staged.clone(), vec![("in.vcf.gz", i.vcf.as_path()), ("in.vcf.gz.tbi", &tbi)]].concat();
    let task = run_module("scorevariants", &vcf_staged, vars("SCOREVARIANTS", "hapmap", "", &[common[0], common[1], common[2], ("vcf", "in.vcf.gz")]));
    assert!(bcftools_body(&task.path().join("hapmap.vcf.gz")).iter().any(|l| l.contains("XPRESSO=")));

    // personal, as shard 1 of 2
    let task = run_module("personal", &vcf_staged, vars("PERSONAL", "cohort_1", "--shard 1/2", &[common[0], common[1], common[2], ("vcf", "in.vcf.gz")]));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(task.path().join("cohort_1.tsv.gz")).unwrap()), &mut text).unwrap();
    assert!(text.lines().any(|l| l.starts_with("gene_id\tgene_name\tchrom\ttss\tstrand\treference\tdistinct\tNA07034")), "{}", &text[..text.len().min(2000)]);

    // predict: the model README's reference windows, as a FASTA
    let fasta = i.root.join("reference.fa");
    let cases = common::reference_cases();
    common::write_fasta(&fasta, &cases.iter().map(|c| (c.id.as_str(), c.sequence.as_slice())).collect::<Vec<_>>(), 60);
    let task = run_module("predict", &[("seqs.fa", fasta.as_path()), ("model.h5", &model)], vars("PREDICT", "ref", "", &[("sequences", "seqs.fa"), ("model_arg", "--model model.h5")]));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(task.path().join("ref.tsv.gz")).unwrap()), &mut text).unwrap();
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), cases.len() + 1, "a row per sequence and the header");

    // the gather processes report cat's and bcftools' versions the same way
    let gather = std::fs::read_to_string(repo().join("workflows/nextflow/modules/local/gather.nf")).unwrap();
    let versions: Vec<String> = versions_commands(&gather).iter().map(|c| bash_stdout(&i.root, c).trim().to_string()).collect();
    assert_eq!(versions.len(), 2);
    assert!(versions.iter().all(|v| !v.is_empty() && v.chars().next().unwrap().is_ascii_digit() && !v.contains(' ')), "{versions:?}");

    // ism of one gene
    let task = run_module("ism", &staged, vars("ISM", "zdhhc8", "--gene ZDHHC8 --range=-10:+10", &common));
    assert!(std::fs::metadata(task.path().join("zdhhc8.ism.tsv.gz")).unwrap().len() > 0);
}

/// A YAML file as JSON, read by PyYAML (`python`).
fn yaml_as_json(python: &Path, path: &Path) -> serde_json::Value {
    let out = Command::new(python).args(["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))"]).arg(path).output().unwrap();
    assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const MODULES: [&str; 6] = ["annotate", "predict", "scan", "ism", "scorevariants", "personal"];

/// The names a module declares in `input:` (`path(x)`, `val(x)`, `path x`), channel by
/// channel, and the `emit:` names of `output:`.
fn declared_channels(module: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let block = |from: &str, to: &str| {
        let start = module.find(from).unwrap_or_else(|| panic!("{from}"));
        &module[start + from.len()..start + module[start..].find(to).unwrap()]
    };
    let inputs = block("input:", "output:")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let l = l.trim();
            match l.strip_prefix("path ") {
                Some(name) => vec![name.trim().to_string()],
                None => l.split(['(', ')']).collect::<Vec<_>>().chunks(2).filter_map(|c| c.get(1).map(|n| n.split(',').next().unwrap().trim().to_string())).collect(),
            }
        })
        .collect();
    let emits = block("output:", "when:").lines().filter_map(|l| l.split("emit: ").nth(1)).map(|e| e.trim().to_string()).collect();
    (inputs, emits)
}

/// Each module in the nf-core shape: meta.yml (valid against tests/schemas, naming the
/// module's own input and output channels in order), environment.yml (channels, pinned
/// dependencies), tests/main.nf.test for the module's process whose every input file is one
/// that tests/make-test-data.sh makes.
#[test]
fn workflows_nextflow_modules_have_meta_environment_and_nf_tests() {
    let python = snakemake().parent().map(|b| b.join("python")).filter(|p| p.exists()).unwrap_or_else(|| "python3".into());
    let schema = repo().join("tests/schemas/nf-module-meta.schema.json");
    let validate = repo().join("tests/schemas/validate.py");
    let nf = repo().join("workflows/nextflow");
    let metas: Vec<PathBuf> = MODULES.iter().map(|m| nf.join(format!("modules/xpresso/{m}/meta.yml"))).collect();
    let out = Command::new(&python).arg(&validate).arg(&schema).args(&metas).output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{report}");
    assert_eq!(report.lines().filter(|l| l.starts_with("ok ")).count(), MODULES.len(), "{report}");
    // the schema bites: a meta.yml without keywords, or with an untyped input, fails
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&metas[0]).unwrap();
    let no_keywords = dir.path().join("no_keywords.yml");
    std::fs::write(&no_keywords, text.replacen("keywords:", "keyword_list:", 1)).unwrap();
    let untyped = dir.path().join("untyped.yml");
    std::fs::write(&untyped, text.replacen("      type: file\n", "", 1)).unwrap();
    for bad in [&no_keywords, &untyped] {
        let out = Command::new(&python).arg(&validate).arg(&schema).arg(bad).output().unwrap();
        assert!(!out.status.success(), "{} passed the schema", bad.display());
    }

    let data = dir.path().join("test-data");
    let made = Command::new(nf.join("tests/make-test-data.sh")).arg(shared()).arg(&data).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    for m in MODULES {
        let module = std::fs::read_to_string(nf.join(format!("modules/xpresso/{m}/main.nf"))).unwrap();
        let process = format!("XPRESSO_{}", m.to_uppercase());
        assert!(module.starts_with(&format!("process {process} {{")), "{m}");
        // meta.yml names the module's channels: inputs in order, every emit
        let meta = yaml_as_json(&python, &nf.join(format!("modules/xpresso/{m}/meta.yml")));
        let (inputs, emits) = declared_channels(&module);
        assert_eq!(meta["name"], format!("xpresso_{m}"));
        let names = |elements: &serde_json::Value| -> Vec<String> { elements.as_array().unwrap().iter().map(|e| e.as_object().unwrap().keys().next().unwrap().clone()).collect() };
        let meta_inputs: Vec<Vec<String>> = meta["input"].as_array().unwrap().iter().map(names).collect();
        assert_eq!(meta_inputs, inputs, "{m}: meta.yml's inputs are the module's, in order");
        // (serde_json's map is sorted: compare as sets)
        let meta_emits: std::collections::BTreeSet<String> = meta["output"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(meta_emits, emits.into_iter().collect(), "{m}: meta.yml's outputs are the module's emits");
        assert!(meta["topics"]["versions"].is_array(), "{m}: the versions topic");
        // environment.yml: channels and pinned packages
        let env = std::fs::read_to_string(nf.join(format!("modules/xpresso/{m}/environment.yml"))).unwrap();
        assert!(env.contains("channels:\n  - conda-forge\n  - bioconda\n"), "{m}: {env}");
        let deps: Vec<&str> = env.lines().skip_while(|l| *l != "dependencies:").skip(1).filter_map(|l| l.strip_prefix("  - ")).collect();
        assert!(!deps.is_empty() && deps.iter().all(|d| d.contains("::") && d.split('=').nth(1).is_some_and(|v| !v.is_empty())), "{m}: pinned: {deps:?}");
        // the nf-test: this process, and inputs that exist
        let nft = std::fs::read_to_string(nf.join(format!("modules/xpresso/{m}/tests/main.nf.test"))).unwrap();
        assert!(nft.contains(&format!("process \"{process}\"")) && nft.contains("script \"../main.nf\""), "{m}");
        assert!(nft.contains("options \"-stub\""), "{m}: a stub test");
        let files: Vec<&str> = nft.split("params.xpresso_test_data + '/").skip(1).map(|r| r.split('\'').next().unwrap()).collect();
        assert!(!files.is_empty(), "{m}");
        for f in files {
            assert!(data.join(f).is_file(), "{m}: the nf-test's input {f} is made by tests/make-test-data.sh");
        }
    }
}
