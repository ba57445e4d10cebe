//! Every operation of the generated client against a real PocketBase.

use bosbase_backups_api::types::{ApiError, CreateBackupRequest, PasswordAuthRequest};
use bosbase_backups_api::{Client, Error, RequestContext};
use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};
use futures_util::TryStreamExt;

fn client(server: &TestServer, ctx: RequestContext) -> Client {
    Client::new_with_client(&server.url(), reqwest::Client::new(), ctx)
}

async fn superuser(server: &TestServer) -> Client {
    let token = login(server).await;
    client(server, RequestContext::new().with_token(&token).unwrap())
}

async fn login(server: &TestServer) -> String {
    client(server, RequestContext::new())
        .auth_with_password(&PasswordAuthRequest {
            identity: EMAIL.into(),
            password: PASSWORD.into(),
        })
        .await
        .expect("superuser login")
        .into_inner()
        .token
}

/// The typed error body of a declared error response.
fn api_error<T>(result: Result<T, Error<ApiError>>) -> (u16, ApiError) {
    match result {
        Err(Error::ErrorResponse(rv)) => (rv.status().as_u16(), rv.into_inner()),
        Err(other) => panic!("expected an error response, got {other:?}"),
        Ok(_) => panic!("expected an error response, got a success"),
    }
}

fn named(name: &str) -> CreateBackupRequest {
    CreateBackupRequest {
        name: Some(name.parse().unwrap()),
    }
}

#[tokio::test]
async fn health_tells_a_superuser_whether_a_backup_can_start() {
    let server = TestServer::start();
    let guest = client(&server, RequestContext::new())
        .health_check()
        .await
        .unwrap();
    assert_eq!(guest.status(), 200);
    let guest = guest.into_inner();
    assert_eq!(guest.code, 200);
    assert_eq!(guest.data.can_backup, None);

    let su = superuser(&server)
        .await
        .health_check()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(su.data.can_backup, Some(true));
}

#[tokio::test]
async fn auth_with_password_refresh_and_file_token() {
    let server = TestServer::start();
    let su = client(&server, RequestContext::new())
        .auth_with_password(&PasswordAuthRequest {
            identity: EMAIL.into(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(su.record.email, EMAIL);
    assert_eq!(su.record.collection_name, "_superusers");
    assert_eq!(su.token.split('.').count(), 3, "a JWT");

    let authed = client(
        &server,
        RequestContext::new().with_token(&su.token).unwrap(),
    );
    let refreshed = authed.auth_refresh().await.unwrap().into_inner();
    assert_eq!(refreshed.record.id, su.record.id);

    let file_token = authed.create_file_token().await.unwrap().into_inner();
    assert_eq!(file_token.token.split('.').count(), 3);
    assert_ne!(file_token.token, su.token);
}

#[tokio::test]
async fn wrong_password_is_a_400_with_the_error_body() {
    let server = TestServer::start();
    let result = client(&server, RequestContext::new())
        .auth_with_password(&PasswordAuthRequest {
            identity: EMAIL.into(),
            password: "wrong-password".into(),
        })
        .await;
    let (status, body) = api_error(result);
    assert_eq!(status, 400);
    assert_eq!(body.status, 400);
    assert_eq!(body.message, "Failed to authenticate.");
}

#[tokio::test]
async fn create_list_download_delete() {
    let server = TestServer::start();
    let su = superuser(&server).await;
    assert!(su.list_backups().await.unwrap().into_inner().is_empty());

    assert_eq!(
        su.create_backup(Some(&named("first.zip")))
            .await
            .unwrap()
            .status(),
        204
    );
    // No name (here a `null` body): the server picks one.
    su.create_backup(None).await.unwrap();

    let mut list = su.list_backups().await.unwrap().into_inner();
    list.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].key, "first.zip");
    assert!(list[1].key.starts_with("pb_backup_"), "{}", list[1].key);
    assert!(list[0].size > 0);
    let on_disk = std::fs::metadata(server.data_dir().join("backups/first.zip"))
        .unwrap()
        .len();
    assert_eq!(list[0].size as u64, on_disk);
    assert!(list[0].modified.ends_with('Z'));

    let token = su.create_file_token().await.unwrap().into_inner().token;
    let whole = su.download_backup("first.zip", &token, None).await.unwrap();
    assert_eq!(whole.status(), 200);
    let bytes: Vec<u8> = whole
        .into_inner()
        .into_inner()
        .map_ok(|chunk| chunk.to_vec())
        .try_concat()
        .await
        .unwrap();
    assert_eq!(
        bytes,
        std::fs::read(server.data_dir().join("backups/first.zip")).unwrap()
    );
    assert_eq!(&bytes[..2], b"PK");

    let part = su
        .download_backup("first.zip", &token, Some("bytes=0-9"))
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 0-9/{}", bytes.len()).as_str()
    );

    assert_eq!(su.delete_backup("first.zip").await.unwrap().status(), 204);
    let keys: Vec<_> = su
        .list_backups()
        .await
        .unwrap()
        .into_inner()
        .into_iter()
        .map(|b| b.key)
        .collect();
    assert_eq!(keys.len(), 1);
    assert!(!keys.contains(&"first.zip".to_string()));
}

