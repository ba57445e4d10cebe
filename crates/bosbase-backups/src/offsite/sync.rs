//! `sync`: copy each server backup the destination lacks, streamed in one pass.

use std::sync::Arc;

use chrono::Utc;
use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::destination::Destination;
use super::error::OffsiteError;
use super::manifest::{Manifest, ManifestEntry, StoredObject};
use super::pipeline::{Hashing, ObjectSink, hex};
use super::retention::{Pruned, Retention};
use crate::encryption::{self, Recipients};
use crate::{BackupInfo, Client, Progress};

/// The default multipart part size: 16 MiB, so 10,000 parts hold 156 GiB.
pub const DEFAULT_PART_SIZE: usize = 16 * 1024 * 1024;
/// The smallest part size accepted.
pub const MIN_PART_SIZE: usize = 16 * 1024 * 1024;
/// The largest part size used (bigger backups than 10,000 of them cannot be copied).
pub const MAX_PART_SIZE: usize = 64 * 1024 * 1024;
/// S3's limit of parts in one upload.
const MAX_PARTS: u64 = 10_000;

type KeyFilter = Arc<dyn Fn(&str) -> bool + Send + std::marker::Sync>;
type KeyProgress = Arc<dyn Fn(&str, Progress) + Send + std::marker::Sync>;
type OnEach = Arc<dyn Fn(&Synced) + Send + std::marker::Sync>;

/// What happened to one backup.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Copied; its SHA-256 is recorded.
    Copied,
    /// Already at the destination with the same size and SHA-256.
    Skipped,
    /// A dry run: it would be copied.
    WouldCopy,
    /// It failed; the other backups went on.
    Failed(OffsiteError),
}

/// One backup of a sync.
#[derive(Debug)]
pub struct Synced {
    /// The backup's key.
    pub key: String,
    /// Its size.
    pub size: u64,
    /// Its SHA-256, when known (copied or skipped).
    pub sha256: Option<String>,
    /// What happened.
    pub outcome: Outcome,
}

/// What a sync did.
#[derive(Debug)]
pub struct SyncReport {
    /// Each backup the server listed (and the filter let through), newest first.
    pub copies: Vec<Synced>,
    /// The retention's result, when a policy was given.
    pub pruned: Option<Pruned>,
}

impl SyncReport {
    /// The first failure, if any backup failed.
    pub fn first_failure(&self) -> Option<&OffsiteError> {
        self.copies.iter().find_map(|c| match &c.outcome {
            Outcome::Failed(e) => Some(e),
            _ => None,
        })
    }
}

/// [`Destination::sync`]: set options, then [`send`](Self::send).
#[must_use = "a sync does nothing until it is sent"]
pub struct Sync<'a> {
    dest: &'a Destination,
    client: &'a Client,
    filter: Option<KeyFilter>,
    force: bool,
    dry_run: bool,
    part_size: usize,
    concurrency: usize,
    progress: Option<KeyProgress>,
    on_each: Option<OnEach>,
    retention: Option<Retention>,
    encrypt_to: Option<Recipients>,
}

impl Destination {
    /// Copies each of `client`'s backups that the destination lacks; see the
    /// [module docs](super).
    pub fn sync<'a>(&'a self, client: &'a Client) -> Sync<'a> {
        Sync {
            dest: self,
            client,
            filter: None,
            force: false,
            dry_run: false,
            part_size: DEFAULT_PART_SIZE,
            concurrency: 2,
            progress: None,
            on_each: None,
            retention: None,
            encrypt_to: None,
        }
    }
}

