//! The client: configuration, auth, and the one path every generated call takes (auth, per-call
//! extras, tracing, error mapping, one re-login on 401).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bosbase_backups_api::types::{ApiError, PasswordAuthRequest, SuperuserAuth};
use bosbase_backups_api::{RequestContext, ResponseValue};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::auth::{AuthApi, AuthStore};
use crate::backups::Backups;
use crate::error::{Error, Result};
use crate::files::Files;
use crate::health::HealthCheck;
use crate::models::Superuser;
use crate::operation::Operation;
use crate::options::RequestOptions;
use crate::retry::{Backoff, is_transient};

/// Gives up connecting after this long.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Gives up when the connection is silent this long. The server itself cuts requests after
/// 5 minutes, and after the last byte of a large upload it may stay silent for a minute or more
/// while it stores the file, so this is long on purpose. There is no total timeout: transfers of
/// many GiB take as long as they take.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);

/// A client for the Backups API of one server.
///
/// Cheap to clone: clones share the connection pool and the superuser token, and can be used
/// from many tasks at once.
///
/// ```no_run
/// # async fn run() -> bosbase_backups::Result<()> {
/// let client = bosbase_backups::Client::new("http://127.0.0.1:8090")?;
/// client.auth_with_password("admin@example.com", "a-long-password").await?;
/// for backup in client.backups().list().await? {
///     println!("{} {} bytes, {}", backup.key, backup.size, backup.modified);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base_url: String,
    pub(crate) http: reqwest::Client,
    pub(crate) auth: AuthStore,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("auth", &self.inner.auth)
            .finish()
    }
}

/// Configures a [`Client`].
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
    http: Option<reqwest::Client>,
    token: Option<SecretString>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("user_agent", &self.user_agent)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Gives up connecting after `timeout` (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Gives up when the connection is silent for `timeout` (default 5 minutes). Never a total
    /// timeout.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `bosbase-backups/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses this `reqwest::Client` as it is (its timeouts, proxy, TLS); the timeouts and user
    /// agent set here are then ignored. Do not give it a total timeout: it would cut transfers.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Starts with an existing superuser token, e.g. from an environment variable.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let base_url = self.base_url.trim_end_matches('/').to_string();
        let url = url::Url::parse(&base_url)
            .map_err(|e| {
            Error::Config(format!(
                "the base URL {base_url:?} is not a URL ({e}); give one such as http://127.0.0.1:8090"
            ))
        })?;
        match url.scheme() {
            "http" => {}
            "https" if cfg!(feature = "rustls") || self.http.is_some() => {}
            "https" => {
                return Err(Error::Config(
                    "https:// needs TLS: enable the `rustls` feature of bosbase-backups, or pass \
                     your own reqwest::Client with http_client()"
                        .into(),
                ));
            }
            other => {
                return Err(Error::Config(format!(
                    "the base URL must start with http:// or https://, not {other}://"
                )));
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "the base URL {base_url:?} must not have a query or fragment"
            )));
        }
        #[cfg(any(feature = "rustls", feature = "offsite"))]
        crate::tls::install_provider();
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.read_timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let auth = match self.token {
            Some(token) => {
                warn_if_cleartext(&url);
                AuthStore::with_token(token)
            }
            None => AuthStore::default(),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                base_url,
                http,
                auth,
            }),
        })
    }
}

