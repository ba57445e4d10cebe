"""The backup lifecycle through a Python client generated from spec/backups.yaml.

Usage: python client_check.py BASE_URL

`cargo xtask spec-check` generates the client (openapi-python-client, pinned in requirements.txt)
into target/spec-check/python/backups_client, puts that directory on PYTHONPATH and runs this
against a fresh PocketBase. Every step asserts; any failure exits non-zero.
"""

import io
import sys
import zipfile

from backups_client import AuthenticatedClient, Client
from backups_client.api.auth import auth_with_password, create_file_token
from backups_client.api.backups import (
    create_backup,
    delete_backup,
    download_backup,
    list_backups,
)
from backups_client.models import (
    ApiError,
    CreateBackupRequest,
    FileToken,
    PasswordAuthRequest,
    SuperuserAuth,
)
from backups_client.types import File

EMAIL = "admin@example.com"
PASSWORD = "a-long-password"
NAME = "spec_check_python.zip"


class CheckFailed(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise CheckFailed(what)
    print(f"  ok: {what}")


def listed(client):
    response = list_backups.sync_detailed(client=client)
    expect(response.status_code == 200, f"list answers 200 (got {response.status_code})")
    expect(isinstance(response.parsed, list), "the list parses as BackupFileInfo[]")
    return {info.key: info for info in response.parsed}


def main(base_url):
    guest = Client(base_url=base_url, raise_on_unexpected_status=True)

    print("log in as the superuser")
    login = auth_with_password.sync_detailed(
        client=guest, body=PasswordAuthRequest(identity=EMAIL, password=PASSWORD)
    )
    expect(login.status_code == 200, f"login answers 200 (got {login.status_code})")
    expect(isinstance(login.parsed, SuperuserAuth), "the login parses as SuperuserAuth")
    expect(login.parsed.record.email == EMAIL, "the record is the superuser's")
    # The spec's superuserAuth: the raw token in `Authorization`, no `Bearer ` prefix needed.
    su = AuthenticatedClient(
        base_url=base_url, token=login.parsed.token, prefix="", raise_on_unexpected_status=True
    )

    print(f"create the backup {NAME}")
    created = create_backup.sync_detailed(client=su, body=CreateBackupRequest(name=NAME))
    expect(created.status_code == 204, f"create answers 204 (got {created.status_code})")
    again = create_backup.sync_detailed(client=su, body=CreateBackupRequest(name=NAME))
    expect(again.status_code == 400, f"creating it again answers 400 (got {again.status_code})")
    expect(isinstance(again.parsed, ApiError), "the 400 parses as ApiError")
    expect(
        again.parsed.data.additional_properties["name"].code == "validation_backup_name_exists",
        "the ApiError names the taken name",
    )

    print("list the backups")
    backups = listed(su)
    expect(NAME in backups, f"{NAME} is listed")
    size = backups[NAME].size
    expect(size > 0, f"it has a size ({size} bytes)")

    print("download it with a file token")
    issued = create_file_token.sync_detailed(client=su)
    expect(issued.status_code == 200, f"file token answers 200 (got {issued.status_code})")
    expect(isinstance(issued.parsed, FileToken), "the file token parses as FileToken")
    # The file token alone authorizes the download: no Authorization header.
    downloaded = download_backup.sync_detailed(NAME, client=guest, token=issued.parsed.token)
    expect(downloaded.status_code == 200, f"download answers 200 (got {downloaded.status_code})")
    expect(isinstance(downloaded.parsed, File), "the download parses as a File")
    body = downloaded.parsed.payload.read()
    expect(len(body) == size, f"the download has the listed size ({len(body)} == {size})")
    expect(body[:4] == b"PK\x03\x04", "the download starts like a zip")
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        expect(archive.testzip() is None, "the zip's CRCs check out")
        expect("data.db" in archive.namelist(), "the zip holds data.db")

    ranged = download_backup.sync_detailed(
        NAME, client=guest, token=issued.parsed.token, range_="bytes=0-3"
    )
    expect(ranged.status_code == 206, f"a ranged download answers 206 (got {ranged.status_code})")
    expect(ranged.parsed.payload.read() == body[:4], "the range is the file's first 4 bytes")

    print(f"delete {NAME}")
    deleted = delete_backup.sync_detailed(NAME, client=su)
    expect(deleted.status_code == 204, f"delete answers 204 (got {deleted.status_code})")
    expect(NAME not in listed(su), f"{NAME} is no longer listed")
    gone = delete_backup.sync_detailed(NAME, client=su)
    expect(gone.status_code == 400, f"deleting it again answers 400 (got {gone.status_code})")
    expect(isinstance(gone.parsed, ApiError), "the 400 parses as ApiError")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} BASE_URL")
    try:
        main(sys.argv[1].rstrip("/"))
    except CheckFailed as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    print("the generated Python client passed")
