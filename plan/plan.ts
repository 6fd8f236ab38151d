import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, type MockWorkspace, type RecordedResource, Recorder, runProgram, SECRET_MASK } from "./mocks";
import { placeholderProblems, providerSettingsOf, setOfflinePlan, templateProblem } from "../config/deployChecks";
import { configFromSource } from "../config/load";
import { aliasUrn } from "./urns";
import { shortUserName, ucNameFor } from "../components/presets";
import { readStackConfig, type StackConfig } from "./stackConfig";
import { adoptionUpdate, type AdoptionUpdate } from "./adoption";
import { DEFAULT_ALIASES, defaultModelVersions, effectiveSettings } from "./versions";

export { configuredVersions, DEFAULT_ALIASES, defaultModelVersions } from "./versions";

/** The id a provider has before it exists, as `pulumi preview` prints it. */
export const UNKNOWN_PROVIDER_ID = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One step of the plan, in the shape of `pulumi preview --json`. */
export interface PlanStep {
    /** `import`: the resource adopts a deployed object by its id (the `import` option), as `pulumi preview` shows it. */
    op: "create" | "import";
    urn: string;
    provider?: string;
    /**
     * For an `import`: the update the engine makes right after it, in the same deployment
     * (plan/adoption.ts). `--json` writes it as the `update` step that follows the import.
     */
    update?: AdoptionUpdate;
    newState: {
        urn: string;
        custom: boolean;
        id: string;
        type: string;
        inputs: Record<string, unknown>;
        outputs?: Record<string, unknown>;
        parent?: string;
        protect: boolean;
        /** Present (true) only when set, as `pulumi preview --json` omits it otherwise. */
        retainOnDelete?: boolean;
        /** The `ignoreChanges` option, present only when set. */
        ignoreChanges?: string[];
        /** The `replaceOnChanges` option, present only when set. */
        replaceOnChanges?: string[];
        /** The URNs of the `aliases` option (earlier identities), present only when there are some. */
        aliases?: string[];
        dependencies: string[];
        provider?: string;
    };
}

/** The plan document, in the shape of `pulumi preview --json`. */
export interface PlanDocument {
    config: Record<string, string>;
    steps: PlanStep[];
    /** What the program and the providers logged: warnings, and the errors a failed data source logs. */
    diagnostics: { urn: string; prefix: string; message: string; severity: "warning" | "error" }[];
    /** Steps by op; `import` only when some resource adopts a deployed object. */
    changeSummary: { create: number; import?: number };
}

export interface PlanOptions {
    /** Folder holding `Pulumi.yaml`. */
    projectDir: string;
    stack: string;
    /** User name the mocked workspace reports as the deploying identity. */
    currentUser: string;
    /** Show provider-computed values as unknown, as a first `pulumi preview` does. */
    preview?: boolean;
    /** Further answers of the mocked workspace (for tests). */
    mock?: Partial<MockWorkspace>;
    /** Versions every registered model has; `undefined`: default to those the config serves; `[]`: none (first deploy). */
    modelVersions?: string[];
    /** The aliases every registered model has, alias to version; omitted: `DEFAULT_ALIASES`. */
    aliases?: Record<string, string>;
    /**
     * Config values (`namespace:key`) set as secrets over the stack's, as the engine hands the
     * program decrypted secure values: a stack file's secure values cannot be decrypted offline,
     * so a test that must know a secret's value (a canary) passes it here.
     */
    secretConfig?: Record<string, string>;
    /**
     * Run the program's deploy checks as a real `pulumi preview` does: placeholder ids, a missing
     * host, a deploying identity that cannot own the models and the development template are
     * errors. Omitted: the offline plan, where they do not apply (the CLI notes them).
     */
    asDeployed?: boolean;
    /**
     * The inputs of deployed objects as the provider reads them back, by import id: the update
     * after the import of each is then the exact diff. Omitted: unknown (see AdoptionUpdate).
     */
    deployed?: Record<string, Record<string, unknown>>;
}

type Program = () => Promise<Record<string, unknown>>;

