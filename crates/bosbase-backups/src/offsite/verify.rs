//! `verify`: re-read a copy and check it against the SHA-256 recorded when it was made.

use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::destination::Destination;
use super::error::OffsiteError;
use super::manifest::Manifest;
use super::pipeline::hex;

/// A copy whose bytes have the recorded SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The backup's key.
    pub key: String,
    /// The object's size.
    pub size: u64,
    /// Its SHA-256 (as recorded, and as read).
    pub sha256: String,
}

impl Destination {
    /// Re-reads the copy of `key` and checks its SHA-256 against the manifest's.
    ///
    /// Errors: [`OffsiteError::ChecksumMismatch`] for a damaged copy,
    /// [`OffsiteError::NoChecksum`] when nothing was recorded, [`OffsiteError::NotFound`].
    pub async fn verify(&self, key: &str) -> Result<Verified, OffsiteError> {
        self.verify_into(key, &mut tokio::io::sink(), |_| {}).await
    }

    /// [`verify`](Self::verify), writing the copy's bytes to `writer` as they are read, and
    /// calling `progress` with the bytes read so far.
    ///
    /// This is the seam for deeper checks: a check of the backup's database reads the same
    /// stream (through `writer`) instead of downloading the copy a second time.
    pub async fn verify_into<W: AsyncWrite + Unpin>(
        &self,
        key: &str,
        writer: &mut W,
        progress: impl Fn(u64),
    ) -> Result<Verified, OffsiteError> {
        let manifest = Manifest::load(self).await?;
        let what = || format!("copy {key}");
        let path = self.path(key);
        let got = self
            .store()
            .get(&path)
            .await
            .map_err(|e| self.store_error(what, e))?;
        let Some(entry) = manifest.copies.get(key) else {
            return Err(OffsiteError::NoChecksum {
                url: self.url().into(),
                object: key.into(),
            });
        };
        let mut hasher = Sha256::new();
        let mut read = 0u64;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.store_error(what, e))?;
            hasher.update(&chunk);
            read += chunk.len() as u64;
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| OffsiteError::Server(crate::Error::Stream(e)))?;
            progress(read);
        }
        writer
            .flush()
            .await
            .map_err(|e| OffsiteError::Server(crate::Error::Stream(e)))?;
        let actual = hex(hasher.finalize());
        if actual != entry.object.sha256 {
            return Err(OffsiteError::ChecksumMismatch {
                url: self.url().into(),
                object: key.into(),
                expected: entry.object.sha256.clone(),
                actual,
            });
        }
        Ok(Verified {
            key: key.into(),
            size: read,
            sha256: actual,
        })
    }
}
