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
use super::pipeline::{HashingReader, hex};
use crate::encryption::{self, Identities};
use crate::{Client, Progress};
use tokio::io::{AsyncRead, AsyncReadExt};

/// [`Destination::pull`]: set options, then [`send`](Self::send).
#[must_use = "a pull does nothing until it is sent"]
pub struct Pull<'a> {
    dest: &'a Destination,
    client: &'a Client,
    key: String,
    name: Option<String>,
    progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
    identities: Option<Identities>,
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
            identities: None,
        }
    }
}

/// What the reading task found.
enum Read {
    Ok,
    Mismatch { actual: String },
    Failed(std::io::Error),
}

impl Pull<'_> {
    /// The backup's name on the server (default: the key).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Decrypts an encrypted copy (`<key>.age`) with `identities` on the way; the SHA-256 of the
    /// object and of the backup are both checked before the upload ends.
    pub fn identities(mut self, identities: Identities) -> Self {
        self.identities = Some(identities);
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
        let Some(entry) = manifest.copies.get(key).cloned() else {
            // A copy that is not there is "not found" before "no checksum".
            dest.store()
                .head(&dest.path(key))
                .await
                .map_err(|e| dest.store_error(what, e))?;
            return Err(OffsiteError::NoChecksum {
                url: dest.url().into(),
                object: key.into(),
            });
        };
        let got = dest
            .store()
            .get(&dest.path(&entry.object.name))
            .await
            .map_err(|e| dest.store_error(what, e))?;
        let encrypted = entry.object.encryption.is_some();
        let expected = entry.object.sha256.clone();
        // What the server receives: the object's bytes, or the backup decrypted from them.
        let size = if encrypted { entry.size } else { got.meta.size };
        let stream = got
            .into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other));
        let (object, object_digest) = HashingReader::new(tokio_util::io::StreamReader::new(stream));
        let mut source: Pin<Box<dyn AsyncRead + Send>> = match (encrypted, &self.identities) {
            (false, _) => Box::pin(object),
            (true, Some(identities)) => Box::pin(
                encryption::decrypt(object, identities)
                    .await
                    .map_err(OffsiteError::Server)?,
            ),
            (true, None) => {
                return Err(OffsiteError::Server(crate::Error::Config(format!(
                    "the copy of {key} is encrypted ({}): give the identity to decrypt it",
                    entry.object.name
                ))));
            }
        };
        let plain_expected = entry.sha256.clone();

        // A task reads the copy and hashes it; it hands chunks over a small channel (constant
        // memory) and, at the end, an error instead of the end of the body when a SHA-256 is
        // wrong, so the server receives a cut upload and keeps nothing.
        let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(4);
        let outcome = Arc::new(Mutex::new(Read::Ok));
        let task_outcome = outcome.clone();
        let expected_in_task = expected.clone();
        let reader = tokio::spawn(async move {
            let mut hasher = Sha256::new();
            loop {
                let mut buf = bytes::BytesMut::with_capacity(256 * 1024);
                match source.read_buf(&mut buf).await {
                    Ok(0) => break,
                    Ok(_) => {
                        hasher.update(&buf);
                        if tx.send(Ok(buf.freeze())).await.is_err() {
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
            let plain = hex(hasher.finalize());
            let (object_sha, _) = object_digest.finish();
            let mismatch = if object_sha != expected_in_task {
                Some(object_sha)
            } else if plain != plain_expected {
                Some(plain)
            } else {
                None
            };
            if let Some(actual) = mismatch {
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
                Self::remove(self.client, &name).await;
                Err(OffsiteError::ChecksumMismatch {
                    url: dest.url().into(),
                    object: key.into(),
                    expected,
                    actual,
                })
            }
            Read::Failed(e) => {
                Self::remove(self.client, &name).await;
                Err(
                    match e
                        .get_ref()
                        .and_then(|i| i.downcast_ref::<object_store::Error>())
                    {
                        Some(_) => dest.store_error(what, into_store_error(e)),
                        None if encrypted => OffsiteError::Server(encryption::damaged(e)),
                        None => OffsiteError::Server(crate::Error::Stream(e)),
                    },
                )
            }
            Read::Ok => Ok(uploaded?),
        }
    }
}

impl Pull<'_> {
    /// Should the server have kept a cut upload anyway, it must not stay.
    async fn remove(client: &Client, name: &str) {
        if let Ok(list) = client.backups().list().await
            && list.iter().any(|b| b.key == name)
        {
            let _ = client.backups().delete(name).await;
        }
    }
}

/// The store's error back out of the `io::Error` the stream reader wrapped it in.
fn into_store_error(e: std::io::Error) -> object_store::Error {
    match e
        .into_inner()
        .map(|inner| inner.downcast::<object_store::Error>())
    {
        Some(Ok(store)) => *store,
        Some(Err(other)) => object_store::Error::Generic {
            store: "copy",
            source: other,
        },
        None => object_store::Error::Generic {
            store: "copy",
            source: "reading the copy failed".into(),
        },
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
