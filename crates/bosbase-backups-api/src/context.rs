//! What every request of the generated client carries besides its own parameters: the superuser
//! token and the caller's extra headers and query parameters. The generated code runs
//! [`ClientHooks::pre`] on every request, which applies them.

use std::fmt;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue, InvalidHeaderValue};

use crate::Client;

/// Auth and extras for the requests of one [`Client`].
///
/// A [`Client`] is cheap to build, so build one per call when the extras differ per call.
#[derive(Clone, Default)]
pub struct RequestContext {
    authorization: Option<HeaderValue>,
    headers: HeaderMap,
    query: Vec<(String, String)>,
}

impl RequestContext {
    /// No token, no extras.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `token` in the `Authorization` header. The header is marked sensitive, so it stays
    /// out of `Debug` output, reqwest's and this type's alike.
    pub fn with_token(mut self, token: &str) -> Result<Self, InvalidHeaderValue> {
        let mut value = HeaderValue::from_str(token)?;
        value.set_sensitive(true);
        self.authorization = Some(value);
        Ok(self)
    }

    /// Adds a header to every request (after the generated ones, so it can add but not remove).
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Adds a query parameter to every request.
    pub fn with_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Whether a token is set.
    pub fn has_token(&self) -> bool {
        self.authorization.is_some()
    }
}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field(
                "query",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ClientHooks<RequestContext> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let ctx = self.inner();
        if let Some(token) = &ctx.authorization {
            request.headers_mut().insert(AUTHORIZATION, token.clone());
        }
        for (name, value) in &ctx.headers {
            request.headers_mut().append(name, value.clone());
        }
        if !ctx.query.is_empty() {
            request.url_mut().query_pairs_mut().extend_pairs(&ctx.query);
        }
        Ok(())
    }
}
