//! The backup operations: list, create (named or auto-named), delete, restore, download URL.
//! Uploads and downloads stream, in `upload.rs` and `download.rs`.

use std::collections::HashSet;
use std::path::Path;

use bosbase_backups_api::types::CreateBackupRequest;
use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::client::{Client, RequestOptions, Route};
use crate::error::{Error, Result};
use crate::files::FileToken;
use crate::models::BackupInfo;
use crate::name::{BackupName, check_key};
use crate::requests::{into_future, request_options};
use crate::retry::while_busy;
use bosbase_backups_api::{ByteStream, ResponseValue};

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Backup operations: [`Client::backups`].
#[derive(Clone, Copy, Debug)]
pub struct Backups<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Backups<'a> {
    /// Lists every backup, newest first (the server does not sort).
    pub fn list(&self) -> ListBackups<'a> {
        ListBackups {
            client: self.client,
            opts: RequestOptions::default(),
        }
    }

    /// Creates a backup named `name` (checked against the name rule before anything is sent).
    /// Answers when the zip is written.
    pub fn create(&self, name: impl AsRef<str>) -> CreateBackup<'a> {
        CreateBackup {
            client: self.client,
            opts: RequestOptions::default(),
            name: name.as_ref().to_string(),
            wait: None,
        }
    }

    /// Creates a backup with a name the server chooses, and returns it: the server does not say
    /// which name it chose, so this finds the new backup in the list.
    pub fn create_auto(&self) -> CreateAutoBackup<'a> {
        CreateAutoBackup {
            client: self.client,
            opts: RequestOptions::default(),
            wait: None,
        }
    }

    /// Deletes the backup `key`.
    pub fn delete(&self, key: impl AsRef<str>) -> KeyRequest<'a> {
        KeyRequest::new(self.client, key, KeyOp::Delete)
    }

    /// Asks the server to restore its data from the backup `key` and restart.
    ///
    /// The server answers before it even starts: success here means "accepted". A restore that
    /// fails leaves the old data in place and is reported only in the server's log. While it
    /// restarts, connections are refused for a moment, and the superusers (with their tokens) are
    /// those of the backup afterwards.
    pub fn restore(&self, key: impl AsRef<str>) -> KeyRequest<'a> {
        KeyRequest::new(self.client, key, KeyOp::Restore)
    }

    /// Restores from the backup `key` and waits for the real outcome: checks first that the
    /// backup is restorable, then waits for the server to restart on it and come back healthy,
    /// and reports a failure the server logged as [`Error::RestoreFailed`] with its reason. A
    /// timeout is an error, never a success.
    pub fn restore_and_wait(&self, key: impl AsRef<str>) -> crate::restore::RestoreAndWait<'a> {
        crate::restore::RestoreAndWait::new(self.client, key.as_ref())
    }

    /// The URL that downloads `key` with `token`: the twin of the Go SDK's `GetDownloadURL`.
    /// The URL holds the token: treat it as a secret until the token expires.
    ///
    /// ```
    /// # fn run(client: &bosbase_backups::Client) -> bosbase_backups::Result<()> {
    /// let token = bosbase_backups::FileToken::new("eyJ...");
    /// let url = client.backups().download_url(&token, "@auto_pb_backup_acme_20261126.zip")?;
    /// assert!(url.ends_with("/api/backups/%40auto_pb_backup_acme_20261126.zip?token=eyJ..."));
    /// # Ok(())
    /// # }
    /// # run(&bosbase_backups::Client::new("http://127.0.0.1:8090").unwrap()).unwrap();
    /// ```
    pub fn download_url(&self, token: &FileToken, key: &str) -> Result<String> {
        check_key(key)?;
        Ok(format!(
            "{}/api/backups/{}?token={}",
            self.client.base_url(),
            utf8_percent_encode(key, COMPONENT),
            utf8_percent_encode(token.expose_secret(), COMPONENT),
        ))
    }

    /// Uploads the backup zip at `path`, streamed. Its file name is the backup's name unless
    /// [`name`](crate::UploadBackup::name) says otherwise.
    pub fn upload_file(&self, path: impl AsRef<Path>) -> crate::upload::UploadBackup<'a> {
        crate::upload::UploadBackup::from_path(self.client, path.as_ref())
    }

    /// Uploads `len` bytes of `reader` as the backup `name`, streamed.
    pub fn upload<R>(
        &self,
        reader: R,
        len: u64,
        name: impl AsRef<str>,
    ) -> crate::upload::UploadBackup<'a>
    where
        R: tokio::io::AsyncRead + Send + Sync + 'static,
    {
        crate::upload::UploadBackup::from_reader(self.client, reader, len, name.as_ref())
    }

    /// Downloads the backup `key`, streamed: end with
    /// [`to_path`](crate::DownloadBackup::to_path) or [`to_writer`](crate::DownloadBackup::to_writer).
    /// Gets its own file token.
    pub fn download(&self, key: impl AsRef<str>) -> crate::download::DownloadBackup<'a> {
        crate::download::DownloadBackup::new(self.client, key.as_ref())
    }
}

