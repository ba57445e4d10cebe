"""Requests the random phase cannot make, or may not make every run, each checked against the spec.

Usage: python explicit_check.py SPEC BASE_URL

Every request is built by schemathesis from the spec's own operation, and every response is
validated against the spec with the same checks as the random phase (status code, content type,
headers, body schema), besides the status this script expects. Run on a fresh server:

1. createBackup without a name, each way the spec allows: no body, a `null` body, `{}`,
   `{"name": ""}`, `{"name": null}`: 204 and a backup named by the server;
2. downloads: whole (200), one range (206, `application/zip`), several ranges (206,
   `multipart/byteranges`), a malformed range and one past the end (416, plain text), no token or
   an `Authorization` header instead (403), a missing key (404);
3. the backup settings: a schedule set and read back, each kind of refusal (cron, cronMaxKeep,
   S3 without its fields, a `null` body, which the server fails on with a 500), testS3 without S3;
   then the settings are put back and checked to be as they were;
4. the one operation the random phase must not succeed at, since it restarts the server: a restore.
   Create `spec_check_restore.zip`, add a superuser the backup does not have, restore a missing
   key (400, ApiError), restore the backup (204), wait until the added superuser is gone (the
   backup's data is in place) and the restarted server is healthy, then log in again.
"""

import sys
import time

import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EMAIL = "admin@example.com"
PASSWORD = "a-long-password"
MARKER_EMAIL = "marker@example.com"
MARKER_PASSWORD = "marker-password-1"
RESTORE_NAME = "spec_check_restore.zip"
DOWNLOAD_NAME = "spec_check_ranges.zip"
RESTORE_TIMEOUT = 60.0

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class CheckFailed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise CheckFailed(what)
    print(f"  ok: {what}")


class Api:
    def __init__(self, spec, base_url):
        self.schema = schemathesis.openapi.from_path(spec)
        self.base_url = base_url
        self.token = None

    def call(self, path, method, expected, auth=True, what="", checks=CHECKS, **parts):
        """Sends the spec's request for `method path`, validates the answer against the spec."""
        operation = self.schema[path][method]
        headers = parts.pop("headers", {})
        if auth and self.token:
            headers["Authorization"] = self.token
        case = operation.Case(headers=headers, **parts)
        response = case.call(base_url=self.base_url, timeout=30)
        label = f"{method} {path}{' ' + what if what else ''}"
        try:
            case.validate_response(response, checks=checks)
        except AssertionError as failure:
            raise CheckFailed(f"{label}: the response does not match the spec:\n{failure}")
        expect(
            response.status_code == expected,
            f"{label} answers {expected} (got {response.status_code}), as the spec says",
        )
        return response

    def login(self, email=EMAIL, password=PASSWORD, expected=200):
        response = self.call(
            "/api/collections/_superusers/auth-with-password",
            "POST",
            expected,
            auth=False,
            what=f"as {email}",
            body={"identity": email, "password": password},
        )
        if expected == 200:
            self.token = response.json()["token"]

    def keys(self):
        return {info["key"] for info in self.call("/api/backups", "GET", 200).json()}


def unnamed_creates(api):
    print("createBackup without a name")
    ways = {
        "no body": {},
        "a null body": {"body": None, "media_type": "application/json"},
        "{}": {"body": {}},
        '{"name": ""}': {"body": {"name": ""}},
        '{"name": null}': {"body": {"name": None}},
    }
    for what, parts in ways.items():
        before = api.keys()
        api.call("/api/backups", "POST", 204, what=f"with {what}", **parts)
        new = api.keys() - before
        expect(
            len(new) == 1 and next(iter(new)).startswith("pb_backup_"),
            f"the server named the backup ({', '.join(new)})",
        )
        # The server's names have one-second resolution: free it for the next way.
        api.call("/api/backups/{key}", "DELETE", 204, path_parameters={"key": new.pop()})


def downloads(api):
    print("downloads")
    api.call("/api/backups", "POST", 204, body={"name": DOWNLOAD_NAME})
    file_token = api.call("/api/files/token", "POST", 200).json()["token"]
    key = {"key": DOWNLOAD_NAME}

    def download(expected, what, headers=None, token=file_token, auth=False, key=key):
        query = {"token": token} if token else {}
        return api.call(
            "/api/backups/{key}",
            "GET",
            expected,
            auth=auth,
            what=what,
            path_parameters=key,
            query=query,
            headers=dict(headers or {}),
        )

    whole = download(200, "whole")
    size = len(whole.content)
    expect(header(whole, "Content-Length") == str(size), "the 200 has the file's Content-Length")

    one = download(206, "one range", {"Range": "bytes=0-3"})
    expect(header(one, "Content-Type") == "application/zip", "one range comes as application/zip")
    expect(header(one, "Content-Range") == f"bytes 0-3/{size}", "with its Content-Range")
    expect(one.content == whole.content[:4], "and the file's first 4 bytes")

    several = download(206, "several ranges", {"Range": "bytes=0-1,4-5"})
    expect(
        header(several, "Content-Type").startswith("multipart/byteranges; boundary="),
        "several ranges come as one multipart/byteranges body",
    )

    malformed = download(416, "a malformed range", {"Range": "bytes=abc"})
    expect(header(malformed, "Content-Range") is None, "a malformed range gets no Content-Range")
    past = download(416, "a range past the end", {"Range": f"bytes={size + 100}-"})
    expect(header(past, "Content-Range") == f"bytes */{size}", "past the end: bytes */<size>")

    download(403, "without a file token", token=None)
    download(403, "with an Authorization header instead", token=None, auth=True)
    download(404, "of a missing key", key={"key": "no_such_backup.zip"})


