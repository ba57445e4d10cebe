//! A destination by URL: the store, the prefix in it, and the credentials' environment.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::path::Path;
use object_store::{BackoffConfig, ObjectStore, RetryConfig};
use serde::Serialize;

use super::error::OffsiteError;
use super::manifest::{MANIFEST_NAME, Manifest};

/// Where off-site copies go: a bucket (or container, or directory) and a prefix in it.
///
/// `Debug` and every error show only the URL, never a credential.
#[derive(Clone)]
pub struct Destination {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    url: String,
    vars: &'static str,
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Destination")
            .field("url", &self.url)
            .finish()
    }
}

/// A copy at the destination: an object under the prefix, with what the manifest says of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CopyInfo {
    /// The backup's key.
    pub key: String,
    /// The object's name under the prefix: the key, or `<key>.age` for an encrypted copy.
    pub object: String,
    /// The object's size.
    pub size: u64,
    /// The SHA-256 the manifest records for the object, if it does.
    pub sha256: Option<String>,
    /// The backup's time on the server, from the manifest; else the object's time.
    pub modified: DateTime<Utc>,
}

const S3_VARS: &str = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
const GCS_VARS: &str = "GOOGLE_SERVICE_ACCOUNT or GOOGLE_APPLICATION_CREDENTIALS";
const AZURE_VARS: &str = "AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY";

impl Destination {
    /// Opens `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix` or
    /// `file:///path`, with credentials from the provider's environment variables only (see the
    /// [module docs](super)). Sends nothing: a missing bucket or refused credentials show at the
    /// first call.
    pub fn open(url: &str) -> Result<Destination, OffsiteError> {
        Self::open_with(url, std::iter::empty::<(String, String)>())
    }

