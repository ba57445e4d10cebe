//! Streamed downloads that survive a cut connection.
//!
//! Chunks go from the socket to the writer as they arrive, so memory stays constant whatever the
//! size. When the connection breaks (a server restart, a network drop, the server's 5-minute
//! write timeout), the download goes on with a `Range` request from the bytes already written,
//! with a fresh file token, after a backoff; only a run of failures without progress ends it.
//!
//! A download to a path goes to `<path>.part` and is renamed to `<path>` only when complete and as
//! large as the server lists the backup, so a truncated backup never appears at the destination.
//! When it finally fails, the `.part` file stays, and [`DownloadBackup::resume`] goes on from it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};

use crate::backups::listed_size;
use crate::client::{Client, RequestOptions};
use crate::error::{Error, Result};
use crate::name::check_key;
use crate::partfile::PartFile;
use crate::progress::{Progress, ProgressFn};
use crate::retry::{Backoff, is_transient};

/// Buffer for writes to a file: few, large writes.
const WRITE_BUFFER: usize = 1024 * 1024;
/// Tries in a row without progress before a download gives up.
const DEFAULT_ATTEMPTS: u32 = 8;

/// `GET /api/backups/{key}`: see [`Backups::download`](crate::Backups::download).
#[must_use = "a download does nothing until it is given a destination"]
pub struct DownloadBackup<'a> {
    client: &'a Client,
    opts: RequestOptions,
    key: String,
    progress: Option<ProgressFn>,
    resume: bool,
    fsync: bool,
    attempts: u32,
    max_backoff: Duration,
}

impl<'a> DownloadBackup<'a> {
    pub(crate) fn new(client: &'a Client, key: &str) -> Self {
        Self {
            client,
            opts: RequestOptions::default(),
            key: key.into(),
            progress: None,
            resume: false,
            fsync: true,
            attempts: DEFAULT_ATTEMPTS,
            max_backoff: Duration::from_secs(5),
        }
    }

    /// Calls `f` as bytes arrive.
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// With [`to_path`](Self::to_path): go on from the `<path>.part` an earlier, failed download
    /// left, instead of starting again. (A `.part` larger than the backup is discarded.)
    pub fn resume(mut self, resume: bool) -> Self {
        self.resume = resume;
        self
    }

    /// With [`to_path`](Self::to_path): whether the file reaches the disk (fsync) before it is
    /// renamed into place (default true), so that it survives a crash or power cut. Without it a
    /// download is faster by the time the disk needs to catch up (0.2 to 0.7 s per GiB here).
    pub fn fsync(mut self, fsync: bool) -> Self {
        self.fsync = fsync;
        self
    }

    /// How many tries in a row may fail without progress before the download gives up
    /// (default 8, with backoff from 200 ms up to 5 s between them).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Writes the backup to `writer`. Returns the number of bytes written.
    pub async fn to_writer<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64> {
        check_key(&self.key)?;
        self.opts.check()?;
        let (written, total) = (0, None);
        match self.copy(writer, written, total).await {
            Ok(n) => Ok(n),
            Err((_, e)) => Err(e),
        }
    }

    /// Writes the backup to the file `path`: first to `<path>.part`, renamed to `path` once
    /// complete. Returns the size of the backup.
    pub async fn to_path(self, path: impl AsRef<Path>) -> Result<u64> {
        check_key(&self.key)?;
        self.opts.check()?;
        let path = path.as_ref();
        let part = part_path(path);
        // The listed size is what a complete download must have.
        let (list, _) = self.client.list_backups(&RequestOptions::default()).await?;
        let size = listed_size(&list, &self.key)?;
        let mut offset = 0;
        if self.resume {
            offset = tokio::fs::metadata(&part)
                .await
                .map(|m| m.len())
                .unwrap_or(0);
            if offset > size {
                offset = 0;
            }
        }
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(offset == 0)
            .open(&part)
            .await
            .map_err(|e| Error::io("cannot create", &part, e))?;
        let mut file = file;
        if offset > 0 {
            use tokio::io::AsyncSeekExt;
            file.seek(std::io::SeekFrom::Start(offset))
                .await
                .map_err(|e| Error::io("cannot write", &part, e))?;
            tracing::debug!(offset, "resuming from the partial file");
        }
        let mut writer = BufWriter::with_capacity(WRITE_BUFFER, PartFile::new(file, true));
        let key = self.key.clone();
        let result = if offset == size {
            Ok(size)
        } else {
            self.copy(&mut writer, offset, Some(size)).await
        };
        // Whatever arrived stays in the .part file, for a later resume.
        let flushed = writer.flush().await;
        let written = match result {
            Ok(n) => n,
            Err((written, source)) => {
                if matches!(source, Error::NotFound { .. }) {
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(source);
                }
                return Err(Error::Interrupted {
                    key,
                    written,
                    total: Some(size),
                    part: Some(part),
                    source: Box::new(source),
                });
            }
        };
        flushed.map_err(|e| Error::io("cannot write", &part, e))?;
        let file = writer.into_inner().into_inner();
        file.sync_data()
            .await
            .map_err(|e| Error::io("cannot write", &part, e))?;
        drop(file);
        if written != size {
            return Err(Error::InvalidResponse(format!(
                "the download of {key:?} has {written} bytes but the server lists {size}; try again"
            )));
        }
        tokio::fs::rename(&part, path)
            .await
            .map_err(|e| Error::io("cannot move the download to", path, e))?;
        Ok(written)
    }

