"use strict";
/**
 * `npm run plan`: runs plan/cli.ts, bundled once into one CommonJS file and run by plain Node.
 *
 * Run from its sources, the plan spends most of its time in module loading rather than in the
 * plan: tsx's loader hooks every `require` (the SDKs' eight hundred modules included) and the
 * plan's own dependencies are some two hundred small files (zod, yaml, commander). One bundle of
 * the plan's sources and those dependencies, run by Node without a loader, plans the same program
 * in about two fifths of the time (`npm run bench`). It is the same code: esbuild (the compiler
 * tsx uses) compiles the same files with the same tsconfig.json; the SDKs (`@pulumi/*`) stay
 * outside it, loaded from node_modules as the language host loads them.
 *
 * The bundle is kept in node_modules/.cache/mlops-plan/, one per entry file (a base's checkout
 * has its own: plan/base.ts), beside a manifest of what went into it: every source file by the
 * hash of its contents, and the installed packages by node_modules/.package-lock.json. A source
 * that changed, appeared or went, another install, another esbuild or Node, or another launcher
 * builds it again (under a second) before the plan runs; the check itself reads each source once.
 * `MLOPS_PLAN_FROM_SOURCE=1` runs the sources under tsx instead, for stack traces with the
 * sources' positions.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const ROOT = path.resolve(__dirname, "..");
const ENTRY = path.join(__dirname, "cli.ts");
/**
 * The packages' folder, its links resolved: a base's checkout links this checkout's (plan/
 * base.ts), and the link goes with the checkout, while V8's cache is written as the process ends.
 */
const MODULES = (() => {
    try {
        return fs.realpathSync(path.join(ROOT, "node_modules"));
    } catch {
        return path.join(ROOT, "node_modules");
    }
})();
/**
 * Where the bundles are kept: node_modules/.cache/mlops-plan (as other tools keep theirs), or,
 * where node_modules cannot be written (a read-only install), a folder of the system's temporary
 * one named by it.
 */
const CACHE = (() => {
    const preferred = path.join(MODULES, ".cache", "mlops-plan");
    // The nearest folder of it that exists decides whether it can be made and written.
    let existing = preferred;
    while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    try {
        fs.accessSync(existing, fs.constants.W_OK);
        return preferred;
    } catch {
        const key = crypto.createHash("sha256").update(MODULES).digest("hex").slice(0, 16);
        return path.join(require("node:os").tmpdir(), `mlops-plan-${key}`);
    }
})();
const NAME = crypto.createHash("sha256").update(ENTRY).digest("hex").slice(0, 16);
const BUNDLE = path.join(CACHE, `${NAME}.cjs`);
const MANIFEST = path.join(CACHE, `${NAME}.json`);
/** V8's compiled code of the bundle, as it stood after its first plan (see loadBundle). */
const CODE = path.join(CACHE, `${NAME}.v8`);

function hash(data) {
    return crypto.createHash("sha256").update(data).digest("hex");
}

function readOrEmpty(file) {
    try {
        return fs.readFileSync(file);
    } catch {
        return "";
    }
}

/** What else decides the bundle's contents: the launcher, the installed packages, esbuild and Node. */
function toolchainKey() {
    return hash(
        [
            hash(fs.readFileSync(__filename)),
            hash(readOrEmpty(path.join(MODULES, ".package-lock.json"))),
            hash(readOrEmpty(path.join(ROOT, "tsconfig.json"))),
            require("esbuild/package.json").version,
            process.version,
        ].join("\0"),
    );
}

/** Whether the bundle was built from the files as they are now. */
function upToDate(key) {
    let manifest;
    try {
        manifest = JSON.parse(fs.readFileSync(MANIFEST, "utf8"));
    } catch {
        return false;
    }
    if (manifest.key !== key || !fs.existsSync(BUNDLE)) return false;
    for (const [file, digest] of Object.entries(manifest.sources)) {
        let data;
        try {
            data = fs.readFileSync(file);
        } catch {
            return false;
        }
        if (hash(data) !== digest) return false;
    }
    return true;
}

/**
 * Each source sees the `__dirname` and `__filename` of its own file, as it does when run from
 * source (the bundle is one file elsewhere): plan/cli.ts's default project folder, program.ts's
 * notebook folder and others are paths beside the sources. Each source's hash is taken from the
 * contents esbuild compiles, so that a file saved during the build makes the next plan build again.
 */
