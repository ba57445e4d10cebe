//! The server's own backup settings: its schedule (`backups.cron`, `backups.cronMaxKeep`) and its
//! backup storage (the server's disk, or S3). Only the `backups` member of the settings is ever
//! read into types or sent: an update never touches another setting.

mod cron;

use std::fmt;

use bosbase_backups_api::types;
use secrecy::{ExposeSecret, SecretString};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::operation::Operation;
use crate::options::{RequestOptions, into_future, request_options};

pub use cron::{CRON_MACROS, CronError, check_cron};

/// The server's settings: [`Client::settings`].
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    pub(crate) client: &'a Client,
}

/// The server's backup schedule and storage, as it has them saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSettings {
    /// When the server makes a backup by itself (UTC cron expression or macro); `None`: never.
    pub cron: Option<String>,
    /// How many of its scheduled backups (`@auto_pb_backup_*`) the server keeps.
    pub keep: u64,
    /// Where the backups are kept.
    pub storage: BackupStorage,
}

/// Where the server keeps its backups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackupStorage {
    /// On the server's disk (`pb_data/backups`). `saved_s3` holds S3 settings saved but not
    /// enabled, if any (their secret stays on the server).
    Local {
        /// The saved, disabled S3 settings, when a bucket is set.
        saved_s3: Option<S3Location>,
    },
    /// In an S3 bucket: every backup route works on it, and backups on the disk are not listed.
    S3(S3Location),
}

/// An S3 bucket as the server reports it: everything but the secret, which it never returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Location {
    /// The S3 endpoint URL.
    pub endpoint: String,
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The access key (its id, not the secret).
    pub access_key: String,
    /// Whether the bucket is addressed in the path rather than the host name.
    pub force_path_style: bool,
}

/// An S3 bucket to keep the backups in, with its secret: for
/// [`UpdateSettings::s3`]. The secret is redacted in `Debug` and never logged.
#[derive(Clone)]
pub struct S3Config {
    location: S3Location,
    secret: SecretString,
}

impl S3Config {
    /// A bucket at `endpoint` (e.g. `https://s3.eu-central-1.amazonaws.com`) with an access key
    /// and its secret. Virtual-host addressing unless [`force_path_style`](Self::force_path_style).
    pub fn new(
        endpoint: impl Into<String>,
        bucket: impl Into<String>,
        region: impl Into<String>,
        access_key: impl Into<String>,
        secret: SecretString,
    ) -> Self {
        Self {
            location: S3Location {
                endpoint: endpoint.into(),
                bucket: bucket.into(),
                region: region.into(),
                access_key: access_key.into(),
                force_path_style: false,
            },
            secret,
        }
    }

    /// Addresses the bucket in the path (`endpoint/bucket/key`), as most S3-compatible servers
    /// (MinIO, Garage, ...) want.
    pub fn force_path_style(mut self, yes: bool) -> Self {
        self.location.force_path_style = yes;
        self
    }

    /// The bucket, without the secret.
    pub fn location(&self) -> &S3Location {
        &self.location
    }

