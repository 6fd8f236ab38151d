import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parse, stringify } from "yaml";
import { deepMerge, readSharedFile, SHARED_FILE } from "../config/load";
import { buildPlan, type PlanDocument } from "../plan/plan";
import { program } from "../program";

/**
 * `npm run bench`: how long the offline plan takes and how much memory it holds, for each shipped
 * stack and for generated stacks of many projects, how much longer `plan --base` takes than a
 * plain plan, and how long the Pulumi language host takes to load the program, against the
 * targets below. Prints `ok` or `MISSED` per target and exits non-zero when one is missed.
 * Targets live here, never in a timed unit test; those that compare two timings take them in
 * turns, so that a busy machine slows both. The language host's load is reported against a floor
 * measured with it, without a target.
 */
const TARGETS = {
    /** In-process plan of a shipped stack: median ms, and heap MB after it. */
    planMsMedian: 1500,
    heapMb: 400,
    /** 100 projects at most this many times one project's wall time. */
    hundredOverOne: 3,
    /** 300 projects: wall seconds and peak RSS. */
    threeHundredSeconds: 30,
    threeHundredRssMb: 2048,
    /** One project's plan at most this many times the SDK-load floor. */
    oneOverFloor: 1.3,
    /** `plan --base <ref>` (base and head planned side by side) at most this many times a plain plan. */
    baseOverPlain: 1.3,
};
const RUNS = 5;
/** Generated stacks: projects per stack, and plan runs of each (the median is reported). */
const SCALE: [projects: number, runs: number][] = [
    [1, 3],
    [10, 3],
    [100, 3],
    [300, 1],
];
/** Planned too when 300 projects take less than the 300-project target. */
const LARGEST = 1000;
const projectDir = path.resolve(__dirname, "..");
/** The load average when the bench starts: above the number of cores, the machine is busy. */
const loadAtStart = os.loadavg()[0];
const work = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-bench-"));

let failed = false;
function verdict(ok: boolean): string {
    failed ||= !ok;
    return ok ? "ok" : "MISSED";
}

/** A child process's wall time, peak RSS and exit status. */
interface Run {
    ms: number;
    rssMb: number;
    /** CPU time (user and system) the process used. */
    cpuMs: number;
    /** CPU time its children used (git, the base's plan). */
    childrenCpuMs: number;
    /** `plan --base`: the CPU time the command had used when it started the base's plan. */
    spawnCpuMs?: number;
    /** `plan --base`: the CPU time its children (git: the checkout) had used then. */
    spawnChildrenCpuMs?: number;
    /** `plan --base`: the CPU time the command had used when the base's plan ended. */
    closeCpuMs?: number;
    /** `plan --base`: the CPU time the base's plan used. */
    baseCpuMs?: number;
    code: number | null;
    stderr: string;
}

/**
 * Preloaded into each measured child: it reports the process's own peak RSS (`ru_maxrss`) and the
 * CPU time it used when it exits, since Node tells a parent nothing of its children's resource
 * use. In `plan --base` of an older base, planned by a process of its own, it also notes the CPU
 * time the command had used when it started the base's plan, and preloads itself into that process
 * to report its CPU time too (a base planned in the command's process has none).
 */