    /// Copies the backup from byte `written` on into `writer`, resuming after transient failures.
    /// On failure, returns how far it got.
    async fn copy<W: AsyncWrite + Unpin>(
        &self,
        writer: &mut W,
        mut written: u64,
        mut total: Option<u64>,
    ) -> std::result::Result<u64, (u64, Error)> {
        let mut backoff = Backoff::new(self.attempts, self.max_backoff);
        loop {
            let before = written;
            let result = match self.copy_once(writer, &mut written, &mut total).await {
                Ok(true) => return Ok(written),
                // The body ended early without an error: as good as a cut connection.
                Ok(false) => Err((
                    true,
                    Error::InvalidResponse(format!(
                        "the download of {:?} ended after {written} of {total:?} bytes",
                        self.key
                    )),
                )),
                Err(e) => Err((is_transient(&e), e)),
            };
            match result {
                Err((true, e)) => {
                    if written > before {
                        backoff.reset();
                    }
                    let Some(delay) = backoff.next_delay() else {
                        return Err((written, e));
                    };
                    tracing::info!(error = %e, written, ?delay, "download interrupted; resuming");
                    tokio::time::sleep(delay).await;
                }
                Err((_, e)) => return Err((written, e)),
                Ok(()) => unreachable!(),
            }
        }
    }

    /// One request, from byte `written`. Returns whether the download is complete.
    async fn copy_once<W: AsyncWrite + Unpin>(
        &self,
        writer: &mut W,
        written: &mut u64,
        total: &mut Option<u64>,
    ) -> Result<bool> {
        // A fresh file token for every request: an old one may have expired.
        let token = self.client.files().token().send().await?;
        let key = self.key.as_str();
        let range = (*written > 0).then(|| format!("bytes={written}-"));
        let range = range.as_deref();
        let rv = self
            .client
            .get_backup(&self.opts, key, &token, range)
            .await?;
        match (range, rv.status().as_u16()) {
            (None, 200) => {
                *total = total.or(rv.content_length());
            }
            (Some(_), 206) => {
                let start = content_range_start(rv.headers());
                if start != Some(*written) {
                    return Err(Error::InvalidResponse(format!(
                        "asked for bytes from {written} of {key:?}, got a range from {start:?}"
                    )));
                }
            }
            (_, status) => {
                return Err(Error::InvalidResponse(format!(
                    "unexpected HTTP {status} for a download of {key:?}"
                )));
            }
        }
        let mut body = rv.into_inner().into_inner();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(Error::transport)?;
            writer.write_all(&chunk).await.map_err(Error::Stream)?;
            *written += chunk.len() as u64;
            if let Some(f) = &self.progress {
                f(Progress {
                    transferred: *written,
                    total: *total,
                });
            }
        }
        writer.flush().await.map_err(Error::Stream)?;
        Ok(total.is_none_or(|total| *written >= total))
    }
}

/// The first byte of a `Content-Range: bytes START-END/TOTAL`.
pub(crate) fn content_range_start(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let value = headers.get(reqwest::header::CONTENT_RANGE)?.to_str().ok()?;
    value
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// `<path>.part`, beside `path`.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}

crate::requests::request_options!(DownloadBackup);
