import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "./harness";

/**
 * `databricks bundle validate -o json -t <target>`: the Databricks CLI's own resolution of a
 * bundle target, against a small local server standing in for the workspace. Validate asks for
 * the host's metadata (`/.well-known/databricks-config`), the current user
 * (`/api/2.0/preview/scim/v2/Me`), the status of the bundle's workspace folders
 * (`/api/2.0/workspace/get-status`) and, for a user's folder, its permissions
 * (`/api/2.0/permissions/directories/<id>`). The CLI is built into .tools/bin by
 * `npm run build:databricks-cli`.
 */

export const CLI = path.join(PROJECT_DIR, ".tools", "bin", "databricks");

/** Whether the CLI is there; MLOPS_REQUIRE_DATABRICKS_CLI=1 (CI) makes its absence a failure. */
export const cliPresent = fs.existsSync(CLI);
export const cliRequired = process.env.MLOPS_REQUIRE_DATABRICKS_CLI === "1";

export interface WorkspaceUser {
    id: string;
    userName: string;
    displayName: string;
    active: boolean;
}

/** The identities the tests deploy as: a developer, and CI's service principal. */
export const USERS = {
    developer: { id: "1", userName: "jane.doe@example.com", displayName: "Jane Doe", active: true },
    ci: { id: "2", userName: "9f1c2b3a-0d4e-4f5a-8b6c-7d8e9f0a1b2c", displayName: "sp-ml-prod", active: true },
} satisfies Record<string, WorkspaceUser>;

export class FixtureWorkspace {
    private server?: http.Server;
    url = "";
    user: WorkspaceUser = USERS.developer;
    readonly calls: string[] = [];

    async start(): Promise<void> {
        this.server = http.createServer((req, res) => {
            const route = (req.url ?? "").split("?")[0];
            this.calls.push(`${req.method} ${route}`);
            const json = (body: unknown, status = 200) => {
                res.writeHead(status, { "content-type": "application/json" });
                res.end(JSON.stringify(body));
            };
            if (route === "/.well-known/databricks-config")
                return json({ workspace_id: "1234567890123456", oidc_endpoint: `${this.url}/oidc` });
            if (route === "/api/2.0/preview/scim/v2/Me") return json(this.user);
            if (route === "/api/2.0/workspace/get-status") {
                return json({
                    object_type: "DIRECTORY",
                    object_id: 1,
                    path: new URL(req.url ?? "", this.url).searchParams.get("path"),
                });
            }
            if (route.startsWith("/api/2.0/permissions/directories/"))
                return json({ object_id: "directories/1", access_control_list: [] });
            return json({ error_code: "NOT_FOUND", message: `the fixture does not answer ${route}` }, 404);
        });
        const server = this.server;
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    /**
     * The CLI's resolution of one target of the bundle in `bundleDir`, as `user`: a copy of the
     * bundle with every workspace host pointed at this server.
     */
    async validate(bundleDir: string, target: string, user: WorkspaceUser): Promise<Record<string, any>> {
        this.user = user;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-dab-"));
        fs.cpSync(bundleDir, dir, { recursive: true });
        // Every workspace host of the bundle (the renders' `https://adb-....azuredatabricks.net`,
        // bundle-examples' `https://adb-xxxx.xx.azuredatabricks.net`).
        const hosts = /(^\s*host:\s*)["']?https?:\/\/[^\s"'#]+["']?/gm;
        for (const file of yamlFiles(dir)) {
            const text = fs.readFileSync(file, "utf8");
            const next = text.replace(hosts, (_, lead: string) => `${lead}${this.url}`);
            if (next !== text) fs.writeFileSync(file, next);
        }
        // Asynchronously: this server answers in this process.
        const child = spawn(CLI, ["bundle", "validate", "-o", "json", "-t", target], {
            cwd: dir,
            env: { PATH: process.env.PATH, HOME: dir, DATABRICKS_HOST: this.url, DATABRICKS_TOKEN: "dapi-fixture" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        fs.rmSync(dir, { recursive: true, force: true });
        if (code !== 0 && stdout.trim() === "")
            throw new Error(`databricks bundle validate -t ${target} failed:\n${stderr}`);
        return JSON.parse(stdout) as Record<string, any>;
    }
}

function yamlFiles(dir: string): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...yamlFiles(p));
        else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
    return out;
}