#[tokio::test]
async fn create_errors_carry_per_field_codes() {
    let server = TestServer::start();
    let su = superuser(&server).await;
    su.create_backup(Some(&named("taken.zip"))).await.unwrap();
    let (status, body) = api_error(su.create_backup(Some(&named("taken.zip"))).await);
    assert_eq!(status, 400);
    assert_eq!(body.data["name"].code, "validation_backup_name_exists");
}

#[tokio::test]
async fn restore_restarts_the_server_on_the_backup_data() {
    let server = TestServer::start();
    let su = superuser(&server).await;
    su.create_backup(Some(&named("before.zip"))).await.unwrap();
    su.create_backup(Some(&named("after.zip"))).await.unwrap();
    su.delete_backup("after.zip").await.unwrap();

    assert_eq!(su.restore_backup("before.zip").await.unwrap().status(), 204);
    // The server answers first, then restores and re-executes itself.
    std::thread::sleep(std::time::Duration::from_secs(2));
    server
        .wait_healthy(std::time::Duration::from_secs(60))
        .unwrap();
    let su = superuser(&server).await;
    let keys: Vec<_> = su
        .list_backups()
        .await
        .unwrap()
        .into_inner()
        .into_iter()
        .map(|b| b.key)
        .collect();
    // The backups dir is kept across a restore, so both are listed; the data is the backup's.
    assert!(keys.contains(&"before.zip".to_string()), "{keys:?}");
    assert!(
        server.log().matches("Server started").count() >= 2,
        "{}",
        server.log()
    );
}

#[tokio::test]
async fn missing_keys_are_400_or_404() {
    let server = TestServer::start();
    let su = superuser(&server).await;

    let (status, body) = api_error(su.delete_backup("missing.zip").await);
    assert_eq!(status, 400);
    assert!(
        body.message
            .starts_with("Invalid or already deleted backup file."),
        "{}",
        body.message
    );

    let (status, body) = api_error(su.restore_backup("missing.zip").await);
    assert_eq!(status, 400);
    assert_eq!(body.message, "Missing or invalid backup file.");

    let token = su.create_file_token().await.unwrap().into_inner().token;
    let (status, body) = api_error(su.download_backup("missing.zip", &token, None).await);
    assert_eq!(status, 404);
    assert_eq!(body.message, "The requested resource wasn't found.");
    assert!(body.data.is_empty());
}

