//! `GET /api/health`: is the server up, and can a backup start now?

use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::models::Health;
use crate::operation::Operation;
use crate::options::{RequestOptions, into_future, request_options};

/// `GET /api/health`: see [`Client::health`].
#[must_use = "a request does nothing until it is sent or awaited"]
pub struct HealthCheck<'a> {
    client: &'a Client,
    opts: RequestOptions,
}

impl<'a> HealthCheck<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self {
            client,
            opts: RequestOptions::default(),
        }
    }

    /// Sends the request.
    pub async fn send(self) -> Result<Health> {
        let (client, opts) = (self.client, &self.opts);
        let rv = client
            .traced(Operation::HealthCheck, opts, || async {
                // Health needs no auth, but a superuser token makes it say whether a backup can
                // start; a client that cannot get one still asks.
                let token = client.inner.auth.token(client).await.ok().flatten();
                match client.api(token.as_ref(), opts)?.health_check().await {
                    Ok(v) => Ok(v),
                    Err(e) => Err(Error::from_api_unit(e).await),
                }
            })
            .await?;
        Ok(Health::from(rv.into_inner()))
    }
}

/// One health probe, without retries or tracing, answered within 2 s: for watching a restart.
pub(crate) async fn probe(client: &Client, opts: &RequestOptions) -> Result<()> {
    let response = client
        .request(reqwest::Method::GET, "/api/health", opts, None)?
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .map_err(Error::transport)?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(Error::from_response(response, None).await)
    }
}

request_options!(HealthCheck);
into_future!(HealthCheck => Health);