impl Sync<'_> {
    /// Only the backups whose key `f` accepts.
    pub fn filter(mut self, f: impl Fn(&str) -> bool + Send + std::marker::Sync + 'static) -> Self {
        self.filter = Some(Arc::new(f));
        self
    }

    /// Replaces objects that differ from the backup instead of refusing them.
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Says what would be copied (and pruned), changes nothing.
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// The multipart part size, clamped to 16..=64 MiB (and raised when a backup would need
    /// more than 10,000 parts). Memory holds (`concurrency` + 1) parts.
    pub fn part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
        self
    }

    /// How many parts may be on their way at once (default 2).
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts.max(1);
        self
    }

    /// Calls `f(key, progress)` as a backup's bytes arrive.
    pub fn progress(
        mut self,
        f: impl Fn(&str, Progress) + Send + std::marker::Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Calls `f` as soon as each backup is done (for one line per backup as it goes).
    pub fn on_each(mut self, f: impl Fn(&Synced) + Send + std::marker::Sync + 'static) -> Self {
        self.on_each = Some(Arc::new(f));
        self
    }

    /// Encrypts each copy to `recipients` (age, streamed) and stores it as `<key>.age`; the
    /// manifest records the SHA-256 of the backup and of the encrypted object. Encrypting needs
    /// no identity: only [`pull`](Destination::pull) and a deep verify do.
    pub fn encrypt_to(mut self, recipients: Recipients) -> Self {
        self.encrypt_to = Some(recipients);
        self
    }

    /// After copying, prunes the destination's copies with `policy` (a dry run with
    /// [`dry_run`](Self::dry_run)). Skipped when any copy failed.
    pub fn retention(mut self, policy: Retention) -> Self {
        self.retention = Some(policy);
        self
    }

    /// Runs the sync. An error here is one that stops everything (the server's list, the
    /// manifest); a backup that fails is reported in its [`Synced`] and the others go on.
    pub async fn send(self) -> Result<SyncReport, OffsiteError> {
        if let Some(policy) = &self.retention {
            policy.check()?;
        }
        self.dest.check().await?;
        let mut manifest = Manifest::load(self.dest).await?;
        let backups = self.client.backups().list().await?;
        let mut copies = Vec::new();
        for backup in backups {
            if self.filter.as_ref().is_some_and(|f| !f(&backup.key)) {
                continue;
            }
            let (sha256, outcome) = match self.copy_one(&backup, &mut manifest).await {
                Ok((sha, outcome)) => (sha, outcome),
                Err(e) => (None, Outcome::Failed(e)),
            };
            let synced = Synced {
                key: backup.key,
                size: backup.size,
                sha256,
                outcome,
            };
            if let Some(f) = &self.on_each {
                f(&synced);
            }
            copies.push(synced);
        }
        let mut report = SyncReport {
            copies,
            pruned: None,
        };
        if let Some(policy) = &self.retention
            && report.first_failure().is_none()
        {
            report.pruned = Some(self.dest.prune(policy, self.dry_run).await?);
        }
        Ok(report)
    }

    async fn copy_one(
        &self,
        backup: &BackupInfo,
        manifest: &mut Manifest,
    ) -> Result<(Option<String>, Outcome), OffsiteError> {
        let dest = self.dest;
        crate::check_key(&backup.key).map_err(crate::Error::from)?;
        let name = match self.encrypt_to {
            Some(_) => format!("{}{}", backup.key, encryption::SUFFIX),
            None => backup.key.clone(),
        };
        let path = dest.path(&name);
        let what = || format!("copy {name}");
        match dest.store().head(&path).await {
            Ok(meta) => {
                match self.compare_existing(backup, &meta, manifest).await? {
                    Existing::Same(sha) => {
                        // Record it (again) so that a later run trusts it without reading it.
                        let known = manifest.copies.get(&backup.key).is_some_and(|e| {
                            e.sha256 == sha
                                && e.modified == backup.modified
                                && e.object.name == name
                                && e.object.matches(&meta)
                        });
                        if !known && !self.dry_run {
                            let copy = entry(backup, &name, sha.clone(), sha.clone(), None, &meta);
                            manifest.copies.insert(backup.key.clone(), copy);
                            manifest.save(dest).await?;
                        }
                        return Ok((Some(sha), Outcome::Skipped));
                    }
                    Existing::Differs(why) if !self.force => {
                        return Err(OffsiteError::Conflict {
                            url: dest.url().into(),
                            key: backup.key.clone(),
                            object: name.clone(),
                            why,
                        });
                    }
                    Existing::Differs(_) => {}
                }
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(dest.store_error(what, e)),
        }
        if self.dry_run {
            return Ok((None, Outcome::WouldCopy));
        }

        let upload = dest
            .store()
            .put_multipart(&path)
            .await
            .map_err(|e| dest.store_error(what, e))?;
        // Raise the part size for backups that 10,000 parts of it cannot hold.
        let needed = backup
            .size
            .div_ceil(MAX_PARTS)
            .next_multiple_of(1024 * 1024);
        let part_size = self.part_size.max(needed as usize);
        let mut sink = Hashing::new(ObjectSink::new(upload, part_size, self.concurrency));
        let mut download = self.client.backups().download(&backup.key);
        if let Some(f) = &self.progress {
            let (f, key) = (f.clone(), backup.key.clone());
            download = download.progress(move |p| f(&key, p));
        }
        // Plain: server -> SHA-256 -> upload. Encrypted: server -> SHA-256 (the backup's) ->
        // age -> SHA-256 (the object's) -> upload.
        let (result, plain) = match &self.encrypt_to {
            None => (download.to_writer(&mut sink).await, None),
            Some(recipients) => {
                let sealed = encryption::encrypt(&mut sink, recipients).await;
                match sealed {
                    Err(e) => (Err(e), None),
                    Ok(sealed) => {
                        let mut plain = Hashing::new(sealed);
                        let result = download.to_writer(&mut plain).await;
                        let (sha, bytes, mut sealed) = plain.finish();
                        // The last chunk of the age stream; a failed copy is aborted anyway.
                        let result = match result {
                            Ok(n) => sealed
                                .shutdown()
                                .await
                                .map(|()| n)
                                .map_err(crate::Error::Stream),
                            Err(e) => Err(e),
                        };
                        (result, Some((sha, bytes)))
                    }
                }
            }
        };
        let (object_sha, object_bytes, sink) = match result {
            Ok(_) => sink.finish(),
            Err(e) => {
                let store_failure = sink.inner_mut().take_failure();
                let (_, _, inner) = sink.finish();
                let _ = inner.abort().await;
                return Err(match store_failure {
                    Some(se) => dest.store_error(what, se),
                    None => OffsiteError::Server(e),
                });
            }
        };
        let (sha256, bytes) = plain.unwrap_or((object_sha.clone(), object_bytes));
        if bytes != backup.size {
            let _ = sink.abort().await;
            return Err(OffsiteError::Server(crate::Error::InvalidResponse(
                format!(
                    "the download of {:?} has {bytes} bytes but the server lists {}; sync again",
                    backup.key, backup.size
                ),
            )));
        }
        sink.finish().await.map_err(|e| dest.store_error(what, e))?;
        let meta = dest
            .store()
            .head(&path)
            .await
            .map_err(|e| dest.store_error(what, e))?;
        let encrypted = self.encrypt_to.as_ref().map(|_| "age".to_string());
        let copy = entry(backup, &name, sha256.clone(), object_sha, encrypted, &meta);
        manifest.copies.insert(backup.key.clone(), copy);
        manifest.save(dest).await?;
        Ok((Some(sha256), Outcome::Copied))
    }

    /// Whether the object already at the destination holds this backup.
    async fn compare_existing(
        &self,
        backup: &BackupInfo,
        meta: &object_store::ObjectMeta,
        manifest: &Manifest,
    ) -> Result<Existing, OffsiteError> {
        if self.encrypt_to.is_some() {
            // A ciphertext differs from every other encryption of the same backup: only the
            // manifest can say that this object holds this backup.
            return Ok(match manifest.copies.get(&backup.key) {
                Some(e)
                    if e.object.name == meta.location.filename().unwrap_or_default()
                        && e.object.matches(meta)
                        && e.object.encryption.is_some()
                        && e.size == backup.size
                        && e.modified == backup.modified =>
                {
                    Existing::Same(e.sha256.clone())
                }
                _ => Existing::Differs(
                    "an encrypted object the manifest does not record for this backup".into(),
                ),
            });
        }
        if meta.size != backup.size {
            return Ok(Existing::Differs(format!(
                "{} bytes, the backup has {}",
                meta.size, backup.size
            )));
        }
        // The manifest's checksum holds only for the very object it describes.
        let recorded = manifest
            .copies
            .get(&backup.key)
            .filter(|e| e.object.matches(meta) && e.object.encryption.is_none());
        if let Some(e) = recorded
            && e.size == backup.size
            && e.modified == backup.modified
        {
            // The same backup (same key, size and time on the server) as was copied.
            return Ok(Existing::Same(e.sha256.clone()));
        }
        // Otherwise read both and compare.
        let object_sha = match recorded {
            Some(e) => e.object.sha256.clone(),
            None => self.hash_object(meta).await?,
        };
        let backup_sha = self.hash_backup(&backup.key).await?;
        Ok(if object_sha == backup_sha {
            Existing::Same(backup_sha)
        } else {
            Existing::Differs("same size, different SHA-256".into())
        })
    }

    async fn hash_object(&self, meta: &object_store::ObjectMeta) -> Result<String, OffsiteError> {
        let dest = self.dest;
        let what = || format!("copy {}", meta.location);
        let got = dest
            .store()
            .get(&meta.location)
            .await
            .map_err(|e| dest.store_error(what, e))?;
        let mut stream = got.into_stream();
        let mut hasher = Sha256::new();
        while let Some(chunk) = stream.next().await {
            hasher.update(chunk.map_err(|e| dest.store_error(what, e))?);
        }
        Ok(hex(hasher.finalize()))
    }

    async fn hash_backup(&self, key: &str) -> Result<String, OffsiteError> {
        let mut sink = Hashing::new(tokio::io::sink());
        self.client
            .backups()
            .download(key)
            .to_writer(&mut sink)
            .await?;
        Ok(sink.finish().0)
    }
}

enum Existing {
    Same(String),
    Differs(String),
}

fn entry(
    backup: &BackupInfo,
    name: &str,
    sha256: String,
    object_sha256: String,
    encryption: Option<String>,
    meta: &object_store::ObjectMeta,
) -> ManifestEntry {
    ManifestEntry {
        size: backup.size,
        sha256,
        modified: backup.modified,
        copied: Utc::now(),
        object: StoredObject {
            name: name.into(),
            size: meta.size,
            sha256: object_sha256,
            encryption,
            e_tag: meta.e_tag.clone(),
            last_modified: meta.last_modified,
        },
    }
}
