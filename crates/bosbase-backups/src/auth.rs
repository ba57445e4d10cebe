//! The superuser token, shared by every clone of a client.
//!
//! The token's expiry comes from its JWT `exp` claim. Shortly before it expires the token is
//! refreshed (`auth-refresh`), or, when the client holds the password, obtained again by logging in.
//! When the server answers 401 anyway (a restore replaced the superusers, the secret changed), a
//! client that holds the password logs in again once and retries the call.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bosbase_backups_api::types::SuperuserAuth;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::error::{Error, Result};
use crate::models::Superuser;

/// Refresh a token this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(120);

#[derive(Default)]
pub(crate) struct AuthStore {
    // A tokio mutex: one task refreshes while the others wait for its token.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    token: Option<SecretString>,
    expires_at: Option<SystemTime>,
    credentials: Option<Credentials>,
}

struct Credentials {
    email: String,
    password: SecretString,
}

/// Talks to the auth routes; implemented by the client.
pub(crate) trait AuthApi {
    async fn login(&self, email: &str, password: &str) -> Result<SuperuserAuth>;
    async fn refresh(&self, token: &SecretString) -> Result<SuperuserAuth>;
}

impl AuthStore {
    pub(crate) fn with_token(token: SecretString) -> Self {
        let store = Self::default();
        store.state.try_lock().expect("new").set_token(token);
        store
    }

    /// Logs in and keeps the credentials for later logins.
    pub(crate) async fn login(
        &self,
        api: &impl AuthApi,
        email: &str,
        password: SecretString,
    ) -> Result<Superuser> {
        let mut state = self.state.lock().await;
        let auth = api.login(email, password.expose_secret()).await?;
        state.set_token(SecretString::from(auth.token));
        state.credentials = Some(Credentials {
            email: email.into(),
            password,
        });
        Ok(Superuser {
            id: auth.record.id,
            email: auth.record.email,
        })
    }

    pub(crate) async fn set_token(&self, token: SecretString) {
        let mut state = self.state.lock().await;
        state.set_token(token);
        state.credentials = None;
    }

    pub(crate) async fn current(&self) -> Option<SecretString> {
        self.state.lock().await.token.clone()
    }

    /// The token to send now, refreshed first when it is about to expire.
    pub(crate) async fn token(&self, api: &impl AuthApi) -> Result<Option<SecretString>> {
        let mut state = self.state.lock().await;
        let Some(token) = state.token.clone() else {
            return Ok(None);
        };
        let Some(expires_at) = state.expires_at else {
            return Ok(Some(token));
        };
        let now = SystemTime::now();
        if now + REFRESH_MARGIN < expires_at {
            return Ok(Some(token));
        }
        if now < expires_at {
            match api.refresh(&token).await {
                Ok(auth) => {
                    state.set_token(SecretString::from(auth.token));
                    return Ok(state.token.clone());
                }
                Err(e) if state.credentials.is_none() => return Err(e),
                Err(_) => {} // log in below
            }
        }
        match &state.credentials {
            Some(c) => {
                let auth = api.login(&c.email, c.password.expose_secret()).await?;
                state.set_token(SecretString::from(auth.token));
                Ok(state.token.clone())
            }
            None => Err(Error::Unauthorized {
                status: 401,
                message: "the superuser token has expired".into(),
                can_login: false,
            }),
        }
    }

    /// After a 401 with `stale`: logs in again if the client holds the password. Returns whether
    /// there is a new token to retry with.
    pub(crate) async fn relogin(&self, api: &impl AuthApi, stale: &SecretString) -> Result<bool> {
        let mut state = self.state.lock().await;
        if let Some(current) = &state.token
            && current.expose_secret() != stale.expose_secret()
        {
            return Ok(true); // another task logged in meanwhile
        }
        let Some(c) = &state.credentials else {
            return Ok(false);
        };
        let auth = api.login(&c.email, c.password.expose_secret()).await?;
        state.set_token(SecretString::from(auth.token));
        Ok(true)
    }
}

impl State {
    fn set_token(&mut self, token: SecretString) {
        self.expires_at = jwt_expiry(token.expose_secret());
        self.token = Some(token);
    }
}

impl fmt::Debug for AuthStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.state.try_lock() {
            Ok(state) => f
                .debug_struct("AuthStore")
                .field("token", &state.token.as_ref().map(|_| "<redacted>"))
                .field("expires_at", &state.expires_at)
                .field("email", &state.credentials.as_ref().map(|c| &c.email))
                .field(
                    "password",
                    &state.credentials.as_ref().map(|_| "<redacted>"),
                )
                .finish(),
            Err(_) => f.write_str("AuthStore { <in use> }"),
        }
    }
}

/// The `exp` claim of a JWT, without checking its signature (the server does that).
pub(crate) fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let payload = token.split('.').nth(1)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&json).ok()?;
    let exp = claims.get("exp")?.as_u64()?;
    Some(UNIX_EPOCH + Duration::from_secs(exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_expiry_of_a_pocketbase_token() {
        // A real token's payload: {"collectionId":"pbc_3142635823","exp":1795775734,...}
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb2xsZWN0aW9uSWQiOiJwYmNfMzE0MjYzNTgyMyIsImV4cCI6MTc5NTc3NTczNCwiaWQiOiJvcWNremo1ZHJ1cG9xN2kiLCJyZWZyZXNoYWJsZSI6dHJ1ZSwidHlwZSI6ImF1dGgifQ.aEougQ6Fc4uIiH75v-agpFshgoTXOpjFjaG_giYTjN8";
        assert_eq!(
            jwt_expiry(token),
            Some(UNIX_EPOCH + Duration::from_secs(1_795_775_734))
        );
        assert_eq!(jwt_expiry("not-a-jwt"), None);
        assert_eq!(jwt_expiry("a.%%%.c"), None);
    }
}
