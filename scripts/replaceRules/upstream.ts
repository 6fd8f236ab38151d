/**
 * What the generators of the provider rule tables (scripts/gen-replace-rules.ts,
 * scripts/gen-readback-rules.ts) share: the installed SDKs' versions, the upstream version
 * `@pulumi/databricks` bridges, the mapping of TF attribute paths onto Pulumi input paths, and
 * writing a table as `npm run format` leaves it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";

export const ROOT = path.resolve(__dirname, "..", "..");
export const NODE_MODULES = path.join(ROOT, "node_modules");

export function packageVersion(pkg: string): string {
    return (
        JSON.parse(fs.readFileSync(path.join(NODE_MODULES, "@pulumi", pkg, "package.json"), "utf8")) as {
            version: string;
        }
    ).version;
}

/** The upstream version `@pulumi/databricks` bridges, from the registry links in its declarations. */
export function bridgedDatabricksVersion(): string {
    const dir = path.join(NODE_MODULES, "@pulumi", "databricks");
    const versions = new Set<string>();
    const scan = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory() && e.name !== "node_modules") scan(p);
            else if (e.name.endsWith(".d.ts")) {
                for (const m of fs
                    .readFileSync(p, "utf8")
                    .matchAll(/providers\/databricks\/databricks\/(\d+\.\d+\.\d+)\//g)) {
                    versions.add(m[1]);
                }
            }
        }
    };
    scan(dir);
    if (versions.size !== 1)
        throw new Error(`expected one upstream version in @pulumi/databricks, found ${[...versions]}`);
    return `v${[...versions][0]}`;
}

export function camel(snake: string): string {
    return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Pulumi names a TF attribute may have: camelCase, and for lists of blocks the bridge's plurals. */
function candidates(snake: string): string[] {
    const c = camel(snake);
    const plural = c.endsWith("y") ? `${c.slice(0, -1)}ies` : c.endsWith("s") ? `${c}es` : `${c}s`;
    return [c, plural, `${c}s`];
}

/** Maps a TF attribute path onto the type's Pulumi paths, level by level; undefined when a level has no match. */
export function toPulumiPath(tfPath: string, properties: Set<string>): string | undefined {
    let prefix = "";
    for (const seg of tfPath.split(".")) {
        const found = candidates(seg)
            .map((c) => prefix + c)
            .find((p) => properties.has(p));
        if (!found) return undefined;
        prefix = `${found}.`;
    }
    return prefix.slice(0, -1);
}

/** `databricks:index/sqlEndpoint:SqlEndpoint` -> `databricks_sql_endpoint`. */
export function tfResourceName(token: string): string {
    const mod = token.split(":")[1].split("/")[1];
    return `databricks_${mod.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
}

export function sortedObject<T>(entries: [string, T][]): Record<string, T> {
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function gitCommit(dir: string): string | undefined {
    try {
        return execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    } catch {
        return undefined;
    }
}

/** Writes a table as `npm run format` would leave it, so that `prettier --check` passes on a regenerated one. */
export async function writeTable(out: string, table: unknown): Promise<void> {
    const outFile = path.resolve(ROOT, out);
    const config = (await prettier.resolveConfig(outFile)) ?? {};
    fs.writeFileSync(outFile, await prettier.format(JSON.stringify(table, null, 4), { ...config, filepath: outFile }));
}