function ownPaths(sources) {
    const loaders = { ".ts": "ts", ".json": "json", ".js": "js", ".cjs": "js" };
    return {
        name: "own-paths",
        setup(build) {
            build.onLoad({ filter: /.*/ }, async (args) => {
                const loader = loaders[path.extname(args.path)];
                if (args.path.split(path.sep).includes("node_modules") || !loader) return undefined;
                const data = await fs.promises.readFile(args.path);
                sources[args.path] = hash(data);
                let source = data.toString("utf8");
                if (loader !== "ts") return { contents: source, loader };
                // A namespace import of a package outside the bundle (`import * as databricks from
                // "@pulumi/databricks"`, `import * as fs from "node:fs"`) as what it is in
                // CommonJS, the module's exports (`import databricks = require(...)`), as the
                // language host's ts-node gives it (TypeScript's __importStar hands back a module
                // marked __esModule, as the SDKs are, unchanged). Bundled as written, each such
                // import would copy every export into a namespace object of its own (esbuild's
                // __toESM; a thousand getters for @pulumi/databricks).
                source = source.replace(
                    /^import \* as (\w+) from "((?:node:|@pulumi\/)[^"]+)";$/gm,
                    'import $1 = require("$2");',
                );
                if (!/\b__(dirname|filename)\b/.test(source)) return { contents: source, loader };
                const own =
                    `const __dirname = ${JSON.stringify(path.dirname(args.path))};` +
                    ` const __filename = ${JSON.stringify(args.path)};`;
                // On the source's first line: esbuild's messages keep the source's line numbers.
                return { contents: `${own} ${source}`, loader };
            });
        },
    };
}

/**
 * zod's locales as the program uses them: English only. zod's namespace exports every one of its
 * forty-odd locales (`z.locales`), and a bundle of it evaluates them all at start, a third of
 * zod's code; the program sets none (errors are its own, in English). As webpack's users leave out
 * moment.js's locales (`IgnorePlugin`), the bundle's `locales` namespace holds `en` alone.
 */
const englishOnly = {
    name: "zod-english-only",
    setup(build) {
        build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
            if (!args.importer.split(path.sep).includes("zod")) return undefined;
            return { path: path.resolve(args.resolveDir, "..", "locales", "index.js"), namespace: "zod-locales" };
        });
        build.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
            contents: 'export { default as en } from "./en.js";',
            resolveDir: path.dirname(args.path),
            loader: "js",
        }));
    },
};

/** A source the bundle cannot run, found while building it. */
class BundlingError extends Error {}