const RSS_PRELOAD = path.join(work, "rss.cjs");
fs.writeFileSync(
    RSS_PRELOAD,
    `const fs = require("node:fs");
const cp = require("node:child_process");
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
// The CPU time of the children the process has waited for (git, the base's plan), from
// /proc/self/stat's cutime and cstime, in ticks of 10 ms (Linux's USER_HZ).
const children = () => {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(f[13]) + Number(f[14])) * 10;
    } catch {
        return 0;
    }
};
const file = process.env.BENCH_RSS_FILE + (process.env.BENCH_BASE_CHILD ? ".base" : "");
let spawnCpuMs;
let spawnChildrenCpuMs;
let closeCpuMs;
const spawn = cp.spawn;
cp.spawn = function (command, args, options) {
    if (!process.env.BENCH_BASE_CHILD && Array.isArray(args) && args.some((a) => /(cli\\.ts|launch\\.cjs)$/.test(String(a)))) {
        spawnCpuMs = cpu();
        spawnChildrenCpuMs = children();
        const env = { ...(options?.env ?? process.env), BENCH_BASE_CHILD: "1" };
        env.NODE_OPTIONS = \`\${env.NODE_OPTIONS ?? ""} --require \${__filename}\`;
        options = { ...options, env };
    }
    const child = spawn.call(this, command, args, options);
    if (options?.env?.BENCH_BASE_CHILD) child.on("close", () => (closeCpuMs = cpu()));
    return child;
};
process.on("exit", () => {
    fs.writeFileSync(file, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS, cpuMs: cpu(), childrenCpuMs: children(), spawnCpuMs, spawnChildrenCpuMs, closeCpuMs }));
    // The SDK's modules the process loaded (the floor loads the same).
    if (process.env.BENCH_MODULES_FILE && !process.env.BENCH_BASE_CHILD) {
        const sdk = Object.keys(require.cache).filter((m) => m.includes("/node_modules/@pulumi/databricks/"));
        fs.writeFileSync(process.env.BENCH_MODULES_FILE, JSON.stringify(sdk));
    }
});
`,
);

/** What the preload reported of a process (and of the base's plan it started, if any). */
function preloadReport(file: string): {
    rssMb: number;
    cpuMs: number;
    childrenCpuMs: number;
    spawnCpuMs?: number;
    spawnChildrenCpuMs?: number;
    closeCpuMs?: number;
    baseCpuMs?: number;
} {
    const read = (f: string) =>
        fs.existsSync(f)
            ? (JSON.parse(fs.readFileSync(f, "utf8")) as {
                  maxRSS: number;
                  cpuMs: number;
                  childrenCpuMs: number;
                  spawnCpuMs?: number;
                  spawnChildrenCpuMs?: number;
                  closeCpuMs?: number;
              })
            : undefined;
    const own = read(file);
    const base = read(`${file}.base`);
    return {
        rssMb: own ? own.maxRSS / 1024 : Number.NaN,
        cpuMs: own?.cpuMs ?? Number.NaN,
        childrenCpuMs: own?.childrenCpuMs ?? 0,
        ...(own?.spawnCpuMs !== undefined
            ? {
                  spawnCpuMs: own.spawnCpuMs,
                  spawnChildrenCpuMs: own.spawnChildrenCpuMs ?? 0,
                  closeCpuMs: own.closeCpuMs ?? own.cpuMs,
              }
            : {}),
        ...(base ? { baseCpuMs: base.cpuMs } : {}),
    };
}

/** Runs `node <args>` in the project folder, timed from spawn to exit, with its peak RSS and CPU time. */
function measure(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const rssFile = path.join(work, `rss-${process.hrtime.bigint()}`);
    return new Promise((resolve, reject) => {
        const start = performance.now();
        const child = spawn(process.execPath, ["--require", RSS_PRELOAD, ...args], {
            cwd: projectDir,
            env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile, NO_COLOR: "1" },
            stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            const ms = performance.now() - start;
            resolve({ ms, code, stderr, ...preloadReport(rssFile) });
        });
    });
}

/**
 * Runs two measurements in turns, `pairs` times (a, b, a, b, ...), so that a machine busy with
 * other work slows both alike: the runs, and the median of each pair's ratio b/a, which follows
 * a load that changes during the measurement better than the ratio of the two medians.
 */