    /// [`open`](Self::open), with configuration that takes precedence over the environment's, by
    /// the same names (`AWS_ENDPOINT`, `AWS_SECRET_ACCESS_KEY`, ...): for programs that hold
    /// credentials elsewhere, and tests that run side by side.
    pub fn open_with<K, V>(
        url: &str,
        options: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Destination, OffsiteError>
    where
        K: AsRef<str>,
        V: Into<String>,
    {
        crate::tls::install_provider();
        let options: Vec<(String, String)> = options
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_ascii_lowercase(), v.into()))
            .collect();
        let parsed = url::Url::parse(url).map_err(|e| {
            OffsiteError::Url(format!(
                "{url:?} is not a destination URL ({e}); give s3://bucket/prefix, gs://bucket/prefix, \
                 az://container/prefix or file:///path"
            ))
        })?;
        if !parsed.username().is_empty() || parsed.password().is_some() || parsed.query().is_some()
        {
            return Err(OffsiteError::Url(
                "credentials or options in the destination URL are not accepted: they would show in \
                 process lists and logs; set the provider's environment variables instead"
                    .into(),
            ));
        }
        let shown = parsed.to_string().trim_end_matches('/').to_string();
        // Retries with backoff for transient failures; short enough that a dead endpoint is
        // reported within about 15 s.
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(4),
                base: 2.0,
            },
            max_retries: 4,
            retry_timeout: Duration::from_secs(60),
        };
        let bucket_url = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or(""));
        let prefix = Path::from(parsed.path().trim_matches('/'));
        let store_error =
            |e: object_store::Error| OffsiteError::Url(format!("cannot use {shown}: {e}"));
        let (store, vars): (Arc<dyn ObjectStore>, _) = match parsed.scheme() {
            "s3" | "s3a" => {
                let has_env = |v: &str| {
                    std::env::var_os(v).is_some_and(|v| !v.is_empty())
                        || options.iter().any(|(k, _)| k.eq_ignore_ascii_case(v))
                };
                // Without keys object_store would ask the cloud's instance metadata service:
                // refuse instead, as credentials come from the environment only.
                let keys = has_env("AWS_ACCESS_KEY_ID") && has_env("AWS_SECRET_ACCESS_KEY");
                let other = [
                    "AWS_WEB_IDENTITY_TOKEN_FILE",
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                ];
                if !keys && !other.iter().any(|v| has_env(v)) {
                    return Err(OffsiteError::NoCredentials {
                        url: shown,
                        vars: S3_VARS,
                    });
                }
                let store = options
                    .iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                    .fold(
                        object_store::aws::AmazonS3Builder::from_env(),
                        |b, (k, v)| b.with_config(k, v),
                    )
                    .with_url(&bucket_url)
                    .with_retry(retry)
                    .build()
                    .map_err(store_error)?;
                (Arc::new(store) as _, S3_VARS)
            }
            "gs" => {
                let store = options
                    .iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                    .fold(
                        object_store::gcp::GoogleCloudStorageBuilder::from_env(),
                        |b, (k, v)| b.with_config(k, v),
                    )
                    .with_url(&bucket_url)
                    .with_retry(retry)
                    .build()
                    .map_err(store_error)?;
                (Arc::new(store) as _, GCS_VARS)
            }
            "az" | "azure" => {
                let store = options
                    .iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v)))
                    .fold(
                        object_store::azure::MicrosoftAzureBuilder::from_env(),
                        |b, (k, v)| b.with_config(k, v),
                    )
                    .with_url(&bucket_url)
                    .with_retry(retry)
                    .build()
                    .map_err(store_error)?;
                (Arc::new(store) as _, AZURE_VARS)
            }
            "file" => {
                let dir = parsed.to_file_path().map_err(|()| {
                    OffsiteError::Url(format!("{shown} is not a local path; give file:///path"))
                })?;
                if !dir.is_dir() {
                    return Err(OffsiteError::NotFound {
                        url: shown,
                        what: format!("the directory {} (create it first)", dir.display()),
                        source: None,
                    });
                }
                let store = object_store::local::LocalFileSystem::new_with_prefix(&dir)
                    .map_err(store_error)?;
                return Ok(Destination {
                    store: Arc::new(store),
                    prefix: Path::default(),
                    url: shown,
                    vars: "",
                });
            }
            other => {
                return Err(OffsiteError::Url(format!(
                    "{other}:// destinations are not supported; give s3://, gs://, az:// or file://"
                )));
            }
        };
        Ok(Destination {
            store,
            prefix,
            url: shown,
            vars,
        })
    }

    /// The destination's URL (without credentials: it never has any).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The copies at the destination, newest first: every object directly under the prefix but
    /// the manifest, with the SHA-256 the manifest records for it.
    pub async fn list(&self) -> Result<Vec<CopyInfo>, OffsiteError> {
        let manifest = Manifest::load(self).await?;
        let listed = self
            .store
            .list_with_delimiter(Some(&self.prefix))
            .await
            .map_err(|e| self.store_error(|| "the bucket".into(), e))?;
        let mut copies: Vec<CopyInfo> = listed
            .objects
            .into_iter()
            .filter_map(|meta| {
                let name = meta.location.filename()?.to_string();
                if name == MANIFEST_NAME {
                    return None;
                }
                // The backup whose copy this object is, as the manifest records it; else the
                // object's own name (without `.age`).
                let (key, entry) = match manifest.copies.iter().find(|(_, e)| e.object.name == name)
                {
                    Some((key, e)) => (key.clone(), Some(e)),
                    None => (
                        name.strip_suffix(crate::encryption::SUFFIX)
                            .unwrap_or(&name)
                            .to_string(),
                        None,
                    ),
                };
                // A checksum only for the object the manifest describes, not a replacement.
                let recorded = entry.filter(|e| e.object.matches(&meta));
                Some(CopyInfo {
                    sha256: recorded.map(|e| e.object.sha256.clone()),
                    modified: entry.map_or(meta.last_modified, |e| e.modified),
                    size: meta.size,
                    key,
                    object: name,
                })
            })
            .collect();
        copies.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.key.cmp(&b.key)));
        Ok(copies)
    }

    /// One LIST of the prefix: refused credentials, a missing bucket or a dead endpoint show here,
    /// before any copy starts (some S3 servers create a missing bucket on the first PUT).
    pub async fn check(&self) -> Result<(), OffsiteError> {
        self.store
            .list_with_delimiter(Some(&self.prefix))
            .await
            .map(|_| ())
            .map_err(|e| self.store_error(|| "the bucket".into(), e))
    }

    pub(crate) fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The object `name` under the prefix.
    pub(crate) fn path(&self, name: &str) -> Path {
        self.prefix.clone().join(name)
    }

    pub(crate) fn store_error(
        &self,
        what: impl FnOnce() -> String,
        e: object_store::Error,
    ) -> OffsiteError {
        OffsiteError::from_store(&self.url, self.vars, what, e)
    }
}