def header(response, name):
    """A response header's (first) value, or None."""
    values = response.headers.get(name.lower())
    return values[0] if values else None


def marker_logs_in(base_url):
    """Whether the marker superuser exists; None while the server restarts."""
    try:
        response = requests.post(
            f"{base_url}/api/collections/_superusers/auth-with-password",
            json={"identity": MARKER_EMAIL, "password": MARKER_PASSWORD},
            timeout=5,
        )
    except requests.ConnectionError:
        return None
    if response.status_code in (200, 400):
        return response.status_code == 200
    return None


def restore(api, base_url):
    print(f"create {RESTORE_NAME}, then add a superuser the backup does not have")
    api.call("/api/backups", "POST", 204, body={"name": RESTORE_NAME})
    # Not a backup route, so not in the spec: PocketBase's records API.
    added = requests.post(
        f"{base_url}/api/collections/_superusers/records",
        headers={"Authorization": api.token},
        json={
            "email": MARKER_EMAIL,
            "password": MARKER_PASSWORD,
            "passwordConfirm": MARKER_PASSWORD,
        },
        timeout=30,
    )
    expect(added.status_code == 200, f"the marker superuser is added (got {added.status_code})")
    expect(marker_logs_in(base_url) is True, "the marker can log in before the restore")

    print("restore a key that does not exist")
    missing = api.call(
        "/api/backups/{key}/restore",
        "POST",
        400,
        path_parameters={"key": "no_such_backup.zip"},
    )
    expect(missing.json()["status"] == 400, "the ApiError repeats the status")
    expect(missing.json()["data"] == {}, "the ApiError has no field errors")

    print(f"restore {RESTORE_NAME}")
    started = time.monotonic()
    api.call("/api/backups/{key}/restore", "POST", 204, path_parameters={"key": RESTORE_NAME})

    print("wait for the restore to replace the data and the server to restart")
    while marker_logs_in(base_url) is not False:
        if time.monotonic() - started > RESTORE_TIMEOUT:
            raise CheckFailed(f"the marker superuser still exists {RESTORE_TIMEOUT:.0f} s later")
        time.sleep(0.2)
    expect(True, f"the backup's data is in place after {time.monotonic() - started:.1f} s")
    while True:
        try:
            requests.get(f"{base_url}/api/health", timeout=5)
            break
        except requests.ConnectionError:
            if time.monotonic() - started > RESTORE_TIMEOUT:
                raise CheckFailed("the server did not come back after the restore")
            time.sleep(0.2)
    api.call("/api/health", "GET", 200, auth=False)
    api.login()
    expect(RESTORE_NAME in api.keys(), f"{RESTORE_NAME} is still listed")
    api.login(MARKER_EMAIL, MARKER_PASSWORD, expected=400)


def settings(api):
    print("the backup settings")
    original = api.call("/api/settings", "GET", 200).json()["backups"]
    expect("secret" not in original["s3"], "the S3 secret is not returned")
    try:
        body = {"backups": {"cron": "0 3 * * *", "cronMaxKeep": 7}}
        saved = api.call("/api/settings", "PATCH", 200, what="a schedule", body=body).json()
        expect(saved["backups"]["cron"] == "0 3 * * *", "the answer has the new schedule")
        refusals = {
            "a day name in cron": ({"cron": "0 3 * * MON"}, ["cron"], "validation_invalid_cron"),
            "cronMaxKeep 0 with a schedule": ({"cronMaxKeep": 0}, ["cronMaxKeep"], "validation_required"),
            "S3 without its fields": ({"s3": {"enabled": True}}, ["s3", "bucket"], "validation_required"),
        }
        for what, (change, path, code) in refusals.items():
            error = api.call(
                "/api/settings", "PATCH", 400, what=what, body={"backups": change}
            ).json()["data"]["backups"]
            for name in path:
                error = error.get(name, {})
            expect(error.get("code") == code, f"data.backups.{'.'.join(path)} is {code}")
        api.call(
            "/api/settings", "PATCH", 500, what="with a null body (a server bug)",
            checks=[c for c in CHECKS if c is not not_a_server_error],
            body=None, media_type="application/json",
        )
        test = api.call(
            "/api/settings/test/s3", "POST", 400, what="without S3", body={"filesystem": "backups"}
        )
        expect(
            "S3 storage filesystem is not enabled" in test.json()["message"],
            "testS3 gives the reason",
        )
    finally:
        api.call("/api/settings", "PATCH", 200, what="back as it was", body={"backups": original})
    now = api.call("/api/settings", "GET", 200).json()["backups"]
    expect(now == original, "the backup settings are back as they were")


def main(spec, base_url):
    api = Api(spec, base_url)
    api.login()
    unnamed_creates(api)
    downloads(api)
    settings(api)
    restore(api, base_url)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} SPEC BASE_URL")
    try:
        main(sys.argv[1], sys.argv[2].rstrip("/"))
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    print("the explicit requests match the spec")
