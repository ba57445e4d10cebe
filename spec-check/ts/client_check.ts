// The backup lifecycle, and the backup settings, through a TypeScript client generated from
// spec/backups.yaml: openapi-typescript writes the types (schema.d.ts), openapi-fetch sends the
// requests, and `tsc --strict` checks this file against those types before it runs.
//
// Usage: node client_check.js BASE_URL
//
// `cargo xtask spec-check` generates the types, compiles this file and runs it against a fresh
// PocketBase. Every step asserts; any failure exits non-zero. The server's settings are put back
// as they were, and checked to be.

import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

type BackupsSettings = components["schemas"]["BackupsSettings"];

const EMAIL = "admin@example.com";
const PASSWORD = "a-long-password";
const NAME = "spec_check_typescript.zip";

function expect(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(what);
  }
  console.log(`  ok: ${what}`);
}

async function main(baseUrl: string): Promise<void> {
  const client = createClient<paths>({ baseUrl });
  let token = "";
  // The spec's superuserAuth: the raw token in `Authorization`, no `Bearer ` prefix needed.
  const auth: Middleware = {
    onRequest({ request }) {
      if (token !== "") {
        request.headers.set("Authorization", token);
      }
      return request;
    },
  };
  client.use(auth);

  console.log("log in as the superuser");
  const login = await client.POST("/api/collections/_superusers/auth-with-password", {
    body: { identity: EMAIL, password: PASSWORD },
  });
  expect(login.response.status === 200, `login answers 200 (got ${login.response.status})`);
  expect(login.data?.record.email === EMAIL, "the record is the superuser's");
  token = login.data?.token ?? "";

  console.log(`create the backup ${NAME}`);
  const created = await client.POST("/api/backups", { body: { name: NAME } });
  expect(created.response.status === 204, `create answers 204 (got ${created.response.status})`);
  const again = await client.POST("/api/backups", { body: { name: NAME } });
  expect(again.response.status === 400, `creating it again answers 400 (got ${again.response.status})`);
  expect(
    again.error?.data["name"]?.code === "validation_backup_name_exists",
    "the ApiError names the taken name",
  );

  const listed = async () => {
    const list = await client.GET("/api/backups");
    expect(list.response.status === 200, `list answers 200 (got ${list.response.status})`);
    return new Map((list.data ?? []).map((info) => [info.key, info]));
  };
  console.log("list the backups");
  const size = (await listed()).get(NAME)?.size ?? 0;
  expect(size > 0, `${NAME} is listed, with a size (${size} bytes)`);

  console.log("download it with a file token");
  const issued = await client.POST("/api/files/token");
  expect(issued.response.status === 200, `file token answers 200 (got ${issued.response.status})`);
  const fileToken = issued.data?.token ?? "";
  const saved = token;
  token = ""; // The file token alone authorizes the download: no Authorization header.
  const download = await client.GET("/api/backups/{key}", {
    params: { path: { key: NAME }, query: { token: fileToken } },
    parseAs: "arrayBuffer",
  });
  expect(download.response.status === 200, `download answers 200 (got ${download.response.status})`);
  const body = new Uint8Array(download.data ?? new ArrayBuffer(0));
  expect(body.length === size, `the download has the listed size (${body.length} == ${size})`);
  expect(
    body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04,
    "the download starts like a zip",
  );
  const ranged = await client.GET("/api/backups/{key}", {
    params: { path: { key: NAME }, query: { token: fileToken }, header: { Range: "bytes=0-3" } },
    parseAs: "arrayBuffer",
  });
  expect(ranged.response.status === 206, `a ranged download answers 206 (got ${ranged.response.status})`);
  expect(
    Buffer.from(ranged.data ?? new ArrayBuffer(0)).equals(Buffer.from(body.subarray(0, 4))),
    "the range is the file's first 4 bytes",
  );
  token = saved;

  console.log(`delete ${NAME}`);
  const del = await client.DELETE("/api/backups/{key}", { params: { path: { key: NAME } } });
  expect(del.response.status === 204, `delete answers 204 (got ${del.response.status})`);
  expect(!(await listed()).has(NAME), `${NAME} is no longer listed`);
  const gone = await client.DELETE("/api/backups/{key}", { params: { path: { key: NAME } } });
  expect(gone.response.status === 400, `deleting it again answers 400 (got ${gone.response.status})`);

  console.log("the backup schedule, through the settings");
  const before = await client.GET("/api/settings");
  expect(before.response.status === 200, `getSettings answers 200 (got ${before.response.status})`);
  const original: BackupsSettings | undefined = before.data?.backups;
  expect(original !== undefined, "the settings have a backups member");
  if (original === undefined) return;
  expect(!("secret" in original.s3), "the S3 secret is not returned");
  try {
    const set = await client.PATCH("/api/settings", {
      body: { backups: { cron: "0 3 * * *", cronMaxKeep: 7 } },
    });
    expect(set.response.status === 200, `updateSettings answers 200 (got ${set.response.status})`);
    expect(
      set.data?.backups.cron === "0 3 * * *" && set.data?.backups.cronMaxKeep === 7,
      "the answer has the new schedule",
    );
    const bad = await client.PATCH("/api/settings", { body: { backups: { cron: "0 3 * * MON" } } });
    expect(bad.response.status === 400, `a cron with a day name answers 400 (got ${bad.response.status})`);
    const reread = await client.GET("/api/settings");
    expect(reread.data?.backups.cron === "0 3 * * *", "the refused change was not saved");
    const test = await client.POST("/api/settings/test/s3", { body: { filesystem: "backups" } });
    expect(test.response.status === 400, `testS3 without S3 answers 400 (got ${test.response.status})`);
    expect(
      test.error?.message.includes("S3 storage filesystem is not enabled") === true,
      "its message gives the reason",
    );
  } finally {
    // Put the schedule back, whatever failed above.
    await client.PATCH("/api/settings", {
      body: { backups: { cron: original.cron, cronMaxKeep: original.cronMaxKeep } },
    });
  }
  const after = await client.GET("/api/settings");
  expect(
    JSON.stringify(after.data?.backups) === JSON.stringify(original),
    "the backup settings are back as they were",
  );
}

const baseUrl = process.argv[2];
if (baseUrl === undefined) {
  console.error("usage: node client_check.js BASE_URL");
  process.exit(2);
}
main(baseUrl.replace(/\/+$/, ""))
  .then(() => console.log("the generated TypeScript client passed"))
  .catch((failure: unknown) => {
    console.error(`FAILED: ${failure instanceof Error ? failure.message : String(failure)}`);
    process.exit(1);
  });
