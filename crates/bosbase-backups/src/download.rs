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

use bosbase_backups_api::{ByteStream, ResponseValue};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::files::FileToken;
use crate::list::size_of;
use crate::name::check_key;
use crate::operation::Operation;
use crate::options::RequestOptions;
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
    #[cfg(feature = "encryption")]
    encrypt_to: Option<crate::encryption::Recipients>,
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
            #[cfg(feature = "encryption")]
            encrypt_to: None,
        }
    }

    /// Writes the backup encrypted to `recipients` (age, streamed): only their identities can
    /// read it. Such a download cannot [`resume`](Self::resume) from a `.part` of an earlier
    /// run (an age stream cannot be continued); within one run, cut connections still resume.
    /// With [`to_writer`](Self::to_writer), the writer is shut down at the end, to end the
    /// age stream.
    #[cfg(feature = "encryption")]
    pub fn encrypt_to(mut self, recipients: crate::encryption::Recipients) -> Self {
        self.encrypt_to = Some(recipients);
        self
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

    /// With [`to_path`](Self::to_path): whether the file reaches the disk before it is renamed
    /// into place (default true: write-back starts every 16 MiB, and one `fdatasync` ends it), so
    /// that it survives a crash or power cut. `false` leaves both to the kernel: faster by the
    /// time the disk needs to catch up, but a crash soon after may leave a damaged file.
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

    /// Writes the backup to `writer`. Returns the number of bytes of the backup (before any
    /// encryption).
    pub async fn to_writer<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64> {
        check_key(&self.key)?;
        self.opts.check()?;
        let (copied, _) = self.copy_through(writer, 0, None).await?;
        copied.map_err(|stop| stop.error)
    }

    /// Copies into `writer`, encrypting first when asked; the second result is the flush (the
    /// end of the age stream when encrypting), done even after a failed copy so that what
    /// arrived is kept.
    async fn copy_through<W: AsyncWrite + Unpin>(
        &self,
        writer: &mut W,
        written: u64,
        total: Option<u64>,
    ) -> Result<(std::result::Result<u64, Stopped>, std::io::Result<()>)> {
        #[cfg(feature = "encryption")]
        if let Some(recipients) = &self.encrypt_to {
            let mut sealed = crate::encryption::encrypt(writer, recipients).await?;
            let copied = self.copy(&mut sealed, written, total).await;
            // A failed copy is not ended: a cut age stream fails to decrypt, as it should.
            let flushed = match copied {
                Ok(_) => sealed.shutdown().await,
                Err(_) => sealed.flush().await,
            };
            return Ok((copied, flushed));
        }
        let copied = self.copy(writer, written, total).await;
        let flushed = writer.flush().await;
        Ok((copied, flushed))
    }

    /// Writes the backup to the file `path`: first to `<path>.part`, renamed to `path` once
    /// complete. Both are created readable and writable by their owner only (mode 0600 on Unix),
    /// from the first byte: a backup holds every secret of the server. Returns the size of the
    /// backup.
    pub async fn to_path(self, path: impl AsRef<Path>) -> Result<u64> {
        check_key(&self.key)?;
        self.opts.check()?;
        let path = path.as_ref();
        let part = part_path(path);
        // The listed size is what a complete download must have.
        let size = size_of(self.client, &self.opts, &self.key).await?;
        let mut offset = 0;
        #[cfg(feature = "encryption")]
        if self.resume && self.encrypt_to.is_some() {
            return Err(Error::Config(
                "an encrypted download cannot resume from a .part file (an age stream cannot be \
                 continued); download it again without resume"
                    .into(),
            ));
        }
        if self.resume {
            offset = tokio::fs::metadata(&part).await.map_or(0, |m| m.len());
            if offset > size {
                offset = 0;
            }
        }
        let file = open_part(&part, offset).await?;
        let mut writer = BufWriter::with_capacity(WRITE_BUFFER, PartFile::new(file, self.fsync));
        // Whatever arrived stays in the .part file, for a later resume.
        let (copied, flushed) = if offset == size {
            (Ok(size), Ok(()))
        } else {
            self.copy_through(&mut writer, offset, Some(size)).await?
        };
        let written = match copied {
            Ok(n) => n,
            Err(Stopped { error, .. }) if matches!(error, Error::NotFound { .. }) => {
                let _ = tokio::fs::remove_file(&part).await;
                return Err(error);
            }
            Err(Stopped { written, error }) => {
                return Err(Error::Interrupted {
                    key: self.key,
                    written,
                    total: Some(size),
                    part: Some(part),
                    source: Box::new(error),
                });
            }
        };
        flushed.map_err(|e| Error::io("cannot write", &part, e))?;
        let file = writer.into_inner().into_inner();
        if self.fsync {
            file.sync_data()
                .await
                .map_err(|e| Error::io("cannot write", &part, e))?;
        }
        drop(file);
        if written != size {
            return Err(Error::InvalidResponse(format!(
                "the download of {:?} has {written} bytes but the server lists {size}; try again",
                self.key
            )));
        }
        tokio::fs::rename(&part, path)
            .await
            .map_err(|e| Error::io("cannot move the download to", path, e))?;
        Ok(written)
    }

    /// Copies the backup from byte `written` on into `writer`. A transient failure (a cut
    /// connection, a proxy's 502, a body that ends early) is followed by a ranged request from
    /// where it stopped, after a backoff; the backoff starts again whenever a try made progress.
    async fn copy<W: AsyncWrite + Unpin>(
        &self,
        writer: &mut W,
        mut written: u64,
        mut total: Option<u64>,
    ) -> std::result::Result<u64, Stopped> {
        let mut backoff = Backoff::new(self.attempts, self.max_backoff);
        loop {
            let before = written;
            let error = match self.copy_once(writer, &mut written, &mut total).await {
                Ok(true) => return Ok(written),
                Ok(false) => Error::InvalidResponse(format!(
                    "the download of {:?} ended after {written} of {total:?} bytes",
                    self.key
                )),
                Err(e) if is_transient(&e) => e,
                Err(error) => return Err(Stopped { written, error }),
            };
            if written > before {
                backoff.reset();
            }
            let Some(delay) = backoff.next_delay() else {
                return Err(Stopped { written, error });
            };
            tracing::info!(%error, written, ?delay, "download interrupted; resuming");
            tokio::time::sleep(delay).await;
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
        let token = crate::files::create(self.client, &self.opts).await?;
        let key = self.key.as_str();
        let range = (*written > 0).then(|| format!("bytes={written}-"));
        let range = range.as_deref();
        let rv = get(self.client, &self.opts, key, &token, range).await?;
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

/// Where a copy stopped, and why.
struct Stopped {
    written: u64,
    error: Error,
}

/// A GET of the backup `key` with a file token; `range`: an HTTP byte range.
pub(crate) async fn get(
    client: &Client,
    opts: &RequestOptions,
    key: &str,
    token: &FileToken,
    range: Option<&str>,
) -> Result<ResponseValue<ByteStream>> {
    let token = token.expose_secret();
    client
        .call(
            Operation::DownloadBackup,
            opts,
            Some(key),
            |api| async move { api.download_backup(key, token, range).await },
        )
        .await
}

/// Opens `<path>.part` for writing from `offset` (truncated when 0), owner-only.
async fn open_part(part: &Path, offset: u64) -> Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.create(true).write(true).truncate(offset == 0);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(part)
        .await
        .map_err(|e| Error::io("cannot create", part, e))?;
    // A .part left by an older version, or made by hand, may be readable by others.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .await
            .map_err(|e| Error::io("cannot restrict the permissions of", part, e))?;
    }
    if offset > 0 {
        use tokio::io::AsyncSeekExt;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| Error::io("cannot write", part, e))?;
        tracing::debug!(offset, "resuming from the partial file");
    }
    Ok(file)
}

/// The first byte of a `Content-Range: bytes START-END/TOTAL`.
fn content_range_start(headers: &reqwest::header::HeaderMap) -> Option<u64> {
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

crate::options::request_options!(DownloadBackup);
