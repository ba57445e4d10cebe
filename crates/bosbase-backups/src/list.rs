//! `GET /api/backups`: the list, newest first.

use chrono::{DateTime, Utc};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::models::BackupInfo;
use crate::operation::Operation;
use crate::options::{RequestOptions, into_future, request_options};

/// `GET /api/backups`: see [`Backups::list`](crate::Backups::list).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct ListBackups<'a> {
    pub(crate) client: &'a Client,
    pub(crate) opts: RequestOptions,
}

impl ListBackups<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<Vec<BackupInfo>> {
        list_dated(self.client, &self.opts).await.map(|(l, _)| l)
    }
}

/// The list, newest first, with the server's `Date` (its clock, for what came after).
pub(crate) async fn list_dated(
    client: &Client,
    opts: &RequestOptions,
) -> Result<(Vec<BackupInfo>, Option<DateTime<Utc>>)> {
    let rv = client
        .call(Operation::ListBackups, opts, None, |api| async move {
            api.list_backups().await
        })
        .await?;
    let date = server_date(rv.headers());
    let mut list = rv
        .into_inner()
        .into_iter()
        .map(BackupInfo::try_from)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::InvalidResponse)?;
    sort_newest_first(&mut list);
    Ok((list, date))
}

/// Newest first; the same time sorts by key.
fn sort_newest_first(list: &mut [BackupInfo]) {
    list.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.key.cmp(&b.key)));
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

/// The size the server lists for `key` now.
pub(crate) async fn size_of(client: &Client, opts: &RequestOptions, key: &str) -> Result<u64> {
    let (list, _) = list_dated(client, opts).await?;
    listed_size(&list, key)
}

pub(crate) fn server_date(headers: &reqwest::header::HeaderMap) -> Option<DateTime<Utc>> {
    let date = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    DateTime::parse_from_rfc2822(date)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

request_options!(ListBackups);
into_future!(ListBackups => Vec<BackupInfo>);