/// `GET /api/backups`: see [`Backups::list`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct ListBackups<'a> {
    client: &'a Client,
    opts: RequestOptions,
}

impl ListBackups<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<Vec<BackupInfo>> {
        self.client
            .list_backups(&self.opts)
            .await
            .map(|(list, _)| list)
    }
}

impl Client {
    /// The list, newest first, with the server's `Date`.
    pub(crate) async fn list_backups(
        &self,
        opts: &RequestOptions,
    ) -> Result<(Vec<BackupInfo>, Option<DateTime<Utc>>)> {
        let route = Route {
            idempotent: true,
            op: "list",
            method: "GET",
            path: "/api/backups",
        };
        let rv = self
            .call(
                route,
                opts,
                None,
                |api| async move { api.list_backups().await },
            )
            .await?;
        let date = server_date(rv.headers());
        let mut list = rv
            .into_inner()
            .into_iter()
            .map(BackupInfo::try_from)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(Error::InvalidResponse)?;
        list.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.key.cmp(&b.key)));
        Ok((list, date))
    }

    /// A GET of the backup `key` (`range`: an HTTP byte range), with a file token.
    pub(crate) async fn get_backup(
        &self,
        opts: &RequestOptions,
        key: &str,
        token: &FileToken,
        range: Option<&str>,
    ) -> Result<ResponseValue<ByteStream>> {
        let route = Route {
            idempotent: true,
            op: "download",
            method: "GET",
            path: "/api/backups/{key}",
        };
        let token = token.expose_secret();
        self.call(route, opts, Some(key), |api| async move {
            api.download_backup(key, token, range).await
        })
        .await
    }
}

/// The size the server lists for `key`, or [`Error::NotFound`].
pub(crate) fn listed_size(list: &[BackupInfo], key: &str) -> Result<u64> {
    list.iter()
        .find(|b| b.key == key)
        .map(|b| b.size)
        .ok_or_else(|| Error::NotFound {
            key: key.into(),
            message: "the server does not list it".into(),
        })
}

pub(crate) fn server_date(headers: &reqwest::header::HeaderMap) -> Option<DateTime<Utc>> {
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    DateTime::parse_from_rfc2822(date)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// `POST /api/backups` with a name: see [`Backups::create`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateBackup<'a> {
    client: &'a Client,
    opts: RequestOptions,
    name: String,
    wait: Option<std::time::Duration>,
}

impl CreateBackup<'_> {
    /// While another backup or restore runs, waits (polling health's `canBackup`) and tries
    /// again, for at most `wait`, instead of failing at once with [`Error::Busy`].
    pub fn wait_if_busy(mut self, wait: std::time::Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        let name = BackupName::new(self.name)?;
        let body = CreateBackupRequest {
            name: Some(
                name.as_str()
                    .parse()
                    .expect("BackupName follows the spec's rule"),
            ),
        };
        let route = Route {
            idempotent: false,
            op: "create",
            method: "POST",
            path: "/api/backups",
        };
        let body = &body;
        while_busy(self.client, self.wait, || {
            self.client.call(route, &self.opts, None, |api| async move {
                api.create_backup(Some(body)).await
            })
        })
        .await?;
        Ok(())
    }
}

/// `POST /api/backups` without a name: see [`Backups::create_auto`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateAutoBackup<'a> {
    client: &'a Client,
    opts: RequestOptions,
    wait: Option<std::time::Duration>,
}

impl CreateAutoBackup<'_> {
    /// While another backup or restore runs, waits (polling health's `canBackup`) and tries
    /// again, for at most `wait`, instead of failing at once with [`Error::Busy`].
    pub fn wait_if_busy(mut self, wait: std::time::Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// Sends the request and returns the backup the server made.
    pub async fn send(self) -> Result<BackupInfo> {
        let (before, _) = self.client.list_backups(&RequestOptions::default()).await?;
        let before: HashSet<String> = before.into_iter().map(|b| b.key).collect();
        let route = Route {
            idempotent: false,
            op: "create",
            method: "POST",
            path: "/api/backups",
        };
        let body = &CreateBackupRequest { name: None };
        let rv = while_busy(self.client, self.wait, || {
            self.client.call(route, &self.opts, None, |api| async move {
                api.create_backup(Some(body)).await
            })
        })
        .await?;
        let done_at = server_date(rv.headers());
        let (after, _) = self.client.list_backups(&RequestOptions::default()).await?;
        pick_auto_named(after, &before, done_at)
    }
}

