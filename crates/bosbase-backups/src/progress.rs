//! Progress of a transfer, reported to a caller's callback.

use std::sync::Arc;

/// How far a transfer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes transferred so far (for a resumed download, including those of earlier attempts).
    pub transferred: u64,
    /// The whole size, when known.
    pub total: Option<u64>,
}

/// A progress callback. It runs on the transfer's task for every chunk: keep it quick.
pub(crate) type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;
