//! The `Last-Modified` time of a URL, from a HEAD request (libcurl, the same library htslib
//! reads through), so a remote index older than its data is caught as a local one is by its
//! mtime. For `http(s)://` and `ftp://` only: an `s3://` or `gs://` object needs a signed
//! request that htslib makes but does not expose; there the structural checks of the index
//! against its data (`input::index_check`) stand alone. A URL this run has fetched from
//! needs no request: its first answer's date is kept (`http::known_modified`).

/// Seconds since the epoch at which the server says `url` last changed; `None` when it does
/// not say, or cannot be asked.
#[cfg(feature = "remote")]
pub fn last_modified(url: &str) -> Option<i64> {
    use std::ffi::CString;
    use std::os::raw::c_long;
    if !["http://", "https://", "ftp://"].iter().any(|p| url.starts_with(p)) {
        return None;
    }
    // the date the run's first answer for it gave
    if let Some(modified) = super::http::known_modified(url) {
        return modified;
    }
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| unsafe {
        curl_sys::curl_global_init(curl_sys::CURL_GLOBAL_DEFAULT);
    });
    let c = CString::new(url).ok()?;
    unsafe {
        let easy = curl_sys::curl_easy_init();
        if easy.is_null() {
            return None;
        }
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_URL, c.as_ptr());
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_NOBODY, 1 as c_long);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_FILETIME, 1 as c_long);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_FOLLOWLOCATION, 1 as c_long);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_FAILONERROR, 1 as c_long);
        curl_sys::curl_easy_setopt(easy, curl_sys::CURLOPT_TIMEOUT, 60 as c_long);
        let ok = curl_sys::curl_easy_perform(easy) == curl_sys::CURLE_OK;
        let mut time: c_long = -1;
        curl_sys::curl_easy_getinfo(easy, curl_sys::CURLINFO_FILETIME, &mut time as *mut c_long);
        curl_sys::curl_easy_cleanup(easy);
        super::REQUESTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (ok && time >= 0).then_some(i64::from(time))
    }
}

#[cfg(not(feature = "remote"))]
pub fn last_modified(_url: &str) -> Option<i64> {
    None
}

/// When `path` last changed, in seconds since the epoch: a file's mtime, a URL's
/// Last-Modified (where the server says).
fn modified(path: &std::path::Path) -> Option<i64> {
    if super::is_url(path) {
        return last_modified(&path.to_string_lossy());
    }
    Some(std::fs::metadata(path).ok()?.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64)
}

/// Whether `index` is older than `data`, each a file or a URL (both dates known).
pub fn is_older(index: &std::path::Path, data: &std::path::Path) -> bool {
    if !super::is_url(index) && !super::is_url(data) {
        return crate::genome::index::is_older(index, data);
    }
    matches!((modified(index), modified(data)), (Some(i), Some(d)) if i < d)
}