    /// What the server requires of an enabled S3 storage, checked before sending.
    fn check(&self) -> Result<()> {
        let l = &self.location;
        for (what, value) in [
            ("endpoint", &l.endpoint),
            ("bucket", &l.bucket),
            ("region", &l.region),
            ("access key", &l.access_key),
        ] {
            if value.trim().is_empty() {
                return Err(Error::InvalidSettings(format!(
                    "the S3 {what} is empty; the server needs endpoint, bucket, region, access key \
                     and secret"
                )));
            }
        }
        if url::Url::parse(&l.endpoint).is_err() {
            return Err(Error::InvalidSettings(format!(
                "the S3 endpoint {:?} is not a URL; give one such as https://s3.eu-central-1.amazonaws.com",
                l.endpoint
            )));
        }
        if self.secret.expose_secret().is_empty() {
            return Err(Error::InvalidSettings(
                "the S3 secret is empty (the server would keep the old one): give the secret of \
                 the access key"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("location", &self.location)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl<'a> Settings<'a> {
    /// The server's backup schedule and storage.
    ///
    /// ```no_run
    /// # async fn run(client: bosbase_backups::Client) -> bosbase_backups::Result<()> {
    /// let settings = client.settings().backups().await?;
    /// match settings.cron {
    ///     Some(cron) => println!("a backup at {cron} (UTC), keeping {}", settings.keep),
    ///     None => println!("no scheduled backups"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn backups(&self) -> Result<BackupSettings> {
        let rv = self
            .client
            .call(
                Operation::GetSettings,
                &RequestOptions::default(),
                None,
                |api| async move { api.get_settings().await },
            )
            .await?;
        Ok(BackupSettings::from(rv.into_inner().backups))
    }

    /// Changes the backup schedule or storage. Only the `backups` member of the settings is
    /// sent, only with what was asked for; the server's answer is returned.
    ///
    /// ```no_run
    /// # async fn run(client: bosbase_backups::Client) -> bosbase_backups::Result<()> {
    /// use bosbase_backups::{S3Config, SecretString};
    /// // Every night at 03:00 UTC, keeping the last 7 scheduled backups.
    /// client.settings().update_backups().schedule("0 3 * * *", 7).await?;
    /// // Keep the backups on S3 from now on, and test the bucket.
    /// let secret = SecretString::from(std::env::var("S3_SECRET").unwrap_or_default());
    /// let s3 = S3Config::new("https://s3.eu-central-1.amazonaws.com", "acme-backups", "eu-central-1", "AKIA...", secret);
    /// client.settings().update_backups().s3(s3).await?;
    /// client.settings().test_s3().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_backups(&self) -> UpdateSettings<'a> {
        UpdateSettings {
            client: self.client,
            opts: RequestOptions::default(),
            cron: None,
            keep: None,
            storage: None,
        }
    }

    /// Tests the *saved* S3 storage of backups: the server writes a file into the bucket and
    /// deletes it. Fails with the server's reason ([`Error::Api`], 400) when S3 is not enabled or
    /// the bucket cannot be written.
    pub async fn test_s3(&self) -> Result<()> {
        let body = &types::TestS3Request {
            filesystem: types::TestS3RequestFilesystem::Backups,
        };
        self.client
            .call(
                Operation::TestS3,
                &RequestOptions::default(),
                None,
                |api| async move { api.test_s3(body).await },
            )
            .await?;
        Ok(())
    }
}

/// `PATCH /api/settings` with a `backups` member: see [`Settings::update_backups`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct UpdateSettings<'a> {
    client: &'a Client,
    opts: RequestOptions,
    cron: Option<String>,
    keep: Option<u64>,
    storage: Option<Option<S3Config>>,
}

impl fmt::Debug for UpdateSettings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateSettings")
            .field("cron", &self.cron)
            .field("keep", &self.keep)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

impl UpdateSettings<'_> {
    /// A backup on the `cron` schedule (UTC; five fields or a macro such as `@daily`, checked
    /// before sending: [`check_cron`]), keeping the last `keep` (at least 1) scheduled backups.
    pub fn schedule(mut self, cron: impl Into<String>, keep: u64) -> Self {
        self.cron = Some(cron.into());
        self.keep = Some(keep);
        self
    }

    /// No more scheduled backups (the number to keep stays as it is).
    pub fn schedule_off(mut self) -> Self {
        self.cron = Some(String::new());
        self
    }

    /// Keeps the backups in this S3 bucket from now on. Backups on the server's disk are no
    /// longer listed (nor deleted).
    pub fn s3(mut self, config: S3Config) -> Self {
        self.storage = Some(Some(config));
        self
    }

    /// Keeps the backups on the server's disk from now on (the S3 settings stay saved, disabled).
    /// Backups in the bucket are no longer listed (nor deleted).
    pub fn local(mut self) -> Self {
        self.storage = Some(None);
        self
    }

    /// Checks the change, sends it, and returns the settings the server saved.
    pub async fn send(self) -> Result<BackupSettings> {
        if let Some(cron) = self.cron.as_deref().filter(|c| !c.is_empty()) {
            check_cron(cron)?;
            if self.keep == Some(0) {
                return Err(Error::InvalidSettings(
                    "keep at least 1 scheduled backup: the server refuses 0 while a schedule is set"
                        .into(),
                ));
            }
        }
        if let Some(Some(s3)) = &self.storage {
            s3.check()?;
        }
        if self.cron.is_none() && self.keep.is_none() && self.storage.is_none() {
            return Err(Error::InvalidSettings(
                "nothing to change: set a schedule, turn it off, or choose a storage".into(),
            ));
        }
        let s3 = self.storage.as_ref().map(|storage| {
            types::BackupsS3Update(Some(match storage {
                Some(s3) => types::BackupsS3UpdateInner {
                    enabled: Some(true),
                    endpoint: Some(s3.location.endpoint.clone()),
                    bucket: Some(s3.location.bucket.clone()),
                    region: Some(s3.location.region.clone()),
                    access_key: Some(s3.location.access_key.clone()),
                    secret: Some(s3.secret.expose_secret().to_string()),
                    force_path_style: Some(s3.location.force_path_style),
                },
                None => types::BackupsS3UpdateInner {
                    enabled: Some(false),
                    ..Default::default()
                },
            }))
        });
        let body = &types::SettingsUpdate {
            backups: Some(types::BackupsSettingsUpdate(Some(
                types::BackupsSettingsUpdateInner {
                    cron: self.cron.clone(),
                    cron_max_keep: self.keep.map(|k| k.min(i64::MAX as u64) as i64),
                    s3,
                },
            ))),
        };
        let rv = self
            .client
            .call(
                Operation::UpdateSettings,
                &self.opts,
                None,
                |api| async move { api.update_settings(body).await },
            )
            .await?;
        Ok(BackupSettings::from(rv.into_inner().backups))
    }
}

request_options!(UpdateSettings);
into_future!(UpdateSettings => BackupSettings);

impl From<types::BackupsSettings> for BackupSettings {
    fn from(b: types::BackupsSettings) -> Self {
        let location = S3Location {
            endpoint: b.s3.endpoint,
            bucket: b.s3.bucket,
            region: b.s3.region,
            access_key: b.s3.access_key,
            force_path_style: b.s3.force_path_style,
        };
        let storage = if b.s3.enabled {
            BackupStorage::S3(location)
        } else {
            BackupStorage::Local {
                saved_s3: (!location.bucket.is_empty()).then_some(location),
            }
        };
        BackupSettings {
            cron: (!b.cron.is_empty()).then_some(b.cron),
            keep: b.cron_max_keep.max(0) as u64,
            storage,
        }
    }
}

impl Client {
    /// The server's own backup schedule and storage.
    pub fn settings(&self) -> Settings<'_> {
        Settings { client: self }
    }
}