/**
 * The schemas of the stack's registered models (`catalog.schema`, as the mode names them for the
 * deploying user): the schemas the mocked catalogs list once the models exist. Config the
 * program would refuse gives none here, and the program's own run reports it.
 */
export function modelSchemas(stackConfig: StackConfig, projectDir: string, currentUser: string): string[] {
    try {
        const settings = effectiveSettings(stackConfig, projectDir);
        const short = shortUserName(currentUser);
        // An existing schema keeps its name as written (program.ts looks it up so).
        return settings.projects.map(
            (p) =>
                `${settings.catalog}.${ucNameFor(p.existing.includes("schema") ? "none" : settings.mode, short, p.schema)}`,
        );
    } catch {
        return [];
    }
}

/**
 * What a real `pulumi preview` of the stack would refuse that the offline plan lets pass: the
 * placeholder ids, a missing host, the development template (see config/deployChecks.ts). One
 * line each, `<file>: <key>: <message>`; none when the config itself is invalid (the plan reports
 * that). The deploying identity is not among them: offline, it is the mocked user.
 */
export function deployNotes(
    projectDir: string,
    stack: string,
    env: Record<string, string | undefined> = process.env,
): string[] {
    const read = readStackConfig(projectDir, stack);
    let parsed: ReturnType<typeof configFromSource>;
    try {
        parsed = configFromSource({
            namespace: read.project,
            stack,
            config: read.config,
            isSecret: (k) => read.secretKeys.includes(k),
            projectDir,
        });
    } catch {
        return [];
    }
    const problems = [
        ...placeholderProblems(parsed.settings, providerSettingsOf(read.config, env)),
        templateProblem(parsed.settings, stack),
    ].filter((p) => p !== undefined);
    return problems.map((p) => {
        const key = String(p.path[0]);
        const where = key.includes(":") ? `Pulumi.${stack}.yaml: ${key}` : parsed.locate(p.path);
        return `${where}: ${p.message}`;
    });
}

/** Runs the program under mocks with the stack's config and returns what it would create. */
export async function buildPlan(program: Program, opts: PlanOptions): Promise<PlanDocument> {
    const read = readStackConfig(opts.projectDir, opts.stack);
    const secrets = opts.secretConfig ?? {};
    const stackConfig: StackConfig = {
        ...read,
        config: { ...read.config, ...secrets },
        secretKeys: [...new Set([...read.secretKeys, ...Object.keys(secrets)])].sort(),
    };
    const { project, stack } = stackConfig;
    const aliases = opts.aliases ?? DEFAULT_ALIASES;
    const versions = opts.modelVersions ?? defaultModelVersions(stackConfig, opts.projectDir, aliases);
    const workspace: MockWorkspace = {
        currentUser: opts.currentUser,
        modelVersions: versions.length > 0 ? versions : undefined,
        preview: opts.preview,
        aliases,
        ...opts.mock,
    };
    // The models' schemas exist exactly when the models do, unless the plan is told otherwise.
    workspace.schemas ??=
        workspace.modelVersions === undefined ? [] : modelSchemas(stackConfig, opts.projectDir, opts.currentUser);
    const recorder = installMocks(project, stack, workspace, new Recorder());
    pulumi.runtime.setAllConfig(stackConfig.config, stackConfig.secretKeys);

    const cwd = process.cwd();
    process.chdir(opts.projectDir); // as `pulumi up` runs the program in the project folder
    let outputs: Record<string, unknown>;
    const wasOffline = setOfflinePlan(!opts.asDeployed);
    try {
        outputs = await runProgram(program, recorder);
    } finally {
        setOfflinePlan(wasOffline);
        process.chdir(cwd);
    }

    const maskedConfig: Record<string, string> = {};
    for (const key of Object.keys(stackConfig.config).sort()) {
        maskedConfig[key] = stackConfig.secretKeys.includes(key) ? SECRET_MASK : stackConfig.config[key];
    }
    return toDocument(
        project,
        stack,
        recorder.resources,
        outputs,
        maskedConfig,
        recorder.warnings,
        opts.deployed,
        recorder.errors,
    );
}

