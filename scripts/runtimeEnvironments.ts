import * as fs from "node:fs";
import * as path from "node:path";
import { environmentDir, PINNED_LIBRARIES, type Runtime, RUNTIMES, type RuntimeId } from "../config/runtimes";

/**
 * Whether a runtime's locked environment (`envs/<runtime>/pyproject.toml` and `uv.lock`) has the
 * runtime's versions, as config/runtimes.ts gives them: what tests/runtimes.test.ts and
 * `npm run setup:python` check.
 */

/** A package name as the lock writes it (PEP 503: lower case, runs of `-_.` as one `-`). */
export function normalizeName(name: string): string {
    return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** The `name==version` pins of a pyproject.toml (dependencies and dependency groups). */
export function pyprojectPins(text: string): Map<string, string> {
    const pins = new Map<string, string>();
    for (const m of text.matchAll(/^\s*"([A-Za-z0-9][A-Za-z0-9._-]*)==([^";\s]+)"/gm)) {
        pins.set(normalizeName(m[1]), m[2]);
    }
    return pins;
}

/** The first top-level `requires-python` of a pyproject.toml or uv.lock. */
export function requiresPython(text: string): string | undefined {
    return /^requires-python\s*=\s*"([^"]*)"/m.exec(text)?.[1];
}

/** The locked version of every package of a uv.lock. */
export function lockedVersions(text: string): Map<string, string> {
    const versions = new Map<string, string>();
    for (const block of text.split(/^\[\[package\]\]\s*$/m).slice(1)) {
        const name = /^name\s*=\s*"([^"]+)"/m.exec(block)?.[1];
        const version = /^version\s*=\s*"([^"]+)"/m.exec(block)?.[1];
        if (name && version) versions.set(normalizeName(name), version);
    }
    return versions;
}

/** What the runtime's table entry expects of its environment: package -> version. */
export function expectedVersions(runtime: Runtime): Map<string, string> {
    const expected = new Map<string, string>(PINNED_LIBRARIES.map((l) => [l, runtime.libraries[l]]));
    expected.set("delta-spark", runtime.delta);
    return expected;
}

/**
 * How an environment's files disagree with its runtime (one line each), given their texts;
 * empty when they agree.
 */
export function environmentProblems(runtime: Runtime, pyproject: string, lock: string): string[] {
    const problems: string[] = [];
    const pins = pyprojectPins(pyproject);
    const locked = lockedVersions(lock);
    const python = `==${runtime.localPython}.*`;
    for (const [file, text] of [
        ["pyproject.toml", pyproject],
        ["uv.lock", lock],
    ] as const) {
        const found = requiresPython(text);
        if (found !== python) problems.push(`${file}: requires-python: expected "${python}", found "${found}"`);
    }
    for (const [pkg, version] of expectedVersions(runtime)) {
        const pinned = pins.get(pkg);
        if (pinned !== version)
            problems.push(`pyproject.toml: ${pkg}: expected ==${version}, found ${pinned ? `==${pinned}` : "no pin"}`);
        const inLock = locked.get(pkg);
        if (inLock !== version) problems.push(`uv.lock: ${pkg}: expected ${version}, found ${inLock ?? "nothing"}`);
    }
    if (!/^python-downloads\s*=\s*"never"/m.test(pyproject))
        problems.push(`pyproject.toml: [tool.uv] python-downloads: expected "never"`);
    return problems;
}

/** The problems of a runtime's environment in the checkout at `root`, each naming its file. */
export function checkEnvironment(root: string, id: RuntimeId): string[] {
    const dir = path.join(root, environmentDir(id));
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : "");
    const pyproject = read("pyproject.toml");
    const lock = read("uv.lock");
    if (!pyproject || !lock) return [`${environmentDir(id)}: expected pyproject.toml and uv.lock, found none`];
    return environmentProblems(RUNTIMES[id], pyproject, lock).map((p) => `${environmentDir(id)}/${p}`);
}