#[tokio::test]
async fn no_token_is_401() {
    let server = TestServer::start();
    let guest = client(&server, RequestContext::new());
    let (status, body) = api_error(guest.list_backups().await);
    assert_eq!(status, 401);
    assert_eq!(
        body.message,
        "The request requires valid record authorization token."
    );
    assert!(body.data.is_empty());
    assert_eq!(api_error(guest.create_file_token().await).0, 401);
    assert_eq!(api_error(guest.auth_refresh().await).0, 401);
    assert_eq!(
        api_error(guest.create_backup(Some(&named("x.zip"))).await).0,
        401
    );
    assert_eq!(api_error(guest.delete_backup("x.zip").await).0, 401);
    assert_eq!(api_error(guest.restore_backup("x.zip").await).0, 401);
}

#[tokio::test]
async fn download_without_a_file_token_is_403() {
    let server = TestServer::start();
    let su = superuser(&server).await;
    su.create_backup(Some(&named("a.zip"))).await.unwrap();
    // The superuser's auth token is not a file token.
    let auth_token = login(&server).await;
    let (status, body) = api_error(su.download_backup("a.zip", &auth_token, None).await);
    assert_eq!(status, 403);
    assert_eq!(
        body.message,
        "Insufficient permissions to access the resource."
    );
}

#[tokio::test]
async fn a_regular_user_is_403() {
    let server = TestServer::start();
    let user_token = server.regular_user_token();
    let user = client(
        &server,
        RequestContext::new().with_token(&user_token).unwrap(),
    );
    let (status, body) = api_error(user.list_backups().await);
    assert_eq!(status, 403);
    assert_eq!(body.status, 403);
    assert_eq!(
        api_error(user.create_backup(Some(&named("x.zip"))).await).0,
        403
    );
}

#[tokio::test]
async fn a_range_past_the_end_is_416_as_an_unexpected_response() {
    let server = TestServer::start();
    let su = superuser(&server).await;
    su.create_backup(Some(&named("a.zip"))).await.unwrap();
    let token = su.create_file_token().await.unwrap().into_inner().token;
    match su
        .download_backup("a.zip", &token, Some("bytes=999999999-"))
        .await
    {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status(), 416);
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/plain")
            );
        }
        Err(other) => panic!("expected 416, got {other:?}"),
        Ok(rv) => panic!("expected 416, got {}", rv.status()),
    }
}

#[tokio::test]
async fn extra_headers_and_query_reach_the_server() {
    let server = TestServer::start();
    let token = login(&server).await;
    // `fields` is a query parameter every PocketBase route understands: it trims the JSON.
    let ctx = RequestContext::new()
        .with_token(&token)
        .unwrap()
        .with_query("fields", "message");
    let health = client(&server, ctx).health_check().await;
    // `code` and `data` are required by the spec, so the trimmed body no longer parses.
    assert!(
        matches!(health, Err(Error::InvalidResponsePayload(..))),
        "{health:?}"
    );
}

#[tokio::test]
async fn list_logs_pages_the_server_log() {
    let server = TestServer::start();
    let su = superuser(&server).await;
    su.create_backup(Some(&named("a.zip"))).await.unwrap();
    // The server writes its log in batches: wait for the entries to appear.
    let mut logs = None;
    for _ in 0..50 {
        let page = su
            .list_logs(None, None, Some(5), Some("-created"))
            .await
            .unwrap()
            .into_inner();
        if page.total_items > 0 {
            logs = Some(page);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let logs = logs.expect("log entries within 10 s");
    assert_eq!(logs.page, 1);
    assert_eq!(logs.per_page, 5);
    assert!(!logs.items.is_empty() && logs.items.len() <= 5);
    assert!(
        logs.items
            .iter()
            .all(|e| !e.id.is_empty() && !e.message.is_empty())
    );

    let (status, body) = api_error(su.list_logs(Some("nonsense ~~"), None, None, None).await);
    assert_eq!(status, 400);
    assert_eq!(body.status, 400);
    let guest = client(&server, RequestContext::new());
    assert_eq!(
        api_error(guest.list_logs(None, None, None, None).await).0,
        401
    );
}
