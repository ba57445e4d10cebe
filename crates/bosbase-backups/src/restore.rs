//! `POST /api/backups/{key}/restore`, sent as it is: see `restore_and_wait.rs` for a restore that
//! checks the backup first and reports the outcome.

use crate::client::Client;
use crate::error::Result;
use crate::name::check_key;
use crate::operation::Operation;
use crate::options::{RequestOptions, into_future, request_options};

/// `POST /api/backups/{key}/restore`: see [`Backups::restore`](crate::Backups::restore).
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct RestoreBackup<'a> {
    pub(crate) client: &'a Client,
    pub(crate) opts: RequestOptions,
    pub(crate) key: String,
}

impl RestoreBackup<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<()> {
        check_key(&self.key)?;
        send(self.client, &self.opts, &self.key).await
    }
}

pub(crate) async fn send(client: &Client, opts: &RequestOptions, key: &str) -> Result<()> {
    client
        .call(
            Operation::RestoreBackup,
            opts,
            Some(key),
            |api| async move { api.restore_backup(key).await },
        )
        .await?;
    Ok(())
}

request_options!(RestoreBackup);
into_future!(RestoreBackup => ());
