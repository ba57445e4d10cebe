//! `pull`: stream a copy from the destination into a server's upload, checking its SHA-256.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::destination::Destination;
use super::error::OffsiteError;
use super::manifest::Manifest;
use super::pipeline::hex;
use crate::{Client, Progress};

/// [`Destination::pull`]: set options, then [`send`](Self::send).
#[must_use = "a pull does nothing until it is sent"]
pub struct Pull<'a> {
    dest: &'a Destination,
    client: &'a Client,
    key: String,
    name: Option<String>,
    progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
}

impl Destination {
    /// Uploads the copy of `key` to `client`'s server, streamed, checking its SHA-256 on the way:
    /// disaster recovery onto a new server. A copy whose bytes do not match the manifest never
    /// becomes a backup (the upload is cut before its end, and removed if the server kept it).
    pub fn pull<'a>(&'a self, client: &'a Client, key: &str) -> Pull<'a> {
        Pull {
            dest: self,
            client,
            key: key.into(),
            name: None,
            progress: None,
        }
    }
}

/// What the reading task found.
enum Read {
    Ok,
    Mismatch { actual: String },
    Failed(object_store::Error),
}

impl Pull<'_> {
    /// The backup's name on the server (default: the key).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Calls `f` as bytes go to the server.
    pub fn progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Runs the pull. Returns the new backup's key.
    pub async fn send(self) -> Result<String, OffsiteError> {
        let dest = self.dest;
        let key = self.key.as_str();
        let name = self.name.clone().unwrap_or_else(|| key.to_string());
        crate::BackupName::new(&name).map_err(crate::Error::from)?;
        let manifest = Manifest::load(dest).await?;
        let what = || format!("copy {key}");
        let got = dest
            .store()
            .get(&dest.path(key))
            .await
            .map_err(|e| dest.store_error(what, e))?;
        let Some(expected) = manifest.copies.get(key).map(|e| e.object.sha256.clone()) else {
            return Err(OffsiteError::NoChecksum {
                url: dest.url().into(),
                object: key.into(),
            });
        };
        let size = got.meta.size;

        // A task reads the copy and hashes it; it hands chunks over a small channel (constant
        // memory) and, at the end, an error instead of the end of the body when the SHA-256 is
        // wrong, so the server receives a cut upload and keeps nothing.
        let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(4);
        let outcome = Arc::new(Mutex::new(Read::Ok));
        let task_outcome = outcome.clone();
        let mut stream = got.into_stream();
        let expected_in_task = expected.clone();
        let reader = tokio::spawn(async move {
            let mut hasher = Sha256::new();
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(chunk) => {
                        hasher.update(&chunk);
                        if tx.send(Ok(chunk)).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        *task_outcome.lock().unwrap() = Read::Failed(e);
                        let _ = tx
                            .send(Err(std::io::Error::other("reading the copy failed")))
                            .await;
                        return;
                    }
                }
            }
            let actual = hex(hasher.finalize());
            if actual != expected_in_task {
                *task_outcome.lock().unwrap() = Read::Mismatch { actual };
                let _ = tx
                    .send(Err(std::io::Error::other(
                        "the copy's SHA-256 does not match",
                    )))
                    .await;
            }
        });
        let body = tokio_util::io::StreamReader::new(Chunks(rx));
        let mut upload = self.client.backups().upload(body, size, &name);
        if let Some(f) = &self.progress {
            let f = f.clone();
            upload = upload.progress(move |p| f(p));
        }
        let uploaded = upload.send().await;
        let _ = reader.await;
        let read = std::mem::replace(&mut *outcome.lock().unwrap(), Read::Ok);
        match read {
            Read::Mismatch { actual } => {
                // Should the server have kept the body anyway, it must not stay.
                if let Ok(list) = self.client.backups().list().await
                    && list.iter().any(|b| b.key == name)
                {
                    let _ = self.client.backups().delete(&name).await;
                }
                Err(OffsiteError::ChecksumMismatch {
                    url: dest.url().into(),
                    object: key.into(),
                    expected,
                    actual,
                })
            }
            Read::Failed(e) => Err(dest.store_error(what, e)),
            Read::Ok => Ok(uploaded?),
        }
    }
}

/// The channel's receiver as a stream (a `Sync` one: the upload body must be).
struct Chunks(mpsc::Receiver<std::io::Result<Bytes>>);

impl futures_util::Stream for Chunks {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}
