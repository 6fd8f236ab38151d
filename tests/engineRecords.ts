import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { stringify } from "yaml";
import { UNKNOWN } from "../plan/mocks";
import type { PlanDocument } from "../plan/plan";
import { DEFAULT_RUNTIME } from "../config/runtimes";
import { FIXTURE_DIR, PROJECT_DIR, planStack, tempDir } from "./harness";

/**
 * What the real Pulumi engine and Databricks provider did with the shipped stacks (read
 * ../shared/engine-records/README.md), and the offline plan of the same stacks for comparison.
 * The records are reference data outside this repository: where they are absent, the tests that
 * read them skip, saying so.
 */

/**
 * Where the records are: `../shared/engine-records` beside the repository (as in CI), or beside
 * the main checkout when this one is a git worktree of it.
 */
export const RECORDS_DIR = ((): string => {
    if (process.env.MLOPS_ENGINE_RECORDS) return path.resolve(process.env.MLOPS_ENGINE_RECORDS);
    const beside = (root: string) => path.resolve(root, "..", "shared", "engine-records");
    const common = spawnSync("git", ["-C", PROJECT_DIR, "rev-parse", "--path-format=absolute", "--git-common-dir"], {
        encoding: "utf8",
    });
    const main = common.status === 0 ? path.dirname(common.stdout.trim()) : PROJECT_DIR;
    return [beside(PROJECT_DIR), beside(main)].find((d) => fs.existsSync(d)) ?? beside(PROJECT_DIR);
})();

/** Whether the records are there to compare with. */
export const HAVE_RECORDS = fs.existsSync(path.join(RECORDS_DIR, "README.md"));

/** Why the tests of the records skip, when they do. */
export const SKIP_REASON = `skipped: no engine records at ${RECORDS_DIR} (../shared/engine-records, present in CI)`;

/** Whether the records are here (the name the access tests use). */
export const ENGINE_RECORDS_PRESENT = HAVE_RECORDS;

/** The words a skipped test's name carries. */
export const WITHOUT_RECORDS = HAVE_RECORDS ? "" : `(${SKIP_REASON})`;

/** A file of the records. */
export function engineRecord(file: string): string {
    return fs.readFileSync(path.join(RECORDS_DIR, file), "utf8");
}

/** The recorded stacks, and who deployed each: the fake workspace's user, or the run-as principal. */
export const RECORDED_STACKS: Record<string, { user: string }> = {
    "dev-e2e": { user: "tester@databricks.com" },
    staging: { user: "aaaaaaaa-bbbb-4ccc-dddd-eeeeeeeeeeee" },
    prod: { user: "aaaaaaaa-bbbb-4ccc-dddd-eeeeeeeeeeee" },
};

/** One step of `pulumi preview --json`, as recorded. */
export interface RecordedStep {
    op: string;
    urn: string;
    provider?: string;
    detailedDiff?: unknown;
    newState: {
        urn: string;
        custom: boolean;
        type: string;
        parent?: string;
        inputs?: Record<string, unknown>;
        provider?: string;
        dependencies?: string[];
        protect?: boolean;
        retainOnDelete?: boolean;
        ignoreChanges?: string[];
        [key: string]: unknown;
    };
}

export interface RecordedPreview {
    config: Record<string, string>;
    steps: RecordedStep[];
    diagnostics: { urn?: string; message: string; severity: string }[];
    changeSummary: Record<string, number>;
    [key: string]: unknown;
}

/** The file of a record: `<stack>.preview.json`, `<stack>.state-after-first-up.json`, ... */
export function recordFile(name: string): string {
    return path.join(RECORDS_DIR, name);
}

export function readPreview(stack: string): RecordedPreview {
    return JSON.parse(fs.readFileSync(recordFile(`${stack}.preview.json`), "utf8")) as RecordedPreview;
}