async function inTurns(
    pairs: number,
    a: () => Promise<Run>,
    b: () => Promise<Run>,
): Promise<{ a: Run[]; b: Run[]; ratio: number }> {
    const as: Run[] = [];
    const bs: Run[] = [];
    for (let i = 0; i < pairs; i++) {
        as.push(await a());
        bs.push(await b());
    }
    return { a: as, b: bs, ratio: median(as.map((x, i) => bs[i].ms / x.ms)) };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

/** Least-squares slope of log(y) over log(x): 1 is linear growth, 2 quadratic. */
function growthExponent(points: [number, number][]): number {
    const xs = points.map(([x]) => Math.log(x));
    const ys = points.map(([, y]) => Math.log(y));
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    const sxy = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    return sxy / sxx;
}

/**
 * A project folder whose `dev` stack holds `count` copies of the dev stack's project (the shared
 * definition with the dev overrides), each renamed (`p<i>-<name>`, its own schema and experiment
 * path) so that no two collide.
 */
function generatedStack(count: number): string {
    const dir = path.join(work, `projects-${count}`);
    fs.mkdirSync(dir);
    for (const f of ["Pulumi.yaml", SHARED_FILE]) fs.copyFileSync(path.join(projectDir, f), path.join(dir, f));
    const stack = parse(fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    const key = "databricks-mlops:projects";
    const overrides = (stack.config["databricks-mlops:projectOverrides"] ?? {}) as Record<string, unknown>;
    delete stack.config["databricks-mlops:projectOverrides"];
    const [shared] = readSharedFile(projectDir).projects as { name: string }[];
    const project = deepMerge(shared, overrides[shared.name] ?? {}) as {
        name: string;
        schema: string;
        experimentPath: string;
    };
    stack.config[key] = Array.from({ length: count }, (_, i) => ({
        ...project,
        name: `p${i}-${project.name}`,
        schema: `p${i}_${project.schema}`,
        experimentPath: project.experimentPath.replace(project.name, `p${i}-${project.name}`),
    }));
    // No YAML aliases: the stack reader refuses documents with very many of them.
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stringify(stack, { aliasDuplicateObjects: false }));
    return dir;
}

/** `npm run plan -- --stack dev --json --project-dir <dir>` as one process (plan/launch.cjs: the plan's bundle in node). */
function planProcess(dir: string): Promise<Run> {
    const out = path.join(dir, "plan.json");
    return measure(["plan/launch.cjs", "--stack", "dev", "--json", "--project-dir", dir, "--out", out], {
        BENCH_MODULES_FILE: path.join(dir, "sdk-modules.json"),
    });
}

/** Resources in a plan written by `planProcess`. */
function planSize(dir: string): number {
    return (JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")) as PlanDocument).steps.length;
}

/** The `@pulumi/databricks` resource classes a plan declares, and the lookups the program calls. */
function sdkMembers(doc: PlanDocument): string[] {
    const classes = [
        ...new Set(
            doc.steps
                .map((s) => /^databricks:index\/[^:]+:(.+)$/.exec(s.newState.type)?.[1])
                .filter((c): c is string => c !== undefined),
        ),
    ];
    return [...classes, "getCurrentUserOutput", "getRegisteredModelVersions"];
}

/**
 * The SDK-load floor: the same runtime (node, no loader: `npm run plan` runs a bundle) loading
 * only the SDK modules the one-project plan uses: `@pulumi/pulumi`, and the `@pulumi/databricks`
 * modules the plan of `dir` loaded (its resource classes and the lookups it calls), as recorded
 * by `planProcess`.
 */
function floorProcess(dir: string): Promise<Run> {
    const modules = JSON.parse(fs.readFileSync(path.join(dir, "sdk-modules.json"), "utf8")) as string[];
    const script = path.join(work, "floor.cjs");
    fs.writeFileSync(
        script,
        `const load = require("node:module").createRequire(${JSON.stringify(path.join(projectDir, "package.json"))});\n` +
            `load("@pulumi/pulumi");\n` +
            `for (const m of ${JSON.stringify(modules)}) load(m);\n`,
    );
    return measure([script]);
}

/**
 * Loads index.ts the way the Pulumi language host does (`@pulumi/pulumi` `cmd/run/run.js`): the
 * TypeScript config named by Pulumi.yaml's `runtime.options.tsconfig`, `transpileOnly` from its
 * `noCheck` (or `PULUMI_NODEJS_TRANSPILE_ONLY`), the SDK's own choice of TypeScript and ts-node
 * (its vendored ts-node 7), the same compiler options; and an empty ts-node cache, as on a fresh
 * machine. The program is loaded, not run (running it needs the engine).
 */
function hostLoadProcess(tsconfig: string, entry = "index.ts"): Promise<Run> {
    const code = `
const fs = require("node:fs");
const path = require("node:path");
const sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const tsutils = require(path.join(sdk, "tsutils"));
const semver = require(require.resolve("semver", { paths: [sdk] }));
const tsConfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const env = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
const transpileOnly = env ? env === "true" : compilerOptions.noCheck;
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const version = semver.parse(require(typescriptRequire).version);
const nodeNext = version && version.compare(new semver.SemVer("4.7.0")) >= 0;
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly,
    project: tsConfigPath,
    skipProject: !fs.existsSync(tsConfigPath),
    compilerOptions: {
        target: "ES2020",
        module: nodeNext ? "nodenext" : "commonjs",
        moduleResolution: nodeNext ? "nodenext" : "node",
        sourceMap: "true",
        ...compilerOptions,
    },
});
const entry = ${JSON.stringify(entry)};
if (typeof require(path.resolve(entry)) !== "function") throw new Error(entry + " exports no program");
`;
    const cache = fs.mkdtempSync(path.join(work, "ts-node-cache-"));
    return measure(["-e", code], { PULUMI_NODEJS_TSCONFIG_PATH: tsconfig, TS_NODE_CACHE_DIRECTORY: cache });
}

function fail(what: string, run: Run): never {
    throw new Error(`${what} failed (exit ${run.code}):\n${run.stderr}`);
}

async function shippedStacks(): Promise<void> {
    console.log("Shipped stacks, planned in this process:");
    for (const stack of ["dev", "prod", "azure-dev"]) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            const start = performance.now();
            await buildPlan(program, { projectDir, stack, currentUser: "bench@example.com" });
            times.push(performance.now() - start);
        }
        const ms = median(times);
        const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
        console.log(
            `  ${stack}: plan median ${ms.toFixed(0)} ms over ${RUNS} runs (target ${TARGETS.planMsMedian}), ` +
                `heap ${heapMb.toFixed(0)} MB (target ${TARGETS.heapMb}) ` +
                verdict(ms <= TARGETS.planMsMedian && heapMb <= TARGETS.heapMb),
        );
    }
}

