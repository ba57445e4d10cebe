//! `POST /api/backups`: a backup named by the caller, or by the server.

use std::collections::HashSet;

use bosbase_backups_api::types::CreateBackupRequest;
use chrono::{DateTime, Utc};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::{list_dated, server_date};
use crate::models::BackupInfo;
use crate::name::BackupName;
use crate::operation::Operation;
use crate::options::{RequestOptions, into_future, request_options};
use crate::retry::while_busy;

/// `POST /api/backups` with a name: see [`Backups::create`](crate::Backups::create).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateBackup<'a> {
    pub(crate) client: &'a Client,
    pub(crate) opts: RequestOptions,
    pub(crate) name: String,
    pub(crate) wait: Option<std::time::Duration>,
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
        let body = &body;
        while_busy(self.client, self.wait, || {
            self.client.call(
                Operation::CreateBackup,
                &self.opts,
                Some(name.as_str()),
                |api| async move { api.create_backup(Some(body)).await },
            )
        })
        .await?;
        Ok(())
    }
}

/// `POST /api/backups` without a name: see [`Backups::create_auto`](crate::Backups::create_auto).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct CreateAutoBackup<'a> {
    pub(crate) client: &'a Client,
    pub(crate) opts: RequestOptions,
    pub(crate) wait: Option<std::time::Duration>,
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
        let (before, _) = list_dated(self.client, &self.opts).await?;
        let before: HashSet<String> = before.into_iter().map(|b| b.key).collect();
        let body = &CreateBackupRequest { name: None };
        let rv = while_busy(self.client, self.wait, || {
            self.client.call(
                Operation::CreateBackup,
                &self.opts,
                None,
                |api| async move { api.create_backup(Some(body)).await },
            )
        })
        .await?;
        let done_at = server_date(rv.headers());
        let (after, _) = list_dated(self.client, &self.opts).await?;
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

request_options!(CreateBackup);
request_options!(CreateAutoBackup);
into_future!(CreateBackup => ());
into_future!(CreateAutoBackup => BackupInfo);

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