async function build(key) {
    const esbuild = require("esbuild");
    const sources = {};
    const result = await esbuild.build({
        entryPoints: [ENTRY],
        bundle: true,
        platform: "node",
        format: "cjs",
        target: `node${process.versions.node.split(".")[0]}`,
        // The SDKs as the language host loads them, one instance each (the mocks set their
        // runtime's state); tsx for a policy pack's TypeScript (plan/policy.ts).
        external: ["@pulumi/*", "tsx", "tsx/*", "esbuild"],
        absWorkingDir: ROOT,
        write: false,
        metafile: true,
        logLevel: "silent",
        plugins: [ownPaths(sources), englishOnly],
    });
    // A package loaded with import() would fail when the bundle runs from V8's cache (loadBundle).
    for (const [input, { imports }] of Object.entries(result.metafile.inputs)) {
        const dynamic = imports.find((i) => i.kind === "dynamic-import" && i.external);
        if (dynamic)
            throw new BundlingError(`${input}: import("${dynamic.path}"): load it with require() (see loadBundle)`);
    }
    // The sources by absolute path; packages' files are covered by the install's lock file.
    for (const input of Object.keys(result.metafile.inputs)) {
        const file = path.resolve(ROOT, input);
        if (input.split("/").includes("node_modules") || file in sources) continue;
        sources[file] = hash(fs.readFileSync(file));
    }
    fs.mkdirSync(CACHE, { recursive: true });
    // Written whole, then renamed: a plan started meanwhile sees the old pair or the new one.
    const tmp = `${BUNDLE}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, result.outputFiles[0].contents);
    fs.rmSync(CODE, { force: true });
    fs.renameSync(tmp, BUNDLE);
    fs.writeFileSync(`${MANIFEST}.${process.pid}.tmp`, JSON.stringify({ key, sources }));
    fs.renameSync(`${MANIFEST}.${process.pid}.tmp`, MANIFEST);
    prune();
}

/**
 * Bundles kept: this many, the most recently used (each base's checkout has its own), and any
 * used within the last hour (plans running now, however many).
 */
const KEEP = 12;
const RECENT_MS = 60 * 60 * 1000;

/**
 * Removes the bundles (and their manifests and code caches) beyond those `KEEP` keeps, and what a
 * process that ended mid-write left (`*.tmp`) an hour ago or more.
 */
function prune() {
    let entries;
    try {
        entries = fs
            .readdirSync(CACHE)
            .map((f) => {
                try {
                    return { file: f, at: fs.statSync(path.join(CACHE, f)).mtimeMs };
                } catch {
                    return undefined;
                }
            })
            .filter((e) => e !== undefined);
    } catch {
        return;
    }
    const recent = Date.now() - RECENT_MS;
    const used = entries.filter((e) => e.file.endsWith(".json")).sort((a, b) => b.at - a.at);
    for (const { file } of used.slice(KEEP).filter((e) => e.at < recent)) {
        const name = file.slice(0, -".json".length);
        for (const ext of [".json", ".cjs", ".v8"]) fs.rmSync(path.join(CACHE, name + ext), { force: true });
    }
    for (const { file } of entries.filter((e) => e.file.endsWith(".tmp") && e.at < recent)) {
        fs.rmSync(path.join(CACHE, file), { force: true });
    }
}

/**
 * Loads the bundle as `require` would (a CommonJS module, its `require` resolving from its own
 * folder), compiled with V8's cache of its code when there is one, and returns its exports (plan/
 * cli.ts's). Without a cache, or when V8 refuses it (another V8, other flags, another bundle), the
 * cache is written as the process ends: after a plan, so that it holds the functions the plan
 * compiled, not only the bundle's top level. Functions V8 restores from a cache cannot call
 * `import()` (Node has no loader for them: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so build()
 * refuses a bundle that would.
 */
function loadBundle() {
    const source = fs.readFileSync(BUNDLE, "utf8");
    let cachedData;
    try {
        cachedData = fs.readFileSync(CODE);
    } catch {
        cachedData = undefined;
    }
    const script = new vm.Script(Module.wrap(source), { filename: BUNDLE, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) {
        process.once("exit", () => {
            try {
                const tmp = `${CODE}.${process.pid}.tmp`;
                fs.writeFileSync(tmp, script.createCachedData());
                fs.renameSync(tmp, CODE);
            } catch {
                // A cache that cannot be written is only a slower next start.
            }
        });
    }
    const bundle = new Module(BUNDLE, module);
    bundle.filename = BUNDLE;
    bundle.paths = Module._nodeModulePaths(CACHE);
    script.runInThisContext()(bundle.exports, Module.createRequire(BUNDLE), bundle, BUNDLE, CACHE);
    bundle.loaded = true;
    return bundle.exports;
}

/** Builds the bundle unless it is up to date. */
async function prepare() {
    const key = toolchainKey();
    if (upToDate(key)) {
        // Used now: kept by prune() over bundles used less recently.
        const now = new Date();
        fs.utimesSync(MANIFEST, now, now);
    } else {
        await build(key);
    }
}

/**
 * The plan's CLI module (plan/cli.ts's exports: `main(argv)` resolves to the exit status), from
 * the bundle, built first if needed. `plan --base` plans a base that has this launcher in its own
 * process, after the head (plan/base.ts): the SDKs are loaded once.
 */
async function load() {
    await prepare();
    try {
        return loadBundle();
    } catch (err) {
        // Pruned by another plan between the check and the load (prune keeps the most recently
        // used): build it again, once.
        if (!err || err.code !== "ENOENT") throw err;
        await build(toolchainKey());
        return loadBundle();
    }
}

async function launch() {
    if (process.env.MLOPS_PLAN_FROM_SOURCE === "1") {
        // tsx's loaders for require and import, as `node --import tsx` registers them (the
        // sources' `import()`s go through Node's ESM loader).
        await import("tsx");
        require(ENTRY).run();
        return;
    }
    (await load()).run();
}

/**
 * Why the bundle could not be built, for a person (esbuild's messages with file and line, or the
 * launcher's own); undefined for any other failure.
 */
function bundlingProblem(err) {
    if (err && Array.isArray(err.errors) && err.errors.length > 0) {
        return require("esbuild").formatMessagesSync(err.errors, { kind: "error", color: false }).join("").trimEnd();
    }
    return err instanceof BundlingError ? err.message : undefined;
}

module.exports = { load, prepare, bundlingProblem };

if (require.main === module) {
    launch().catch((err) => {
        // The bundle could not be built (a compile error in a source, a source the bundle cannot
        // run), or the cache could not be written.
        const problem = bundlingProblem(err);
        process.stderr.write(
            problem !== undefined
                ? `error: the plan could not be bundled:\n${problem}\n`
                : `error: the plan could not be prepared:\n${err && err.stack ? err.stack : String(err)}\n`,
        );
        process.exitCode = 1;
    });
}
