//! Off-site copies: backups copied from a server to object storage or a directory, checked,
//! pruned, and brought back (feature `offsite`).
//!
//! ```no_run
//! use bosbase_backups::Client;
//! use bosbase_backups::offsite::{Destination, Retention};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new("http://127.0.0.1:8090")?;
//! client.auth_with_password("admin@example.com", "a-long-password").await?;
//!
//! // Credentials come from the provider's environment variables (AWS_ACCESS_KEY_ID, ...).
//! let dest = Destination::open("s3://my-bucket/pb")?;
//! for copy in dest.sync(&client).send().await?.copies {
//!     println!("{} {:?}", copy.key, copy.outcome);
//! }
//! for copy in dest.list().await? {
//!     dest.verify(&copy.key).await?; // re-reads the copy and checks its SHA-256
//! }
//! let policy = Retention { keep_daily: 7, keep_weekly: 4, ..Retention::default() };
//! let pruned = dest.prune(&policy, false).await?;
//! dest.pull(&client, "nightly.zip").name("restored.zip").send().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # How a copy is made
//!
//! [`Destination::sync`] streams each backup from the server into a multipart upload in one
//! pass: no temporary file, and memory bounded by the part size (16 MiB by default, 16 to 64 MiB,
//! so that 10,000 parts hold 156 GiB or more) times the parts in flight plus one. The download
//! resumes with `Range` and a fresh file token when the server cuts it (it cuts every request
//! after 5 minutes). The SHA-256 is computed on the way and recorded in a manifest at the prefix
//! (`bosbase-backups.manifest.json`). A copy that fails is aborted: the object never appears, and
//! a rerun copies it again. (A process killed mid-copy leaves an incomplete multipart upload,
//! which S3 never shows as an object; a bucket lifecycle rule `AbortIncompleteMultipartUpload`
//! frees its space.)
//!
//! Object metadata cannot hold the SHA-256: S3 fixes an object's metadata when its multipart
//! upload starts, before the last byte (and so the checksum) is known. The manifest holds it, with
//! the object's size, ETag and time, so that a copy changed behind the tool's back is noticed.
//!
//! An object already at the destination is skipped when it has the backup's size and SHA-256;
//! anything else is refused, never overwritten, unless [`Sync::force`] is set.
//!
//! # Destinations
//!
//! | URL | store | credentials (environment only) |
//! |---|---|---|
//! | `s3://bucket/prefix` | AWS S3, MinIO, R2, B2 (S3 API) | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`; `AWS_ENDPOINT` for non-AWS, `AWS_ALLOW_HTTP=true` for `http://` endpoints |
//! | `gs://bucket/prefix` | Google Cloud Storage | `GOOGLE_SERVICE_ACCOUNT` (path), `GOOGLE_APPLICATION_CREDENTIALS` |
//! | `az://container/prefix` | Azure Blob Storage | `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY` (or a SAS / client secret) |
//! | `file:///path` | a directory (it must exist) | none |

mod destination;
mod error;
mod manifest;
mod pipeline;
mod pull;
mod retention;
mod sync;
mod verify;

pub use destination::{CopyInfo, Destination};
pub use error::{OffsiteError, OffsiteErrorKind};
pub use manifest::{MANIFEST_NAME, ManifestEntry, StoredObject};
pub use pull::Pull;
pub use retention::{Pruned, Retention};
pub use sync::{
    DEFAULT_PART_SIZE, MAX_PART_SIZE, MIN_PART_SIZE, Outcome, Sync, SyncReport, Synced,
};
pub use verify::Verified;