/// Finds the backup an auto-named create made: a new `pb_backup_*.zip`. The server runs one
/// create at a time, but others' uploads and creates may land between our two lists; then the
/// one written closest to the moment the server answered us is ours.
fn pick_auto_named(
    after: Vec<BackupInfo>,
    before: &HashSet<String>,
    done_at: Option<DateTime<Utc>>,
) -> Result<BackupInfo> {
    let mut new: Vec<BackupInfo> = after
        .into_iter()
        .filter(|b| {
            !before.contains(&b.key) && b.key.starts_with("pb_backup_") && b.key.ends_with(".zip")
        })
        .collect();
    if new.len() > 1
        && let Some(done_at) = done_at
    {
        new.sort_by_key(|b| (b.modified - done_at).num_milliseconds().abs());
        new.truncate(1);
    }
    new.into_iter().next().ok_or_else(|| {
        Error::InvalidResponse(
            "the server created a backup but it is not in the list; list the backups to find it"
                .into(),
        )
    })
}

#[derive(Clone, Copy)]
pub(crate) enum KeyOp {
    Delete,
    Restore,
}

/// `DELETE /api/backups/{key}` or `POST /api/backups/{key}/restore`: see [`Backups::delete`],
/// [`Backups::restore`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct KeyRequest<'a> {
    client: &'a Client,
    opts: RequestOptions,
    key: String,
    op: KeyOp,
}

impl<'a> KeyRequest<'a> {
    fn new(client: &'a Client, key: impl AsRef<str>, op: KeyOp) -> Self {
        Self {
            client,
            opts: RequestOptions::default(),
            key: key.as_ref().to_string(),
            op,
        }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        check_key(&self.key)?;
        let key = self.key.as_str();
        match self.op {
            KeyOp::Delete => {
                let route = Route {
                    idempotent: false,
                    op: "delete",
                    method: "DELETE",
                    path: "/api/backups/{key}",
                };
                self.client
                    .call(route, &self.opts, Some(key), |api| async move {
                        api.delete_backup(key).await
                    })
                    .await?;
            }
            KeyOp::Restore => {
                let route = Route {
                    idempotent: false,
                    op: "restore",
                    method: "POST",
                    path: "/api/backups/{key}/restore",
                };
                self.client
                    .call(route, &self.opts, Some(key), |api| async move {
                        api.restore_backup(key).await
                    })
                    .await?;
            }
        }
        Ok(())
    }
}

request_options!(ListBackups);
request_options!(CreateBackup);
request_options!(CreateAutoBackup);
request_options!(KeyRequest);
into_future!(ListBackups => Vec<BackupInfo>);
into_future!(CreateBackup => ());
into_future!(CreateAutoBackup => BackupInfo);
into_future!(KeyRequest => ());

#[cfg(test)]
mod tests {
    use super::*;

    fn info(key: &str, modified: &str) -> BackupInfo {
        BackupInfo {
            key: key.into(),
            size: 1,
            modified: crate::models::pocketbase_time::parse(modified).unwrap(),
        }
    }

    #[test]
    fn auto_named_is_the_new_pb_backup_closest_to_the_answer() {
        let before: HashSet<String> = ["old.zip".to_string()].into();
        let after = vec![
            info("old.zip", "2026-11-26 10:00:00.000Z"),
            info("uploaded.zip", "2026-11-26 10:00:05.000Z"),
            info(
                "pb_backup_acme_20261126100001.zip",
                "2026-11-26 10:00:01.000Z",
            ),
            info(
                "pb_backup_acme_20261126100009.zip",
                "2026-11-26 10:00:09.500Z",
            ),
        ];
        let done = crate::models::pocketbase_time::parse("2026-11-26 10:00:10.000Z").unwrap();
        let picked = pick_auto_named(after.clone(), &before, Some(done)).unwrap();
        assert_eq!(picked.key, "pb_backup_acme_20261126100009.zip");
        let done = crate::models::pocketbase_time::parse("2026-11-26 10:00:01.200Z").unwrap();
        assert_eq!(
            pick_auto_named(after, &before, Some(done)).unwrap().key,
            "pb_backup_acme_20261126100001.zip"
        );
        assert!(
            pick_auto_named(
                vec![info("old.zip", "2026-11-26 10:00:00.000Z")],
                &before,
                None
            )
            .is_err()
        );
    }
}
