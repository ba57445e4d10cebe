//! Streamed downloads. Chunks go from the socket to the writer as they arrive, so memory stays
//! constant whatever the size. A download to a path goes to a `.part` file beside it and is
//! renamed into place only when complete, so a truncated backup never appears at the destination.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};

use crate::client::{Client, RequestOptions, Route};
use crate::error::{Error, Result};
use crate::name::check_key;
use crate::progress::{Progress, ProgressFn};

/// Buffer for writes to a file: few, large writes.
const WRITE_BUFFER: usize = 1024 * 1024;

/// `GET /api/backups/{key}`: see [`Backups::download`](crate::Backups::download).
#[must_use = "a download does nothing until it is given a destination"]
pub struct DownloadBackup<'a> {
    client: &'a Client,
    opts: RequestOptions,
    key: String,
    progress: Option<ProgressFn>,
}

impl<'a> DownloadBackup<'a> {
    pub(crate) fn new(client: &'a Client, key: &str) -> Self {
        Self {
            client,
            opts: RequestOptions::default(),
            key: key.into(),
            progress: None,
        }
    }

    /// Calls `f` as bytes arrive.
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Adds a header to this call.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.opts.header(name, value);
        self
    }

    /// Adds a query parameter to this call.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.opts.query.push((name.into(), value.into()));
        self
    }

    /// Writes the backup to `writer`. Returns the number of bytes written.
    pub async fn to_writer<W: AsyncWrite + Unpin>(self, writer: &mut W) -> Result<u64> {
        check_key(&self.key)?;
        self.opts.check()?;
        let token = self.client.files().token().send().await?;
        let key = self.key.as_str();
        let token = token.expose_secret();
        let route = Route {
            op: "download",
            method: "GET",
            path: "/api/backups/{key}",
        };
        let rv = self
            .client
            .call(route, &self.opts, Some(key), |api| async move {
                api.download_backup(key, token, None).await
            })
            .await?;
        let total = rv.content_length();
        let mut body = rv.into_inner().into_inner();
        let mut transferred = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(Error::transport)?;
            writer.write_all(&chunk).await.map_err(Error::Stream)?;
            transferred += chunk.len() as u64;
            if let Some(f) = &self.progress {
                f(Progress { transferred, total });
            }
        }
        writer.flush().await.map_err(Error::Stream)?;
        if let Some(total) = total
            && transferred != total
        {
            return Err(Error::InvalidResponse(format!(
                "the download of {key:?} ended after {transferred} of {total} bytes; try again"
            )));
        }
        Ok(transferred)
    }

    /// Writes the backup to the file `path`: first to `<path>.part`, renamed to `path` once
    /// complete. Returns the number of bytes written.
    pub async fn to_path(self, path: impl AsRef<Path>) -> Result<u64> {
        let path = path.as_ref();
        let part = part_path(path);
        let file = tokio::fs::File::create(&part)
            .await
            .map_err(|e| Error::io("cannot create", &part, e))?;
        let mut writer = BufWriter::with_capacity(WRITE_BUFFER, file);
        let written = match self.to_writer(&mut writer).await {
            Ok(n) => n,
            Err(e) => {
                drop(writer);
                let _ = tokio::fs::remove_file(&part).await;
                return Err(e);
            }
        };
        let file = writer.into_inner();
        file.sync_all()
            .await
            .map_err(|e| Error::io("cannot write", &part, e))?;
        drop(file);
        tokio::fs::rename(&part, path)
            .await
            .map_err(|e| Error::io("cannot move the download to", path, e))?;
        Ok(written)
    }
}

/// `<path>.part`, beside `path`.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    path.with_file_name(name)
}
