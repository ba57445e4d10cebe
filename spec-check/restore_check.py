"""The one operation the random phase cannot cover: a restore that succeeds, restarting the server.

Usage: python restore_check.py SPEC BASE_URL

Every request below is built by schemathesis from the spec's own operation, and every response is
validated against the spec with the same checks as the random phase (status code, content type,
headers, body schema). Steps:

1. log in, create the named backup `spec_check_restore.zip`;
2. add a second superuser, `marker@example.com`, which the backup does not have;
3. restore a key that does not exist: 400, whose body matches ApiError;
4. restore the backup: 204;
5. wait until the marker cannot log in any more (the backup's data is in place), then the server
   must be healthy, the original superuser must log in again, and the backup must still be listed.
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
NAME = "spec_check_restore.zip"
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

    def call(self, path, method, expected, token=None, **parts):
        """Sends the spec's request for `method path`, validates the answer against the spec."""
        operation = self.schema[path][method]
        headers = {"Authorization": token} if token else {}
        case = operation.Case(headers=headers, **parts)
        response = case.call(base_url=self.base_url, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except AssertionError as failure:
            raise CheckFailed(f"{method} {path}: the response does not match the spec:\n{failure}")
        expect(
            response.status_code == expected,
            f"{method} {path} answers {expected} (got {response.status_code}), as the spec says",
        )
        return response

    def login(self, email=EMAIL, password=PASSWORD, expected=200):
        response = self.call(
            "/api/collections/_superusers/auth-with-password",
            "POST",
            expected,
            body={"identity": email, "password": password},
        )
        return response.json().get("token")


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


def main(spec, base_url):
    api = Api(spec, base_url)

    print(f"create {NAME}, then add a superuser the backup does not have")
    token = api.login()
    api.call("/api/backups", "POST", 204, token=token, body={"name": NAME})
    # Not a backup route, so not in the spec: PocketBase's records API.
    added = requests.post(
        f"{base_url}/api/collections/_superusers/records",
        headers={"Authorization": token},
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
        token=token,
        path_parameters={"key": "no_such_backup.zip"},
    )
    expect(missing.json()["status"] == 400, "the ApiError repeats the status")
    expect(missing.json()["data"] == {}, "the ApiError has no field errors")

    print(f"restore {NAME}")
    started = time.monotonic()
    api.call("/api/backups/{key}/restore", "POST", 204, token=token, path_parameters={"key": NAME})

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
    api.call("/api/health", "GET", 200)
    token = api.login()
    listed = api.call("/api/backups", "GET", 200, token=token).json()
    expect(NAME in [info["key"] for info in listed], f"{NAME} is still listed")
    api.login(MARKER_EMAIL, MARKER_PASSWORD, expected=400)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} SPEC BASE_URL")
    try:
        main(sys.argv[1], sys.argv[2].rstrip("/"))
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    print("restore matches the spec")
