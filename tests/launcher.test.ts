import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyCheckout, planCli, planIn, PROCESS_TEST_TIMEOUT, tempDir } from "./harness";

/**
 * plan/launch.cjs, as `npm run plan` runs it, in a copy of the checkout (so that its sources can
 * change): the bundle it keeps in node_modules/.cache/mlops-plan must plan exactly what the
 * sources plan, and must follow every change to them.
 */
let dir: string;

function plan(args: string[], env: Record<string, string> = {}) {
    return planIn(dir, args, env);
}

/** The folder the launcher keeps its bundles in. */
function cacheDir(): string {
    return path.join(fs.realpathSync(path.join(dir, "node_modules")), ".cache", "mlops-plan");
}

/** The copy's bundle manifest: the sources it was built from, by the hash of their contents. */
function manifest(): { sources: Record<string, string> } {
    const cache = cacheDir();
    const entry = path.join(dir, "plan", "cli.ts");
    const found = fs
        .readdirSync(cache)
        .filter((f) => f.endsWith(".json"))
        .map((f) => JSON.parse(fs.readFileSync(path.join(cache, f), "utf8")) as { sources: Record<string, string> })
        .find((m) => entry in m.sources);
    if (!found) throw new Error(`no bundle manifest for ${entry} in ${cache}`);
    return found;
}

beforeAll(() => {
    dir = tempDir("mlops-launcher-");
    copyCheckout(dir);
}, PROCESS_TEST_TIMEOUT);

describe("npm run plan (plan/launch.cjs)", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it.each(["dev", "prod"])(
        "%s: the bundle plans byte for byte what the sources plan (in this test's process)",
        async (stack) => {
            const args = ["--stack", stack, "--json", "--project-dir", dir];
            const bundled = await plan(args);
            const fromSource = await planCli(args);
            expect(bundled.code).toBe(0);
            expect(fromSource.code).toBe(0);
            expect(bundled.stdout.length).toBeGreaterThan(10_000);
            expect(bundled.stdout).toBe(fromSource.stdout);
            // Run again: from the kept bundle (and V8's cache of it), the same.
            expect((await plan(args)).stdout).toBe(bundled.stdout);
        },
    );

    it("runs the sources under tsx with MLOPS_PLAN_FROM_SOURCE=1, planning the same", async () => {
        const args = ["--stack", "dev", "--json"];
        const fromSource = await plan(args, { MLOPS_PLAN_FROM_SOURCE: "1" });
        expect(fromSource.code).toBe(0);
        expect(fromSource.stdout).toBe((await plan(args)).stdout);
    });

    it("builds the bundle again when a source changes, and plans the change", async () => {
        await plan(["--stack", "dev", "--json"]);
        const presets = path.join(dir, "components", "presets.ts");
        const before = manifest().sources[presets];
        expect(before).toMatch(/^[0-9a-f]{64}$/);
        const source = fs.readFileSync(presets, "utf8");
        // A change the plan shows: the development mode's name prefix.
        expect(source).toContain("[dev ${");
        fs.writeFileSync(presets, source.replace("[dev ${", "[devx ${"));
        try {
            const { code, stdout } = await plan(["--stack", "dev", "--json"]);
            expect(code).toBe(0);
            expect(stdout).toContain("[devx ");
            expect(manifest().sources[presets]).not.toBe(before);
        } finally {
            fs.writeFileSync(presets, source);
        }
        const { stdout } = await plan(["--stack", "dev", "--json"]);
        expect(stdout).not.toContain("[devx ");
    });

    it("reports a source that does not compile with esbuild's message (file, line), no stack trace", async () => {
        const render = path.join(dir, "plan", "render.ts");
        const source = fs.readFileSync(render, "utf8");
        fs.writeFileSync(render, `${source}\nexport const broken = (;\n`);
        try {
            const { code, stderr } = await plan(["--stack", "dev"]);
            expect(code).toBe(1);
            expect(stderr).toContain("error: the plan could not be bundled:");
            expect(stderr).toMatch(/\[ERROR\] Unexpected ";"\s+plan\/render\.ts:\d+:\d+:/);
            expect(stderr).not.toMatch(/^\s+at /m);
        } finally {
            fs.writeFileSync(render, source);
        }
    });

    it("keeps the cache bounded: old bundles beyond twelve and leftovers of a build go with the next build", async () => {
        const cache = cacheDir();
        fs.mkdirSync(cache, { recursive: true });
        const old = new Date(0);
        const fakes = Array.from({ length: 20 }, (_, i) => `test-old-${i}`);
        for (const name of fakes) {
            for (const ext of [".json", ".cjs"]) {
                fs.writeFileSync(path.join(cache, name + ext), "{}");
                fs.utimesSync(path.join(cache, name + ext), old, old);
            }
        }
        const leftover = path.join(cache, "test-old.cjs.123.tmp");
        fs.writeFileSync(leftover, "");
        fs.utimesSync(leftover, old, old);
        // A change makes the next plan build (and prune).
        const presets = path.join(dir, "components", "presets.ts");
        const source = fs.readFileSync(presets, "utf8");
        fs.writeFileSync(presets, `${source}\n// changed\n`);
        try {
            expect((await plan(["--stack", "dev", "--json"])).code).toBe(0);
        } finally {
            fs.writeFileSync(presets, source);
        }
        const left = fakes.filter((name) => fs.existsSync(path.join(cache, `${name}.json`)));
        expect(left.length).toBeLessThanOrEqual(12);
        expect(left.every((name) => fs.existsSync(path.join(cache, `${name}.cjs`)))).toBe(true);
        expect(fs.existsSync(leftover)).toBe(false);
        expect(manifest().sources[presets]).toMatch(/^[0-9a-f]{64}$/);
        for (const name of left)
            for (const ext of [".json", ".cjs"]) fs.rmSync(path.join(cache, name + ext), { force: true });
    });

    it("refuses, with the file named, a source that loads a package with import()", async () => {
        const render = path.join(dir, "plan", "render.ts");
        const source = fs.readFileSync(render, "utf8");
        fs.writeFileSync(render, `${source}\nexport const later = () => import("@pulumi/pulumi");\n`);
        try {
            const { code, stderr } = await plan(["--stack", "dev"]);
            expect(code).toBe(1);
            expect(stderr).toContain("error: the plan could not be bundled");
            expect(stderr).toContain('plan/render.ts: import("@pulumi/pulumi"): load it with require()');
        } finally {
            fs.writeFileSync(render, source);
        }
    });
});
