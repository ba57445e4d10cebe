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

    /// [`verify`](Self::verify) of an encrypted copy (`<key>.age`) in depth: besides the object's
    /// SHA-256, decrypts it with `identities` and checks the backup's SHA-256 too (a wrong
    /// identity is [`Error::WrongIdentity`](crate::Error::WrongIdentity), a damaged ciphertext
    /// [`Error::DamagedCiphertext`](crate::Error::DamagedCiphertext)). A plain copy is verified
    /// as by `verify`.
    pub async fn verify_decrypting(
        &self,
        key: &str,
        identities: &crate::encryption::Identities,
    ) -> Result<Verified, OffsiteError> {
        let manifest = Manifest::load(self).await?;
        let Some(entry) = manifest
            .copies
            .get(key)
            .filter(|e| e.object.encryption.is_some())
        else {
            return self.verify(key).await;
        };
        let what = || format!("copy {key}");
        let got = self
            .store()
            .get(&self.path(&entry.object.name))
            .await
            .map_err(|e| self.store_error(what, e))?;
        let stream = got
            .into_stream()
            .map(|chunk| chunk.map_err(std::io::Error::other));
        let (object, object_digest) =
            super::pipeline::HashingReader::new(tokio_util::io::StreamReader::new(stream));
        let mut plain = crate::encryption::decrypt(object, identities)
            .await
            .map_err(OffsiteError::Server)?;
        let mut sink = super::pipeline::Hashing::new(tokio::io::sink());
        tokio::io::copy(&mut plain, &mut sink).await.map_err(|e| {
            match e
                .get_ref()
                .and_then(|i| i.downcast_ref::<object_store::Error>())
            {
                Some(_) => OffsiteError::Server(crate::Error::Stream(e)),
                None => OffsiteError::Server(crate::encryption::damaged(e)),
            }
        })?;
        let (object_sha, object_bytes) = object_digest.finish();
        let (plain_sha, _, _) = sink.finish();
        for (expected, actual) in [
            (&entry.object.sha256, &object_sha),
            (&entry.sha256, &plain_sha),
        ] {
            if expected != actual {
                return Err(OffsiteError::ChecksumMismatch {
                    url: self.url().into(),
                    object: entry.object.name.clone(),
                    expected: expected.clone(),
                    actual: actual.clone(),
                });
            }
        }
        Ok(Verified {
            key: key.into(),
            size: object_bytes,
            sha256: plain_sha,
        })
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
        let name = manifest
            .copies
            .get(key)
            .map_or(key, |e| e.object.name.as_str());
        let path = self.path(name);
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
