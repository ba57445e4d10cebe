//! The copy pipeline's stages, each an `AsyncWrite`: bytes from the server's download go through
//! [`Hashing`] (the backup's SHA-256) into an [`ObjectSink`] (a multipart upload).
//!
//! An encrypting stage slots in between: `Hashing` (plaintext) -> encryptor -> `Hashing`
//! (ciphertext) -> `ObjectSink`, the manifest recording both checksums (`sha256` and
//! `object.sha256`), the object named `<key>.age`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use object_store::{MultipartUpload, PutResult, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWrite;

/// Passes bytes on to `inner` and computes their SHA-256 and count on the way.
pub(crate) struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W> Hashing<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    pub(crate) fn inner_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The SHA-256 (lowercase hex) and count of the bytes written, and the next stage.
    pub(crate) fn finish(self) -> (String, u64, W) {
        (hex(self.hasher.finalize()), self.bytes, self.inner)
    }
}

pub(crate) fn hex(digest: impl AsRef<[u8]>) -> String {
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Hashing<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A multipart upload as an `AsyncWrite`: fixed-size parts, at most `concurrency` in flight, so
/// that memory stays at (`concurrency` + 1) parts whatever the size. A write waits while that
/// many parts are on their way: back pressure reaches the server's download.
pub(crate) struct ObjectSink {
    upload: WriteMultipart,
    concurrency: usize,
    /// The store's error that stopped the writes, kept so the caller can report it as it is.
    failure: Option<object_store::Error>,
}

impl ObjectSink {
    pub(crate) fn new(
        upload: Box<dyn MultipartUpload>,
        part_size: usize,
        concurrency: usize,
    ) -> Self {
        Self {
            upload: WriteMultipart::new_with_chunk_size(upload, part_size),
            concurrency: concurrency.max(1),
            failure: None,
        }
    }

    pub(crate) fn take_failure(&mut self) -> Option<object_store::Error> {
        self.failure.take()
    }

    /// Sends the last part and completes the upload: only now does the object appear. On
    /// failure the upload is aborted.
    pub(crate) async fn finish(self) -> object_store::Result<PutResult> {
        self.upload.finish().await
    }

    /// Aborts the upload: the parts are dropped and no object appears.
    pub(crate) async fn abort(self) -> object_store::Result<()> {
        self.upload.abort().await
    }
}

impl AsyncWrite for ObjectSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.failure.is_some() {
            return Poll::Ready(Err(io::Error::other(
                "the upload to the destination failed",
            )));
        }
        let concurrency = self.concurrency;
        if let Err(e) = ready!(self.upload.poll_for_capacity(cx, concurrency)) {
            let message = format!("the upload to the destination failed: {e}");
            self.failure = Some(e);
            return Poll::Ready(Err(io::Error::other(message)));
        }
        self.upload.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Parts go out as they fill; finish() sends the last one.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Reads from `inner` and computes the SHA-256 and count of what was read, into a shared
/// [`ReadDigest`] (the reader itself may end up inside a decryptor that never gives it back).
pub(crate) struct HashingReader<R> {
    inner: R,
    digest: std::sync::Arc<std::sync::Mutex<(Sha256, u64)>>,
}

/// The SHA-256 and count of what a [`HashingReader`] read.
#[derive(Clone)]
pub(crate) struct ReadDigest(std::sync::Arc<std::sync::Mutex<(Sha256, u64)>>);

impl ReadDigest {
    /// The SHA-256 (lowercase hex) and count so far.
    pub(crate) fn finish(&self) -> (String, u64) {
        let (hasher, bytes) = &*self.0.lock().expect("not poisoned");
        (hex(hasher.clone().finalize()), *bytes)
    }
}

impl<R> HashingReader<R> {
    pub(crate) fn new(inner: R) -> (Self, ReadDigest) {
        let digest = std::sync::Arc::new(std::sync::Mutex::new((Sha256::new(), 0)));
        (
            Self {
                inner,
                digest: digest.clone(),
            },
            ReadDigest(digest),
        )
    }
}

impl<R: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for HashingReader<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        let new = &buf.filled()[before..];
        let mut digest = self.digest.lock().expect("not poisoned");
        digest.0.update(new);
        digest.1 += new.len() as u64;
        Poll::Ready(Ok(()))
    }
}
