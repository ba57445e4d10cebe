//! The `.part` file a download writes: a file that starts writing its pages to disk as it goes.
//!
//! A download ends with an fsync before the rename, so that a backup at the destination survives a
//! crash. Left to the end, that fsync waits for the whole backup to reach the disk (0.7 s of a
//! 1.8 s 1 GiB download, measured here). Asking the kernel every 16 MiB to start writing the pages
//! already written (`sync_file_range`, Linux) overlaps the disk with the network, so the final
//! fsync finds little left to do (1.8 s became 1.4 to 1.5 s). It helps without the fsync too: a
//! writer that leaves a GiB of dirty pages behind gets throttled by the kernel.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

/// Start write-back after this many new bytes.
const WRITEBACK_EVERY: u64 = 16 * 1024 * 1024;

pub(crate) struct PartFile {
    file: tokio::fs::File,
    unsynced: u64,
    writeback: bool,
}

impl PartFile {
    /// `writeback`: start writing pages to disk as the file grows (when it will be fsynced).
    pub(crate) fn new(file: tokio::fs::File, writeback: bool) -> Self {
        Self {
            file,
            unsynced: 0,
            writeback,
        }
    }

    pub(crate) fn into_inner(self) -> tokio::fs::File {
        self.file
    }

    fn start_writeback(&self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: a plain syscall on a file descriptor we own; SYNC_FILE_RANGE_WRITE only
            // starts write-back (offset 0, length 0: the whole file) and does not wait for it.
            unsafe {
                libc::sync_file_range(self.file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
            }
        }
    }
}

impl AsyncWrite for PartFile {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.file).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = poll {
            self.unsynced += n as u64;
            if self.writeback && self.unsynced >= WRITEBACK_EVERY {
                self.unsynced = 0;
                self.start_writeback();
            }
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_shutdown(cx)
    }
}