function packageVersion(pkg: string): string {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return (require(path.join(`@pulumi/${pkg}`, "package.json")) as { version: string }).version;
    } catch {
        return "0.0.0";
    }
}

/** Default provider steps, one per package the program's resources use without an explicit provider. */
function defaultProviders(
    project: string,
    stack: string,
    resources: RecordedResource[],
    config: Record<string, string>,
): RecordedResource[] {
    const packages = [
        ...new Set(
            resources
                .filter((r) => r.custom && r.provider === "" && !r.type.startsWith("pulumi:providers:"))
                .map((r) => r.type.split(":")[0]),
        ),
    ].sort();
    return packages.map((pkg) => {
        const version = packageVersion(pkg);
        const name = `default_${version.replace(/[.-]/g, "_")}`;
        const inputs: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(config)) {
            if (key.startsWith(`${pkg}:`)) inputs[key.slice(pkg.length + 1)] = value;
        }
        inputs.version = version;
        return {
            urn: `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::${name}`,
            type: `pulumi:providers:${pkg}`,
            name,
            custom: true,
            parent: "",
            inputs,
            protect: false,
            dependencies: [],
            provider: "",
            seq: -1,
        };
    });
}

/** A binary min-heap of numbers: the ready steps, smallest URN rank first. */
class MinHeap {
    private readonly items: number[] = [];

    get size(): number {
        return this.items.length;
    }

    push(value: number): void {
        const a = this.items;
        let i = a.push(value) - 1;
        while (i > 0) {
            const up = (i - 1) >> 1;
            if (a[up] <= value) break;
            a[i] = a[up];
            i = up;
        }
        a[i] = value;
    }