/**
 * The language host's floor: a one-line program that loads what index.ts loads of the SDKs:
 * `@pulumi/pulumi` and the `@pulumi/databricks` classes and lookups the one-project plan uses
 * (in the bench's folder, which sees the project's node_modules).
 */
function hostFloorEntry(doc: PlanDocument): string {
    const modules = path.join(work, "node_modules");
    if (!fs.existsSync(modules)) fs.symlinkSync(path.join(projectDir, "node_modules"), modules, "dir");
    const file = path.join(work, "floor-program.ts");
    fs.writeFileSync(
        file,
        `import * as pulumi from "@pulumi/pulumi";\nimport * as databricks from "@pulumi/databricks";\n` +
            `const members = ${JSON.stringify(sdkMembers(doc))};\n` +
            `export = async () => ({ loaded: [pulumi.getProject, ...members.map((m) => (databricks as unknown as Record<string, unknown>)[m])].length });\n`,
    );
    return file;
}

async function languageHost(onePlanMs: number, oneDoc: PlanDocument): Promise<void> {
    const tsconfig = (
        parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
            runtime?: { options?: { tsconfig?: string } };
        }
    ).runtime?.options?.tsconfig;
    console.log("\nLanguage host: cold load of index.ts under @pulumi/pulumi's ts-node (empty cache):");
    // The median of three cold loads of each, each with its own empty cache, taken in turns.
    // Not a target (see below), only figures to compare.
    const floorEntry = hostFloorEntry(oneDoc);
    const loads: Run[] = [];
    const floors: Run[] = [];
    for (let r = 0; r < 3; r++) {
        const run = await hostLoadProcess(tsconfig ?? "tsconfig.json");
        if (run.code !== 0) fail("the language host load", run);
        loads.push(run);
        const floor = await hostLoadProcess(tsconfig ?? "tsconfig.json", floorEntry);
        if (floor.code !== 0) fail("the language host floor", floor);
        floors.push(floor);
    }
    const configured = { ms: median(loads.map((r) => r.ms)) };
    const floor = { ms: median(floors.map((r) => r.ms)) };
    console.log(
        `  ${tsconfig ?? "tsconfig.json"} (Pulumi.yaml runtime.options.tsconfig): ${(configured.ms / 1000).toFixed(2)} s; ` +
            `the floor (a one-line program loading the same SDK modules): ${(floor.ms / 1000).toFixed(2)} s; ` +
            `the one-project plan: ${(onePlanMs / 1000).toFixed(2)} s`,
    );
    // Reported, not judged: a cold load is mostly file reads and module evaluation, which vary
    // too much on a shared machine (from 1.4 s to 5 s here within minutes) for a target.
    console.log(`  index.ts over the floor: ${(configured.ms / floor.ms).toFixed(2)}x`);
    const checked = await hostLoadProcess("tsconfig.json");
    if (checked.code !== 0) fail("the type-checked language host load", checked);
    console.log(`  for comparison, tsconfig.json (type-checks on load): ${(checked.ms / 1000).toFixed(2)} s`);
}