/// Credentials over plain http to another machine can be read on the way: say so.
fn warn_if_cleartext(url: &url::Url) {
    if url.scheme() != "http" {
        return;
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback {
        tracing::warn!(
            host = url.host_str().unwrap_or_default(),
            "sending superuser credentials over plain http:// to a host that is not this machine: \
             anyone on the way can read them; use https://"
        );
    }
}

/// What a successful call answered, for its trace.
pub(crate) trait Answered {
    fn status(&self) -> u16;
}

impl<T> Answered for ResponseValue<T> {
    fn status(&self) -> u16 {
        ResponseValue::status(self).as_u16()
    }
}

/// The upload's only success: 204.
impl Answered for () {
    fn status(&self) -> u16 {
        204
    }
}

/// Records the outcome of a call on its span; `ok`: the status of a success.
fn record<T>(span: &tracing::Span, started: Instant, result: &Result<T>, ok: impl Fn(&T) -> u16) {
    let status = match result {
        Ok(v) => Some(ok(v)),
        Err(e) => e.status(),
    };
    if let Some(status) = status {
        span.record("status", status);
    }
    span.record("duration_ms", started.elapsed().as_millis() as u64);
    match result {
        Ok(_) => tracing::debug!(parent: span, "done"),
        Err(e) => tracing::debug!(parent: span, error = %e, "failed"),
    }
}

impl Client {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:8090`), with default settings.
    pub fn new(base_url: impl Into<String>) -> Result<Client> {
        Self::builder(base_url).build()
    }

    /// Configures a client for the server at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            user_agent: format!("bosbase-backups/{}", env!("CARGO_PKG_VERSION")),
            http: None,
            token: None,
        }
    }

    /// The server's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Logs in as a superuser. The client keeps the password (in memory, redacted from `Debug`)
    /// so that it can log in again when the token expires or a restore replaced it.
    pub async fn auth_with_password(&self, email: &str, password: &str) -> Result<Superuser> {
        if let Ok(url) = url::Url::parse(&self.inner.base_url) {
            warn_if_cleartext(&url);
        }
        let span = Operation::AuthWithPassword.span();
        let started = Instant::now();
        let result = self
            .inner
            .auth
            .login(self, email, SecretString::from(password.to_string()))
            .instrument(span.clone())
            .await;
        record(&span, started, &result, |_| 200);
        result
    }

    /// Uses an existing superuser token from now on (and forgets any password).
    pub async fn set_token(&self, token: impl Into<String>) {
        self.inner
            .auth
            .set_token(SecretString::from(token.into()))
            .await;
    }

    /// The current superuser token, if any: to hand to another tool. Keep it secret.
    pub async fn token(&self) -> Option<SecretString> {
        self.inner.auth.current().await
    }

    /// Server health, and whether a backup can start now (when logged in).
    pub fn health(&self) -> HealthCheck<'_> {
        HealthCheck::new(self)
    }

    /// The backup operations.
    pub fn backups(&self) -> Backups<'_> {
        Backups { client: self }
    }

    /// File tokens.
    pub fn files(&self) -> Files<'_> {
        Files { client: self }
    }

    /// The generated client, set up with `token` and `opts`.
    pub(crate) fn api(
        &self,
        token: Option<&SecretString>,
        opts: &RequestOptions,
    ) -> Result<bosbase_backups_api::Client> {
        let mut ctx = RequestContext::new();
        if let Some(token) = token {
            ctx = ctx.with_token(token.expose_secret()).map_err(|_| {
                Error::Config("the superuser token is not a valid header value".into())
            })?;
        }
        for (name, value) in &opts.headers {
            ctx = ctx.with_header(name.clone(), value.clone());
        }
        for (name, value) in &opts.query {
            ctx = ctx.with_query(name, value);
        }
        Ok(bosbase_backups_api::Client::new_with_client(
            &self.inner.base_url,
            self.inner.http.clone(),
            ctx,
        ))
    }

    /// Runs one generated call of `op`: traced, with the superuser token and `opts`, errors
    /// mapped (`key`: the backup the call is about), through [`authorized`](Self::authorized).
    pub(crate) async fn call<T, F, Fut>(
        &self,
        op: Operation,
        opts: &RequestOptions,
        key: Option<&str>,
        f: F,
    ) -> Result<ResponseValue<T>>
    where
        F: Fn(bosbase_backups_api::Client) -> Fut,
        Fut: Future<
            Output = std::result::Result<ResponseValue<T>, bosbase_backups_api::Error<ApiError>>,
        >,
    {
        let f = &f;
        self.traced(op, opts, || {
            self.authorized(true, |token| async move {
                match f(self.api(token.as_ref(), opts)?).await {
                    Ok(v) => Ok(v),
                    Err(e) => Err(Error::from_api(e, key).await),
                }
            })
        })
        .await
    }

    /// The one path of every call: a span with the operation, its status and duration; the
    /// per-call extras checked before anything is sent; and, for operations that are safe to
    /// repeat, retries with backoff after transient failures.
    pub(crate) async fn traced<T, F, Fut>(
        &self,
        op: Operation,
        opts: &RequestOptions,
        attempt: F,
    ) -> Result<T>
    where
        T: Answered,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let span = op.span();
        let started = Instant::now();
        let result = async {
            opts.check()?;
            let mut backoff = Backoff::idempotent();
            loop {
                match attempt().await {
                    Err(e) if op.idempotent() && is_transient(&e) => match backoff.next_delay() {
                        Some(delay) => {
                            tracing::debug!(error = %e, ?delay, "transient failure; retrying");
                            tokio::time::sleep(delay).await;
                        }
                        None => return Err(e),
                    },
                    result => return result,
                }
            }
        }
        .instrument(span.clone())
        .await;
        record(&span, started, &result, T::status);
        result
    }

    /// Sends with the superuser token. When the server refuses it (401) and the client holds the
    /// password, logs in again and, if `replayable`, sends once more; a 401 after a fresh login
    /// means the credentials themselves are refused (`can_login: true`).
    pub(crate) async fn authorized<T, F, Fut>(&self, replayable: bool, attempt: F) -> Result<T>
    where
        F: Fn(Option<SecretString>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let token = self.inner.auth.token(self).await?;
        let first = match attempt(token.clone()).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let Some(stale) = token.filter(|_| replayable && first.is_unauthorized()) else {
            return Err(first);
        };
        if !self.inner.auth.relogin(self, &stale).await? {
            return Err(first);
        }
        tracing::debug!("the server refused the token; logged in again, retrying once");
        match attempt(self.inner.auth.current().await).await {
            Err(Error::Unauthorized {
                status, message, ..
            }) => Err(Error::Unauthorized {
                status,
                message,
                can_login: true,
            }),
            result => result,
        }
    }

    /// A request built by hand (the upload, a health probe): the base URL, `path`, the caller's
    /// extras, and `token` as a sensitive `Authorization` header.
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        opts: &RequestOptions,
        token: Option<&SecretString>,
    ) -> Result<reqwest::RequestBuilder> {
        let request = self
            .inner
            .http
            .request(method, format!("{}{path}", self.inner.base_url));
        let mut request = opts.apply(request);
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                Error::Config("the superuser token is not a valid header value".into())
            })?;
            value.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        Ok(request)
    }
}

impl AuthApi for Client {
    async fn login(&self, email: &str, password: &str) -> Result<SuperuserAuth> {
        let body = PasswordAuthRequest {
            identity: email.into(),
            password: password.into(),
        };
        match self
            .api(None, &RequestOptions::default())?
            .auth_with_password(&body)
            .await
        {
            Ok(v) => Ok(v.into_inner()),
            Err(e) => Err(match Error::from_api(e, None).await {
                // The server answers a wrong password with a 400.
                Error::Api {
                    status: 400,
                    message,
                    fields,
                } if fields.is_empty() => Error::Unauthorized {
                    status: 400,
                    message,
                    can_login: true,
                },
                other => other,
            }),
        }
    }

    async fn refresh(&self, token: &SecretString) -> Result<SuperuserAuth> {
        let span = Operation::AuthRefresh.span();
        let started = Instant::now();
        let result = async {
            match self
                .api(Some(token), &RequestOptions::default())?
                .auth_refresh()
                .await
            {
                Ok(v) => Ok(v.into_inner()),
                Err(e) => Err(Error::from_api(e, None).await),
            }
        }
        .instrument(span.clone())
        .await;
        record(&span, started, &result, |_| 200);
        result
    }
}