    pop(): number | undefined {
        const a = this.items;
        const top = a[0];
        const last = a.pop();
        if (a.length > 0 && last !== undefined) {
            let i = 0;
            for (;;) {
                let child = 2 * i + 1;
                if (child >= a.length) break;
                if (child + 1 < a.length && a[child + 1] < a[child]) child++;
                if (a[child] >= last) break;
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
        }
        return top;
    }
}

/**
 * Orders the steps so that every resource follows what it needs (its parent, dependencies and
 * provider), breaking ties by URN: the same input gives the same order, byte for byte.
 *
 * The order is that of picking, again and again, the first waiting step in URN order whose needs
 * are all placed (and, were there a cycle, the first waiting step). Kahn's algorithm with a heap
 * of ready steps keyed by URN rank gives exactly that order in O(n log n) rather than O(n^2): the
 * step picked is always the smallest-ranked ready one. The rank is the position after one stable
 * sort with `localeCompare`'s collation (a collator built once compares as `localeCompare` does,
 * ECMA-402 `String.prototype.localeCompare`), so equal-comparing URNs keep their input order.
 */
export function orderSteps<T extends { urn: string; parent?: string; dependencies: string[]; provider?: string }>(
    items: T[],
): T[] {
    const collator = new Intl.Collator();
    const sorted = [...items].sort((a, b) => collator.compare(a.urn, b.urn));
    const urns = new Set(sorted.map((i) => i.urn));

    // For each URN, the ranks of the steps that wait for it; for each step, how many URNs it waits for.
    const waiting = new Map<string, number[]>();
    const missing = new Array<number>(sorted.length).fill(0);
    sorted.forEach((item, rank) => {
        const needs = new Set(
            [item.parent, ...item.dependencies, item.provider?.split("::").slice(0, -1).join("::")].filter(
                (u): u is string => !!u && urns.has(u) && u !== item.urn,
            ),
        );
        missing[rank] = needs.size;
        for (const u of needs) {
            const list = waiting.get(u);
            if (list) list.push(rank);
            else waiting.set(u, [rank]);
        }
    });

    const ready = new MinHeap();
    missing.forEach((count, rank) => {
        if (count === 0) ready.push(rank);
    });
    const placed = new Array<boolean>(sorted.length).fill(false);
    const done = new Set<string>();
    const out: T[] = [];
    let firstWaiting = 0; // every step ranked below it is placed
    while (out.length < sorted.length) {
        let rank = ready.pop();
        if (rank === undefined) {
            // A cycle cannot happen; were there one, take the first waiting step, never loop.
            while (placed[firstWaiting]) firstWaiting++;
            rank = firstWaiting;
        }
        if (placed[rank]) continue;
        placed[rank] = true;
        const item = sorted[rank];
        out.push(item);
        if (done.has(item.urn)) continue;
        done.add(item.urn);
        for (const next of waiting.get(item.urn) ?? []) {
            if (--missing[next] === 0 && !placed[next]) ready.push(next);
        }
    }
    return out;
}

function toDocument(
    project: string,
    stack: string,
    resources: RecordedResource[],
    outputs: Record<string, unknown>,
    config: Record<string, string>,
    warnings: string[],
    deployed: Record<string, Record<string, unknown>> = {},
    errors: string[] = [],
): PlanDocument {
    const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
    const providers = defaultProviders(project, stack, resources, config);
    const providerOf = new Map(
        providers.map((p) => [p.type.replace("pulumi:providers:", ""), `${p.urn}::${UNKNOWN_PROVIDER_ID}`]),
    );

    const states: (PlanStep["newState"] & { importId?: string })[] = [
        {
            urn: stackUrn,
            custom: false,
            id: "",
            type: "pulumi:pulumi:Stack",
            inputs: {},
            outputs,
            protect: false,
            dependencies: [],
        },
        ...[...providers, ...resources].map((r) => {
            const provider =
                r.custom && !r.type.startsWith("pulumi:providers:")
                    ? r.provider || providerOf.get(r.type.split(":")[0])
                    : undefined;
            return {
                urn: r.urn,
                custom: r.custom,
                id: "",
                type: r.type,
                inputs: sortKeys(r.inputs) as Record<string, unknown>,
                parent: r.parent || stackUrn,
                protect: r.protect,
                ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
                ...(r.ignoreChanges?.length ? { ignoreChanges: r.ignoreChanges } : {}),
                // In the order the program lists them: the first names the object the mocks key its id by
                // (plan/identity.ts).
                ...(r.aliases?.length ? { aliases: r.aliases.map((a) => aliasUrn(a, r, stack, project)) } : {}),
                ...(r.importId ? { importId: r.importId } : {}),
                ...(r.replaceOnChanges?.length ? { replaceOnChanges: r.replaceOnChanges } : {}),
                dependencies: r.dependencies,
                ...(provider ? { provider } : {}),
            };
        }),
    ];
    // An adopted resource is an `import` step whose new state has the deployed object's id, as
    // `pulumi preview --json` shows it (pulumi/pulumi pkg/resource/deploy/step.go, ImportStep).
    // Then the engine diffs the program's inputs against what it read and updates the object in
    // the same deployment (plan/adoption.ts).
    const steps: PlanStep[] = orderSteps(states).map(({ importId, ...s }) => ({
        op: importId ? "import" : "create",
        urn: s.urn,
        ...(s.provider ? { provider: s.provider } : {}),
        ...(importId ? { update: adoptionUpdate(s.type, s.inputs, s.ignoreChanges ?? [], deployed[importId]) } : {}),
        newState: importId ? { ...s, id: importId } : s,
    }));
    const imports = steps.filter((s) => s.op === "import").length;
    return {
        config,
        steps,
        // A failed lookup's error comes before the warnings the program logs on what it learned.
        diagnostics: [
            ...errors.map((message) => ({ urn: stackUrn, prefix: "error: ", message, severity: "error" as const })),
            ...warnings.map((message) => ({
                urn: stackUrn,
                prefix: "warning: ",
                message,
                severity: "warning" as const,
            })),
        ],
        changeSummary: { create: steps.length - imports, ...(imports > 0 ? { import: imports } : {}) },
    };
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
        return out;
    }
    return value;
}