/** A config value of the record as a stack file writes it: objects, lists and numbers parsed. */
function stackFileValue(value: string): unknown {
    if (/^[[{]/.test(value) || /^-?\d+$/.test(value)) {
        try {
            return JSON.parse(value) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}

/**
 * A project folder holding the recorded stack as it was: the record's whole config (the project
 * file's defaults included) as its stack file, and the shared file of the recorded commit
 * (tests/fixtures/engine-records/shared.yaml). Secrets are left out: the offline plan reads none.
 */
export function recordedProject(stack: string, preview = readPreview(stack)): string {
    const dir = tempDir("mlops-recorded-");
    fs.copyFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.copyFileSync(path.join(__dirname, "fixtures", "engine-records", "shared.yaml"), path.join(dir, "shared.yaml"));
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(preview.config)) {
        if (value !== "[secret]") config[key] = stackFileValue(value);
    }
    // The recording's runtime (15.4 LTS ML) has no tested local environment any more, and the
    // config refuses it: the program's default runtime stands in (a value, reported as the
    // program's difference, not the plan's).
    config["databricks-mlops:sparkVersion"] = DEFAULT_RUNTIME;
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    return dir;
}

/** The offline plan of a recorded stack, as the recording ran it: a first preview, the model absent. */
export async function offlinePreview(stack: string): Promise<PlanDocument> {
    return (
        await planStack(stack, {
            projectDir: recordedProject(stack),
            user: RECORDED_STACKS[stack].user,
            preview: true,
            modelVersions: [],
        })
    ).doc;
}

/** Who decides a difference: the offline plan's imitation (asserted) or the program and workspace (reported). */
export type Owner = "plan" | "program";

export interface Difference {
    owner: Owner;
    /** What kind of difference: `step keys`, `steps`, `parent`, `provider`, `inputs`, `diagnostics`, ... */
    category: string;
    /** What differs, without values only the workspace or the program's version decides. */
    detail: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** How a value is encoded in the JSON: the engine's unknown, or its JSON kind. */
function kindOf(v: unknown): string {
    if (v === UNKNOWN) return "unknown";
    if (v === "[secret]") return "secret";
    if (Array.isArray(v)) return "array";
    if (v === null) return "null";
    return typeof v;
}

/** A provider reference without its id (`urn::id`). */
function providerUrn(ref: string | undefined): string | undefined {
    return ref?.split("::").slice(0, -1).join("::");
}

/** The logical name of a URN's type, for details that stay true whatever the program names. */
function typeOfUrn(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").at(-1) ?? "";
}

/**
 * The recorded inputs as the program sent them: the `__defaults` markers of the provider's
 * Check removed, and the values it names there (defaults the provider fills) left out, each
 * reported as one difference of its type and path.
 */
function withoutCheckDefaults(value: unknown, type: string, at: string, out: Set<string>): unknown {
    if (Array.isArray(value)) return value.map((v) => withoutCheckDefaults(v, type, `${at}[]`, out));
    if (!isObject(value)) return value;
    const defaults = Array.isArray(value.__defaults) ? (value.__defaults as string[]) : [];
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
        if (k === "__defaults") continue;
        const p = at ? `${at}.${k}` : k;
        if (defaults.includes(k)) {
            out.add(`${type} ${p}`);
            continue;
        }
        result[k] = withoutCheckDefaults(v, type, p, out);
    }
    return result;
}

/** The leaves of a value, by path (`a.b[0].c`; a map's keys may hold dots, as the records' do), with their values. */
export function leaves(value: unknown, at = "", out = new Map<string, unknown>()): Map<string, unknown> {
    if (Array.isArray(value)) {
        if (value.length === 0) out.set(at, []);
        value.forEach((v, i) => leaves(v, `${at}[${i}]`, out));
    } else if (isObject(value)) {
        if (Object.keys(value).length === 0) out.set(at, {});
        for (const [k, v] of Object.entries(value)) leaves(v, at ? `${at}.${k}` : k, out);
    } else out.set(at, value);
    return out;
}

/** A concrete path's shape: list indices and map keys of free-form maps left as they are. */
const general = (p: string) => p.replace(/\[\d+\]/g, "[]");

/**
 * Every difference between a recorded `pulumi preview --json` and the offline plan of the same
 * stack, each with its owner: the shape of the document, of its steps and of their inputs is the
 * offline plan's to imitate; which resources there are and the values of their inputs are the
 * program's and the workspace's (the record is of one commit; the program moves on).
 */
export function compareWithRecord(recorded: RecordedPreview, offline: PlanDocument): Difference[] {
    const out: Difference[] = [];
    const add = (owner: Owner, category: string, detail: string) => {
        if (!out.some((d) => d.owner === owner && d.category === category && d.detail === detail))
            out.push({ owner, category, detail });
    };

    // The document's keys.
    const docKeys = (d: object) => new Set(Object.keys(d));
    const [rk, ok] = [docKeys(recorded), docKeys(offline)];
    for (const k of rk) if (!ok.has(k)) add("plan", "document keys", `${k}: recorded only`);
    for (const k of ok) if (!rk.has(k)) add("plan", "document keys", `${k}: offline only`);

    // The steps: which there are. A default provider is the plan's (the engine makes it), the
    // rest the program's.
    const offlineSteps = new Map(offline.steps.map((s) => [s.urn, s]));
    const recordedSteps = new Map(recorded.steps.map((s) => [s.urn, s]));
    const isDefaultProvider = (urn: string) => /::pulumi:providers:[^:]+::default/.test(urn);
    for (const urn of offlineSteps.keys()) {
        if (recordedSteps.has(urn)) continue;
        if (isDefaultProvider(urn)) add("plan", "steps", "default provider steps: offline only");
        else add("program", "steps", `${typeOfUrn(urn)} ${urn.split("::").at(-1)}: offline only`);
    }
    for (const urn of recordedSteps.keys()) {
        if (offlineSteps.has(urn)) continue;
        if (isDefaultProvider(urn)) add("plan", "steps", "default provider steps: recorded only");
        else add("program", "steps", `${typeOfUrn(urn)} ${urn.split("::").at(-1)}: recorded only`);
    }

    const kind = (custom: boolean, type: string) =>
        type === "pulumi:pulumi:Stack" ? "stack" : custom ? "custom resource" : "component";
    for (const [urn, r] of recordedSteps) {
        const o = offlineSteps.get(urn);
        if (!o) continue;
        const rs = r.newState;
        const os = o.newState;
        const k = kind(rs.custom, rs.type);
        // The keys of a step and of its new state, by kind of resource.
        for (const [where, a, b] of [
            ["step", r, o],
            ["newState", rs, os],
        ] as const) {
            const [ra, ob] = [new Set(Object.keys(a)), new Set(Object.keys(b))];
            for (const key of ra) if (!ob.has(key)) add("plan", "step keys", `${k} ${where}.${key}: recorded only`);
            for (const key of ob) if (!ra.has(key)) add("plan", "step keys", `${k} ${where}.${key}: offline only`);
        }
        // What the plan derives from the registrations.
        if (r.op !== o.op) add("plan", "op", `${rs.type}: recorded ${r.op}, offline ${o.op}`);
        if (rs.type !== os.type) add("plan", "type", `${urn}: recorded ${rs.type}, offline ${os.type}`);
        if (rs.custom !== os.custom) add("plan", "custom", `${rs.type}: recorded ${rs.custom}, offline ${os.custom}`);
        if ((rs.parent ?? "") !== (os.parent ?? "") && rs.type !== "pulumi:pulumi:Stack")
            add("plan", "parent", `${rs.type} ${urn.split("::").at(-1)}: recorded ${rs.parent}, offline ${os.parent}`);
        if (
            providerUrn(r.provider) !== providerUrn(o.provider) ||
            providerUrn(rs.provider) !== providerUrn(os.provider)
        )
            add("plan", "provider", `${rs.type}: recorded ${r.provider}, offline ${o.provider}`);
        for (const option of ["protect", "retainOnDelete"] as const) {
            if ((rs[option] ?? false) !== (os[option] ?? false))
                add("program", "options", `${rs.type} ${urn.split("::").at(-1)} ${option}`);
        }
        if (!isDeepStrictEqual(rs.ignoreChanges ?? [], os.ignoreChanges ?? []))
            add("program", "options", `${rs.type} ${urn.split("::").at(-1)} ignoreChanges`);
        if (!isDeepStrictEqual([...(rs.dependencies ?? [])].sort(), [...os.dependencies].sort()))
            add("program", "dependencies", `${rs.type} ${urn.split("::").at(-1)}`);

        // Inputs: their encoding is the plan's, their values the program's.
        if (!rs.custom) continue;
        const checked = new Set<string>();
        const sent = withoutCheckDefaults(rs.inputs ?? {}, rs.type, "", checked);
        if (JSON.stringify(rs.inputs ?? {}).includes('"__defaults"'))
            add("plan", "input encoding", "__defaults markers of the provider's Check: recorded only");
        for (const d of checked) add("plan", "input encoding", `a default the provider's Check fills: ${general(d)}`);
        const [rl, ol] = [leaves(sent), leaves(os.inputs)];
        for (const [p, rv] of rl) {
            if (!ol.has(p)) {
                add("program", "inputs", `${rs.type} ${general(p)}: recorded only`);
                continue;
            }
            const ov = ol.get(p);
            if (kindOf(rv) !== kindOf(ov)) {
                // An unknown where the other side knows the value: what the workspace answers.
                const owner: Owner = kindOf(rv) === "unknown" || kindOf(ov) === "unknown" ? "program" : "plan";
                add(owner, "input encoding", `${rs.type} ${general(p)}: recorded ${kindOf(rv)}, offline ${kindOf(ov)}`);
            } else if (!isDeepStrictEqual(rv, ov)) add("program", "input values", `${rs.type} ${general(p)}`);
        }
        for (const p of ol.keys()) if (!rl.has(p)) add("program", "inputs", `${rs.type} ${general(p)}: offline only`);
    }

    // Diagnostics: their shape is the plan's, their messages the program's.
    const shape = (d: object) => Object.keys(d).sort().join(",");
    const rShapes = new Set(recorded.diagnostics.map(shape));
    const oShapes = new Set(offline.diagnostics.map(shape));
    for (const s of rShapes) if (!oShapes.has(s)) add("plan", "diagnostics", `keys {${s}}: recorded only`);
    for (const s of oShapes) if (!rShapes.has(s)) add("plan", "diagnostics", `keys {${s}}: offline only`);
    const prefixed = (m: string) => /^(warning|error): /.test(m) && m.endsWith("\n");
    if (
        recorded.diagnostics.every((d) => prefixed(d.message)) &&
        !offline.diagnostics.every((d) => prefixed(d.message))
    )
        add(
            "plan",
            "diagnostics",
            'message: recorded with its severity ("warning: ") and a final newline, offline without',
        );
    const messages = (doc: { diagnostics: { message: string; severity: string }[] }) =>
        doc.diagnostics.map((d) => `${d.severity}: ${d.message.replace(/^(warning|error): /, "").trim()}`);
    const om = messages(offline);
    for (const m of messages(recorded)) {
        if (om.includes(m)) continue;
        // The provider's Check warns of deprecated inputs; the mocks do not run it.
        if (m.includes(" verification warning: ")) add("plan", "diagnostics", "provider Check warnings: recorded only");
        else add("program", "diagnostics", `recorded only: ${m.slice(0, 120)}`);
    }
    const rm = messages(recorded);
    for (const m of om) if (!rm.includes(m)) add("program", "diagnostics", `offline only: ${m.slice(0, 120)}`);

    // The summary counts what the steps hold.
    const summaryKeys = (s: object) => Object.keys(s).sort().join(",");
    if (summaryKeys(recorded.changeSummary) !== summaryKeys(offline.changeSummary))
        add(
            "plan",
            "changeSummary",
            `keys: recorded ${summaryKeys(recorded.changeSummary)}, offline ${summaryKeys(offline.changeSummary)}`,
        );
    return out;
}
