//! Retries of remote opens and reads that failed for a reason that may pass (a 5xx answer,
//! a timeout, a dropped or refused connection): a long run over a cloud bucket should not die
//! of one hiccup. `XPRESSO_REMOTE_RETRIES` (default 3) bounds the retries of one operation,
//! `XPRESSO_REMOTE_BACKOFF_MS` (default 500) is the first wait, doubled each time;
//! `XPRESSO_REMOTE_TIMEOUT` (default 60 s) is how long a stalled request is waited for. A 404,
//! 401/403 or a malformed URL is never retried: it will not get better.

#![cfg_attr(not(feature = "remote"), allow(dead_code))]

use std::io;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How many times one operation is tried again.
pub fn retries() -> u32 {
    std::env::var("XPRESSO_REMOTE_RETRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(3)
}

/// Seconds without a byte after which a request is given up as timed out (and retried):
/// `XPRESSO_REMOTE_TIMEOUT`, default 60 (http(s); htslib keeps its own for s3/gs/ftp).
pub fn timeout_s() -> u64 {
    std::env::var("XPRESSO_REMOTE_TIMEOUT").ok().and_then(|v| v.parse().ok()).filter(|&s| s > 0).unwrap_or(60)
}

/// The wait before retry `attempt` (0-based): the base, doubled each time, at most 30 s.
pub fn backoff(attempt: u32) -> Duration {
    let base = std::env::var("XPRESSO_REMOTE_BACKOFF_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(500u64);
    Duration::from_millis(base.saturating_mul(1 << attempt.min(16)).min(30_000))
}

/// Whether an error of htslib's hFILE layer (an errno, as hfile_libcurl maps curl's codes
/// and HTTP statuses) may pass if tried again.
pub fn transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::EBUSY // 503
                | libc::ETIMEDOUT // 408, 504, a curl timeout
                | libc::EIO // other 5xx, unknown curl errors
                | libc::EPIPE // the answer ended before its Content-Length
                | libc::ECONNRESET
                | libc::ECONNABORTED
                | libc::ECONNREFUSED
                | libc::ENETUNREACH
                | libc::EHOSTUNREACH
                | libc::EAGAIN
                | libc::ESPIPE // a seek that could not restart the transfer
        )
    )
}

/// Before retry `attempt`: says so (a warning: the run goes on) and waits.
pub fn wait(url: &str, what: &str, e: &io::Error, attempt: u32) {
    super::RETRIES.fetch_add(1, Ordering::Relaxed);
    let pause = backoff(attempt);
    log::warn!("{what} {}: {}; retrying in {:.1} s ({} of {})", super::shown(url), super::cause(e), pause.as_secs_f64(), attempt + 1, retries());
    std::thread::sleep(pause);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_may_pass_is_retried_and_waits_double() {
        assert!(transient(&io::Error::from_raw_os_error(libc::EBUSY)) && transient(&io::Error::from_raw_os_error(libc::EPIPE)));
        assert!(!transient(&io::Error::from_raw_os_error(libc::ENOENT)) && !transient(&io::Error::from_raw_os_error(libc::EACCES)));
        assert!(!transient(&io::Error::other("no errno")));
        if std::env::var_os("XPRESSO_REMOTE_BACKOFF_MS").is_none() {
            assert_eq!((backoff(0), backoff(1), backoff(3)), (Duration::from_millis(500), Duration::from_secs(1), Duration::from_secs(4)));
            assert_eq!(backoff(40), Duration::from_secs(30));
        }
    }
}
