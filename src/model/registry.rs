//! Where model files come from: `--model` is a path, or a name (`human`, `mouse`) that
//! resolves to the user's cache directory, filled by `xpresso models fetch`.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

/// A published model: its name on the command line, file name and checksum.
pub struct KnownModel {
    pub name: &'static str,
    pub file: &'static str,
    pub sha256: &'static str,
}

/// The two models of the paper (public repository vagarwal87/Xpresso, folder Fig5_S5, MIT).
pub const KNOWN_MODELS: [KnownModel; 2] = [
    KnownModel {
        name: "human",
        file: "human_trainepoch.11-0.426.h5",
        sha256: "15a383648008df5f843ec8651e78be5faf82609c88fb068da890aa7a89387bb0",
    },
    KnownModel {
        name: "mouse",
        file: "mouse_trainepoch.05-0.278.h5",
        sha256: "e2a48e994aa6e6d9c619ba2865cd76804433d63620f8f82b044389ea78239d37",
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

/// Turns `--model` (a path or a known name) into a file path that exists.
pub fn resolve(spec: &str) -> Result<PathBuf> {
    if let Some(model) = known(spec) {
        let path = cache_dir()?.join(model.file);
        if !path.exists() {
            bail!(
                "model '{spec}' is not in the cache ({}); run `xpresso models fetch {spec}` first, \
                 or pass --model PATH.h5",
                path.display()
            );
        }
        return Ok(path);
    }
    let path = PathBuf::from(spec);
    if !path.exists() {
        bail!("model file {spec} does not exist (known names: human, mouse)");
    }
    Ok(path)
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
    let mut response = ureq::get(&url).call().with_context(|| format!("cannot download {url}"))?;
    let mut tmp = tempfile::Builder::new().permissions(crate::output::default_permissions()).tempfile_in(&dir)?;
    let mut hasher = Sha256::new();
    let mut reader = response.body_mut().as_reader();
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
                "missing".to_string()
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