async function scale(): Promise<{ onePlanMs: number; oneDoc: PlanDocument }> {
    console.log("\nGenerated stacks of N copies of the dev project, each planned as a whole process:");
    const rows: { projects: number; resources: number; ms: number; rssMb: number }[] = [];
    const sizes = [...SCALE];
    for (let i = 0; i < sizes.length; i++) {
        const [projects, runs] = sizes[i];
        const dir = generatedStack(projects);
        const results: Run[] = [];
        for (let r = 0; r < runs; r++) {
            const run = await planProcess(dir);
            if (run.code !== 0 && projects === LARGEST) {
                console.log(`  ${projects} projects: exit ${run.code}\n${run.stderr.slice(-2000)}`);
                break;
            }
            if (run.code !== 0) fail(`the plan of ${projects} projects`, run);
            results.push(run);
        }
        if (results.length === 0) continue;
        rows.push({
            projects,
            resources: planSize(dir),
            ms: median(results.map((r) => r.ms)),
            rssMb: median(results.map((r) => r.rssMb)),
        });
        if (projects === 300 && rows[rows.length - 1].ms < TARGETS.threeHundredSeconds * 1000) {
            sizes.push([LARGEST, 1]);
        }
    }

    const one = rows[0];
    const oneDoc = JSON.parse(fs.readFileSync(path.join(work, "projects-1", "plan.json"), "utf8")) as PlanDocument;
    const { floor, ratio: oneRatio } = await oneOverFloor();

    console.log("  | projects | resources | wall s | x one project | x SDK-load floor | peak RSS MB |");
    console.log("  |---:|---:|---:|---:|---:|---:|");
    console.log(`  | floor | | ${(floor.ms / 1000).toFixed(2)} | | 1.00 | ${floor.rssMb.toFixed(0)} |`);
    for (const r of rows) {
        console.log(
            `  | ${r.projects} | ${r.resources} | ${(r.ms / 1000).toFixed(2)} | ${(r.ms / one.ms).toFixed(2)} | ` +
                `${(r.ms / floor.ms).toFixed(2)} | ${r.rssMb.toFixed(0)} |`,
        );
    }
    // Over all sizes from 10 the fixed start-up cost flattens the slope; the last two sizes show
    // how the cost of a project grows where it dominates.
    const large = rows.filter((r) => r.projects >= 10);
    const lastTwo = rows.slice(-2);
    for (const [label, points] of [
        [large.map((r) => r.projects).join(", "), large],
        [lastTwo.map((r) => r.projects).join(" to "), lastTwo],
    ] as const) {
        console.log(
            `  growth exponent (log-log slope, ${label} projects): ` +
                `time ${growthExponent(points.map((r) => [r.projects, r.ms])).toFixed(2)}, ` +
                `peak RSS ${growthExponent(points.map((r) => [r.projects, r.rssMb])).toFixed(2)}`,
        );
    }

    const at = (n: number) => rows.find((r) => r.projects === n);
    const hundred = at(100);
    const three = at(300);
    const largest = at(LARGEST);
    console.log("  targets:");
    console.log(
        `    one project <= ${TARGETS.oneOverFloor}x the SDK-load floor: ${oneRatio.toFixed(2)}x ` +
            `(median of ${PAIRS} runs taken in turns with the floor's) ` +
            verdict(oneRatio <= TARGETS.oneOverFloor),
    );
    if (hundred) {
        console.log(
            `    100 projects <= ${TARGETS.hundredOverOne}x one project: ${(hundred.ms / one.ms).toFixed(2)}x ` +
                verdict(hundred.ms <= TARGETS.hundredOverOne * one.ms),
        );
    }
    if (three) {
        console.log(
            `    300 projects < ${TARGETS.threeHundredSeconds} s and < ${TARGETS.threeHundredRssMb} MB: ` +
                `${(three.ms / 1000).toFixed(1)} s, ${three.rssMb.toFixed(0)} MB ` +
                verdict(three.ms < TARGETS.threeHundredSeconds * 1000 && three.rssMb < TARGETS.threeHundredRssMb),
        );
    }
    console.log(
        `    ${LARGEST} projects complete under Node's default heap: ` +
            (largest ? `${(largest.ms / 1000).toFixed(1)} s, ${largest.rssMb.toFixed(0)} MB ok` : verdict(false)),
    );
    return { onePlanMs: one.ms, oneDoc };
}

