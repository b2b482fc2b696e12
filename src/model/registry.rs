//! Where models come from: `--model` is a path to a Keras `.h5`, or the name of a published
//! model (`human`, `mouse`), which is built into the binary (models/README.md: MIT, the
//! paper's repository, sha256 checked in a test), so it works offline. `xpresso models
//! fetch` still downloads the files into the cache, for other tools or from a mirror.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

/// A published model: its name on the command line, file name, checksum and bytes.
pub struct KnownModel {
    pub name: &'static str,
    pub file: &'static str,
    pub sha256: &'static str,
    /// The `.h5` file itself, built in (models/ in the repository).
    pub bytes: &'static [u8],
}

/// The two models of the paper (public repository vagarwal87/Xpresso, folder Fig5_S5, MIT).
pub const KNOWN_MODELS: [KnownModel; 2] = [
    KnownModel {
        name: "human",
        file: "human_trainepoch.11-0.426.h5",
        sha256: "15a383648008df5f843ec8651e78be5faf82609c88fb068da890aa7a89387bb0",
        bytes: include_bytes!("../../models/human_trainepoch.11-0.426.h5"),
    },
    KnownModel {
        name: "mouse",
        file: "mouse_trainepoch.05-0.278.h5",
        sha256: "e2a48e994aa6e6d9c619ba2865cd76804433d63620f8f82b044389ea78239d37",
        bytes: include_bytes!("../../models/mouse_trainepoch.05-0.278.h5"),
    },
];

/// Where the published files are downloaded from; `XPRESSO_MODEL_URL` or `--url` override it
/// (mirrors, tests). The file name is appended to it.
pub const DEFAULT_BASE_URL: &str =
    "https://raw.githubusercontent.com/vagarwal87/Xpresso/master/Fig5_S5/";

pub fn known(name: &str) -> Option<&'static KnownModel> {
    KNOWN_MODELS.iter().find(|m| m.name == name)
}

/// The model cache: `$XPRESSO_CACHE_DIR`, else the XDG cache dir (`~/.cache/xpresso/models`).
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XPRESSO_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let base = dirs::cache_dir().context("cannot find a cache directory; set XPRESSO_CACHE_DIR")?;
    Ok(base.join("xpresso").join("models"))
}

/// What `--model` names: a published model built in, or a file.
pub enum ModelSource {
    BuiltIn(&'static KnownModel),
    File(PathBuf),
}

impl ModelSource {
    /// How outputs' provenance lines name the model.
    pub fn label(&self) -> String {
        match self {
            ModelSource::BuiltIn(m) => format!("{} (built in: {}, sha256 {})", m.name, m.file, m.sha256),
            ModelSource::File(p) => p.display().to_string(),
        }
    }

    /// The sha256 of the model file (tables made with it record it; readers compare it).
    pub fn sha256(&self) -> Result<String> {
        match self {
            ModelSource::BuiltIn(m) => Ok(m.sha256.to_string()),
            ModelSource::File(p) => sha256_file(p),
        }
    }

    /// Reads the weights.
    pub fn weights(&self) -> Result<super::Weights> {
        match self {
            ModelSource::BuiltIn(m) => super::Weights::from_h5_bytes(m.bytes, m.name),
            ModelSource::File(p) => super::Weights::from_h5(p),
        }
    }
}

/// Turns `--model` (a known name or a path) into where the model comes from; a path must exist.
pub fn resolve(spec: &str) -> Result<ModelSource> {
    if let Some(model) = known(spec) {
        return Ok(ModelSource::BuiltIn(model));
    }
    let path = PathBuf::from(spec);
    if !path.exists() {
        bail!("model file {spec} does not exist (built-in models: human, mouse)");
    }
    Ok(ModelSource::File(path))
}

/// Downloads a published model into the cache, checks its sha256 and renames it into place,
/// so the cache never holds a partial or corrupt file. Returns the final path.
pub fn fetch(name: &str, base_url: &str, force: bool) -> Result<PathBuf> {
    let model = known(name).ok_or_else(|| crate::input::InputError::msg(format!("unknown model '{name}' (known: human, mouse)")))?;
    let dir = cache_dir()?;
    let dest = dir.join(model.file);
    if dest.exists() && !force && sha256_file(&dest)? == model.sha256 {
        return Ok(dest);
    }
    fs::create_dir_all(&dir).with_context(|| format!("cannot create cache directory {}", dir.display()))?;
    let url = format!("{}/{}", base_url.trim_end_matches('/'), model.file);
    let offline = "the published models are built into xpresso (`--model human|mouse` works offline); \
                   to copy one from elsewhere use --url file:///DIR or a mirror";
    let mut reader: Box<dyn Read> = if let Some(local) = url.strip_prefix("file://") {
        Box::new(fs::File::open(local).with_context(|| format!("cannot open {local}"))?)
    } else {
        let response = ureq::get(&url).call().with_context(|| format!("cannot download {url} ({offline})"))?;
        Box::new(response.into_body().into_reader())
    };
    let mut tmp = tempfile::Builder::new().permissions(crate::output::default_permissions()).tempfile_in(&dir)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).with_context(|| format!("download of {url} broke off"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n])?;
    }
    let got = hex(&hasher.finalize());
    if got != model.sha256 {
        bail!("checksum mismatch for {url}: got sha256 {got}, expected {}; nothing was written", model.sha256);
    }
    tmp.persist(&dest).with_context(|| format!("cannot write {}", dest.display()))?;
    Ok(dest)
}

/// One line per known model: name, state in the cache, path.
pub fn list() -> Result<Vec<(String, String, PathBuf)>> {
    let dir = cache_dir()?;
    KNOWN_MODELS
        .iter()
        .map(|m| {
            let path = dir.join(m.file);
            let state = if !path.exists() {
                "built-in (no cached copy)".to_string()
            } else if sha256_file(&path)? == m.sha256 {
                "ok".to_string()
            } else {
                "corrupt (checksum mismatch; fetch --force)".to_string()
            };
            Ok((m.name.to_string(), state, path))
        })
        .collect()
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
