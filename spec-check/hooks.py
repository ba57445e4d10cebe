"""Schemathesis hooks for `cargo xtask spec-check`, loaded through `hooks` in schemathesis.toml.

Authentication, the way the spec describes it: a superuser logs in through
`POST /api/collections/_superusers/auth-with-password`, and the token goes raw in `Authorization`
(`superuserAuth`); downloads instead take a file token from `POST /api/files/token` in their `token`
query parameter (`fileToken`). Both are fetched from the server under test and refreshed well
before they expire. (Both live here: the config's own auth settings cannot chain two calls for the
file token, and schemathesis drops these hooks' auth when the config defines any.)

With real credentials, every other request is a real one: downloads of real keys (found through
the spec's links) answer 200/206/416, and the `ignored_auth` check probes each operation again
without, and with broken, credentials to prove that the server refuses them.
"""

import requests
import schemathesis

EMAIL = "admin@example.com"
PASSWORD = "a-long-password"


def _base(ctx):
    return ctx.operation.schema.get_base_url().rstrip("/")


def _login(base):
    response = requests.post(
        f"{base}/api/collections/_superusers/auth-with-password",
        json={"identity": EMAIL, "password": PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["token"]


# A file token lives about 180 s: a fresh one every minute.
@schemathesis.auth(refresh_interval=60).apply_to(operation_id="downloadBackup")
class FileToken:
    def get(self, case, ctx):
        base = _base(ctx)
        response = requests.post(
            f"{base}/api/files/token", headers={"Authorization": _login(base)}, timeout=30
        )
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, ctx):
        case.query = {**(case.query or {}), "token": data}


# Every operation whose security includes `superuserAuth`; not the login itself, nor downloads.
@schemathesis.auth(refresh_interval=600).skip_for(
    operation_id=["authWithPassword", "downloadBackup"]
)
class SuperuserToken:
    def get(self, case, ctx):
        return _login(_base(ctx))

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": data}