/** Runs of each side of a ratio target, taken in turns. */
const PAIRS = 7;

/**
 * One project's plan against the SDK-load floor, in turns: the floor's median run and the median
 * ratio of the plan to the floor.
 */
async function oneOverFloor(): Promise<{ floor: { ms: number; rssMb: number }; ratio: number }> {
    const dir = path.join(work, "projects-1");
    const turns = await inTurns(
        PAIRS,
        async () => {
            const run = await floorProcess(dir);
            if (run.code !== 0) fail("the SDK-load floor", run);
            return run;
        },
        async () => {
            const run = await planProcess(dir);
            if (run.code !== 0) fail("the plan of one project", run);
            return run;
        },
    );
    return {
        floor: { ms: median(turns.a.map((r) => r.ms)), rssMb: median(turns.a.map((r) => r.rssMb)) },
        ratio: turns.ratio,
    };
}

/**
 * `plan --base HEAD` against a plain plan of the same one-project stack (a folder outside the
 * checkout, so both sides plan it), in turns: the base is checked out (and its bundle prepared) by
 * a child process while the head is planned, then planned in the command's process, whose SDKs
 * are loaded by then (plan/base.ts).
 */
async function basePlan(): Promise<void> {
    console.log(
        "\nplan --base HEAD (the base planned after the head, in its process) against a plain plan, one project:",
    );
    const dir = path.join(work, "projects-1");
    const out = path.join(dir, "diff.json");
    const args = ["plan/launch.cjs", "--stack", "dev", "--json", "--project-dir", dir, "--out", out];
    const turns = await inTurns(
        PAIRS,
        async () => {
            const a = await planProcess(dir);
            if (a.code !== 0) fail("the plain plan", a);
            return a;
        },
        async () => {
            const b = await measure([...args, "--base", "HEAD"]);
            if (b.code !== 0) fail("plan --base HEAD", b);
            return b;
        },
    );
    const p = median(turns.a.map((r) => r.ms));
    const b = median(turns.b.map((r) => r.ms));
    // What two free cores would give, from the CPU times. A base planned in the command's own
    // process (plan/base.ts: after the head, its checkout and bundle prepared in a child beside
    // it): the command's CPU time against the plain plan's, the child's left out as it runs on the
    // other core. A base planned by a child of its own (an older base): the command and the
    // child each on a core of its own, the child starting when the command (and the checkout)
    // had used what they used before starting it, then the clean-up (git) after both. A shared
    // machine's wall times cannot show it: Linux schedules a session's processes as one group
    // (autogroup), so two processes of the command share one process's part of a busy machine.
    const twoCores = median(
        turns.b.map((r, i) => {
            const plain = turns.a[i].cpuMs + turns.a[i].childrenCpuMs;
            if (r.spawnCpuMs === undefined) return r.cpuMs / plain;
            const startOwn = r.spawnCpuMs;
            const checkout = r.spawnChildrenCpuMs ?? 0;
            const base = r.baseCpuMs ?? 0;
            // What the command did after the base's plan ended (read it, diff, print), and the
            // clean-up's git after that.
            const tail = r.cpuMs - (r.closeCpuMs ?? r.cpuMs);
            const cleanUp = Math.max(0, r.childrenCpuMs - checkout - base);
            const critical = checkout + Math.max(r.cpuMs - tail, startOwn + base) + tail + cleanUp;
            return critical / plain;
        }),
    );
    // On a quiet machine the wall times decide; on a busy one (more runnable work than cores at
    // the start), the estimate for two free cores does, and the wall ratio is printed beside it.
    const quiet = loadAtStart < os.availableParallelism();
    const judged = quiet ? turns.ratio : twoCores;
    console.log(
        `  plain ${(p / 1000).toFixed(2)} s, --base HEAD ${(b / 1000).toFixed(2)} s (medians of ${PAIRS} runs each, ` +
            `in turns; ${os.availableParallelism()} cores): ${turns.ratio.toFixed(2)}x (median of the pairs' ratios); ` +
            `on two free cores, from CPU times: ` +
            `${twoCores.toFixed(2)}x`,
    );
    console.log(
        `  --base <= ${TARGETS.baseOverPlain}x plain, judged by ${quiet ? "the wall times (a quiet machine)" : "the two-core estimate (a busy machine)"}: ` +
            `${judged.toFixed(2)}x ${verdict(judged <= TARGETS.baseOverPlain)}`,
    );
}

