import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copyCheckout, planIn, PROCESS_TEST_TIMEOUT, tempDir } from "./harness";

/**
 * `plan --base <ref>` in a team's own repository: a copy of this checkout's files (as they are
 * now, uncommitted changes included) in a repository of its own, with two earlier commits:
 * `older`, whose plan launcher predates `load()` (none at all: its base plans in a process of its
 * own, from its sources under tsx), `broken`, whose dev stack does not plan (its base is planned
 * in the command's process, and its error is reported as the base's), and `unbundlable`, with a
 * source that does not compile.
 */
let repo: string;

function git(...args: string[]): string {
    return execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
}

function plan(...args: string[]) {
    return planIn(repo, ["--stack", "dev", ...args]);
}

beforeAll(() => {
    repo = tempDir("mlops-repo-");
    copyCheckout(repo);
    execFileSync("git", ["init", "--quiet", repo]);
    git("config", "user.email", "test@example.com");
    git("config", "user.name", "test");
    fs.writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
    // `older`: the program as it is, without the launcher.
    const launcher = fs.readFileSync(path.join(repo, "plan", "launch.cjs"));
    fs.rmSync(path.join(repo, "plan", "launch.cjs"));
    git("add", "-A");
    git("commit", "--quiet", "-m", "older");
    git("tag", "older");
    fs.writeFileSync(path.join(repo, "plan", "launch.cjs"), launcher);
    // `broken`: a dev stack the program refuses.
    const stackFile = path.join(repo, "Pulumi.dev.yaml");
    const good = fs.readFileSync(stackFile, "utf8");
    fs.writeFileSync(stackFile, good.replace(/databricks-mlops:mode: \S+/, "databricks-mlops:mode: staging"));
    git("add", "-A");
    git("commit", "--quiet", "-m", "broken");
    git("tag", "broken");
    // `unbundlable`: a source with a syntax error (and the good stack).
    fs.writeFileSync(stackFile, good);
    const render = path.join(repo, "plan", "render.ts");
    const renderSource = fs.readFileSync(render, "utf8");
    fs.writeFileSync(render, `${renderSource}\nexport const broken = (;\n`);
    git("add", "-A");
    git("commit", "--quiet", "-m", "unbundlable");
    git("tag", "unbundlable");
    // The working tree: as it was.
    fs.writeFileSync(render, renderSource);
}, PROCESS_TEST_TIMEOUT);

describe("npm run plan -- --base <ref>, in a repository of the team's own", { timeout: PROCESS_TEST_TIMEOUT }, () => {
    it("plans a base whose launcher is older (from its sources, in a process of its own)", async () => {
        const { code, stdout, stderr } = await plan("--base", "older", "--json");
        expect(stderr).toBe("");
        expect(code).toBe(0);
        const diff = JSON.parse(stdout) as { steps: { op: string }[] };
        expect(diff.steps.length).toBeGreaterThan(30);
        expect(diff.steps.every((s) => s.op === "same")).toBe(true);
    });

    it("reports a base that does not plan as the base's error, exit 2, and leaves no checkout behind", async () => {
        const tmp = tempDir("mlops-tmpdir-");
        const result = await planIn(repo, ["--stack", "dev", "--base", "broken"], { TMPDIR: tmp });
        expect(result.code).toBe(2);
        const commit = git("rev-parse", "broken").slice(0, 12);
        expect(result.stderr).toContain(`error: --base: the stack dev does not plan at broken (${commit}):`);
        expect(result.stderr).toContain("databricks-mlops:mode: expected one of");
        expect(result.stderr).not.toMatch(/^\s+at /m);
        expect(fs.readdirSync(tmp).filter((f) => f.startsWith("mlops-"))).toEqual([]);
        expect(git("worktree", "list").split("\n")).toHaveLength(1);
    });

    it("reports a base whose sources do not compile with esbuild's message, exit 2", async () => {
        const { code, stderr } = await plan("--base", "unbundlable");
        expect(code).toBe(2);
        const commit = git("rev-parse", "unbundlable").slice(0, 12);
        expect(stderr).toContain(`error: --base: the stack dev does not plan at unbundlable (${commit}):`);
        expect(stderr).toContain("its checkout or bundle failed:");
        expect(stderr).toMatch(/\[ERROR\] Unexpected ";"\s+.*plan\/render\.ts:\d+:\d+:/);
        expect(stderr).not.toMatch(/^\s+at /m);
    });
});
