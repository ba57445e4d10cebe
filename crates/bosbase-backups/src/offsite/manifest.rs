//! The manifest at the prefix: for each copy, the backup's size, time and SHA-256, and what the
//! stored object is (its name, size, SHA-256, ETag and time).
//!
//! The backup's and the object's checksums are kept apart so that a stage that changes the bytes
//! (encryption: `<key>.age`) records both; today they are equal.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use super::destination::Destination;
use super::error::OffsiteError;

/// The manifest's file name at the prefix.
pub const MANIFEST_NAME: &str = "bosbase-backups.manifest.json";

const FORMAT: u32 = 1;

/// One copy, as the manifest records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The backup's size on the server.
    pub size: u64,
    /// The SHA-256 of the backup (the plaintext), lowercase hex.
    pub sha256: String,
    /// The backup's time on the server (retention goes by it).
    pub modified: DateTime<Utc>,
    /// When the copy was made.
    pub copied: DateTime<Utc>,
    /// The object that holds it.
    pub object: StoredObject,
}

/// The stored object of a copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    /// Its name under the prefix (the key; `<key>.age` once encrypted).
    pub name: String,
    /// Its size.
    pub size: u64,
    /// The SHA-256 of its bytes, lowercase hex (the backup's, unless encrypted).
    pub sha256: String,
    /// How its bytes differ from the backup's (`None`: they are the backup's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<String>,
    /// The store's ETag when it was written: a different one means it was replaced since.
    #[serde(default)]
    pub e_tag: Option<String>,
    /// The store's time for it when it was written.
    pub last_modified: DateTime<Utc>,
}

impl StoredObject {
    /// Whether `meta` is still the object this entry describes (not replaced since): same size,
    /// ETag (when both have one: some stores list none) and time to the second (HEAD's
    /// `Last-Modified` has no finer grain).
    pub(crate) fn matches(&self, meta: &object_store::ObjectMeta) -> bool {
        let etag_same = match (&self.e_tag, &meta.e_tag) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        self.size == meta.size
            && etag_same
            && self.last_modified.timestamp() == meta.last_modified.timestamp()
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    format: u32,
    /// By backup key.
    pub copies: BTreeMap<String, ManifestEntry>,
}

impl Manifest {
    /// Reads the manifest; an absent one is empty.
    pub(crate) async fn load(dest: &Destination) -> Result<Manifest, OffsiteError> {
        let path = dest.path(MANIFEST_NAME);
        let bytes = match dest.store().get(&path).await {
            Ok(got) => got
                .bytes()
                .await
                .map_err(|e| dest.store_error(|| "the manifest".into(), e))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(Manifest::default()),
            Err(e) => return Err(dest.store_error(|| "the manifest".into(), e)),
        };
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| OffsiteError::Manifest {
                url: dest.url().into(),
                path: path.to_string(),
                reason: e.to_string(),
            })?;
        if manifest.format != FORMAT {
            return Err(OffsiteError::Manifest {
                url: dest.url().into(),
                path: path.to_string(),
                reason: format!(
                    "format {} is not {FORMAT}: written by another version",
                    manifest.format
                ),
            });
        }
        Ok(manifest)
    }

    /// Writes it (one small PUT: atomic on every store).
    pub(crate) async fn save(&mut self, dest: &Destination) -> Result<(), OffsiteError> {
        self.format = FORMAT;
        let json = serde_json::to_vec_pretty(self).expect("the manifest serializes");
        dest.store()
            .put(&dest.path(MANIFEST_NAME), json.into())
            .await
            .map_err(|e| dest.store_error(|| "the manifest".into(), e))?;
        Ok(())
    }
}