/**
 * The sections to run: all, or those `--only` names (`npm run bench -- --only ratios` for the two
 * ratio targets alone: one project against the floor, and `plan --base` against a plain plan).
 */
function sections(argv: string[]): Set<string> {
    const all = ["stacks", "scale", "base", "host"];
    const at = argv.indexOf("--only");
    if (at < 0) return new Set(all);
    const named = (argv[at + 1] ?? "").split(",").filter(Boolean);
    const chosen = new Set(named.flatMap((n) => (n === "ratios" ? ["one", "base"] : [n])));
    const unknown = [...chosen].filter((n) => ![...all, "one"].includes(n));
    if (unknown.length > 0 || chosen.size === 0) {
        throw new Error(`--only: expected some of ${[...all, "one", "ratios"].join(", ")}, found "${named.join(",")}"`);
    }
    return chosen;
}

async function main(): Promise<number> {
    const run = sections(process.argv.slice(2));
    // What the figures were taken under: timings on a busy machine are longer, ratios less so.
    console.log(`${os.availableParallelism()} cores, load average ${loadAtStart.toFixed(1)} at the start\n`);
    try {
        if (run.has("stacks")) await shippedStacks();
        if (run.has("scale") || run.has("host")) {
            const { onePlanMs, oneDoc } = await scale();
            if (run.has("base")) await basePlan();
            if (run.has("host")) await languageHost(onePlanMs, oneDoc);
        } else {
            if (run.has("one") || run.has("base")) {
                const dir = generatedStack(1);
                const first = await planProcess(dir);
                if (first.code !== 0) fail("the plan of one project", first);
                if (run.has("one")) {
                    const { floor, ratio } = await oneOverFloor();
                    console.log(
                        `One project against the SDK-load floor (${(floor.ms / 1000).toFixed(2)} s): ` +
                            `${ratio.toFixed(2)}x (median of ${PAIRS} runs in turns), target <= ${TARGETS.oneOverFloor}x ` +
                            verdict(ratio <= TARGETS.oneOverFloor),
                    );
                }
            }
            if (run.has("base")) await basePlan();
        }
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
    return failed ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
    },
);
