import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type {
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import pc from "picocolors";
import { UNKNOWN } from "./mocks";
import type { PlanDocument, PlanStep } from "./plan";
import { PlanInputError } from "./stackConfig";

/**
 * CrossGuard, offline: loads a policy pack the way `pulumi preview --policy-pack <dir>` does (its
 * own module, its own `package.json` version) and runs each policy's `validateResource` and
 * `validateStack` on the planned resources, with the arguments the engine gives, so that the same
 * pack gives the same violations with and without the Pulumi CLI.
 */

/** Exit code of `npm run plan` when a mandatory policy is violated. */
export const EXIT_POLICY_VIOLATION = 4;

type Policy = ResourceValidationPolicy | StackValidationPolicy;

/** A policy pack as its module declared it. */
export interface LoadedPolicyPack {
    name: string;
    version: string;
    /** The pack's default enforcement level. */
    enforcementLevel: EnforcementLevel;
    policies: Policy[];
}

/** One policy's settings in a pack config file: a level, or a level with the policy's own settings. */
export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);

/** A pack config file, as `--policy-pack-config` takes it: policy name (or `all`) to settings. */
export type PolicyPackConfig = Record<string, PolicyConfigEntry>;

/** One violation, in the shape `pulumi preview --json` reports policy events. */
export interface PolicyViolation {
    policyPackName: string;
    policyPackVersion: string;
    policyName: string;
    enforcementLevel: "advisory" | "mandatory";
    /** The policy's description, then the violation's own message, as the engine joins them. */
    message: string;
    /** The resource in violation; omitted: the stack as a whole. */
    urn?: string;
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
const loaded = new Map<string, LoadedPolicyPack>();

/**
 * Loads the pack in `dir`. Its module constructs a `PolicyPack`, which would serve the policies to
 * the engine over gRPC: the serving function of `@pulumi/policy` (an internal the constructor
 * calls, `server.serve`) is swapped for one that keeps the pack's arguments instead.
 */
export async function loadPolicyPack(dir: string): Promise<LoadedPolicyPack> {
    const packDir = path.resolve(dir);
    const cached = loaded.get(packDir);
    if (cached) return cached;
    if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
        throw new PlanInputError(`--policy-pack: ${dir}: no PulumiPolicy.yaml; expected a policy pack folder`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8")) as { main?: string };
    const main = path.join(packDir, pkg.main ?? "index.ts");
    const requireFromPack = createRequire(main);
    const server = requireFromPack("@pulumi/policy/server") as { serve: (...args: unknown[]) => void };

    let pack: LoadedPolicyPack | undefined;
    const serve = server.serve;
    server.serve = (name, version, enforcementLevel, args) => {
        pack = {
            name: name as string,
            version: version as string,
            enforcementLevel: enforcementLevel as EnforcementLevel,
            policies: (args as { policies?: Policy[] }).policies ?? [],
        };
    };
    // The PolicyPack constructor reads the version from the package.json of the working folder.
    const cwd = process.cwd();
    process.chdir(packDir);
    try {
        if (/\.[cm]?ts$/.test(main)) {
            // A TypeScript pack, loaded as CommonJS as `pulumi preview --policy-pack` loads it
            // (with ts-node): compiled by tsx for this load alone, whether or not this process
            // runs under tsx's loader (`npm run plan` runs a bundle with none: plan/launch.cjs).
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const tsx = require("tsx/cjs/api") as { require: (id: string, fromFile: string) => unknown };
            tsx.require(main, __filename);
        } else {
            requireFromPack(main);
        }
    } finally {
        process.chdir(cwd);
        server.serve = serve;
    }
    if (!pack) throw new PlanInputError(`--policy-pack: ${main} declares no PolicyPack`);
    loaded.set(packDir, pack);
    return pack;
}

/** Reads and checks a pack config file against the pack's policies and their config schemas. */
export function readPolicyConfig(file: string, pack: LoadedPolicyPack): PolicyPackConfig {
    let config: unknown;
    try {
        config = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new PlanInputError(`--policy-pack-config: ${file}: ${(err as Error).message}`);
    }
    if (!config || typeof config !== "object" || Array.isArray(config)) {
        throw new PlanInputError(`--policy-pack-config: ${file}: expected an object of policy names to settings`);
    }
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(config)) {
        const policy = pack.policies.find((p) => p.name === name);
        if (!policy && name !== "all") {
            problems.push(
                `${name}: no such policy in ${pack.name}; its policies are ${pack.policies.map((p) => p.name).join(", ")}`,
            );
            continue;
        }
        const level = typeof entry === "string" ? entry : (entry as { enforcementLevel?: unknown })?.enforcementLevel;
        if (level !== undefined && !LEVELS.includes(level as EnforcementLevel)) {
            problems.push(
                `${name}: expected an enforcement level (${LEVELS.join(", ")}), found ${JSON.stringify(level)}`,
            );
        }
        if (entry && typeof entry === "object") {
            const known = Object.keys(policy?.configSchema?.properties ?? {});
            for (const key of Object.keys(entry).filter((k) => k !== "enforcementLevel" && !known.includes(k))) {
                problems.push(
                    `${name}.${key}: not a setting of this policy${known.length ? ` (${known.join(", ")})` : ""}`,
                );
            }
        } else if (typeof entry !== "string") {
            problems.push(`${name}: expected an enforcement level or an object, found ${JSON.stringify(entry)}`);
        }
    }
    if (problems.length > 0) {
        throw new PlanInputError(`--policy-pack-config: ${file}:\n  ${problems.join("\n  ")}`);
    }
    return config as PolicyPackConfig;
}

/** A policy's level under the config: its entry, then `all`, then its own, then the pack's. */
export function levelOf(policy: Policy, pack: LoadedPolicyPack, config: PolicyPackConfig): EnforcementLevel {
    const of = (e: PolicyConfigEntry | undefined) => (typeof e === "string" ? e : e?.enforcementLevel);
    return of(config[policy.name]) ?? of(config.all) ?? policy.enforcementLevel ?? pack.enforcementLevel;
}

function settingsOf(policy: Policy, config: PolicyPackConfig): Record<string, unknown> {
    const entry = config[policy.name];
    if (!entry || typeof entry === "string") return {};
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { enforcementLevel: _, ...settings } = entry;
    return settings;
}

/** What the engine throws when a policy reads a value only known after the update. */
class UnknownValueError extends Error {}
class NotApplicable extends Error {}

/** The inputs, as the engine hands them to policies: reading an unknown value throws. */
function unknownChecking<T>(value: T, at: string[] = []): T {
    if (!value || typeof value !== "object") return value;
    return new Proxy(value as object, {
        get: (obj, prop) => {
            const field = (obj as Record<string | symbol, unknown>)[prop];
            const where = [...at, String(prop)];
            if (field === UNKNOWN) throw new UnknownValueError(`${where.join(".")} is unknown until the update`);
            const desc = Object.getOwnPropertyDescriptor(obj, prop);
            if (desc && "value" in desc && desc.configurable === false && desc.writable === false) return field;
            return unknownChecking(field, where);
        },
    }) as T;
}

function nameOf(urn: string): string {
    return urn.split("::").at(-1) ?? urn;
}

function optionsOf(state: PlanStep["newState"]): PolicyResourceOptions {
    return {
        protect: state.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(state.parent ? { parent: state.parent } : {}),
    };
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const cls = resourceClass as { __pulumiType?: string; isInstance?: (o: unknown) => boolean };
    return cls.__pulumiType !== undefined
        ? cls.__pulumiType === type
        : cls.isInstance?.({ __pulumiType: type }) === true;
}

/**
 * Runs the pack on a plan: `validateResource` of every resource policy on each planned resource
 * (the stack itself excepted), then `validateStack` of every stack policy on all of them.
 */
export async function evaluatePolicies(
    doc: PlanDocument,
    pack: LoadedPolicyPack,
    config: PolicyPackConfig = {},
): Promise<PolicyViolation[]> {
    const states = doc.steps.map((s) => s.newState).filter((s) => s.type !== "pulumi:pulumi:Stack");
    const byUrn = new Map(states.map((s) => [s.urn, s]));
    const providerOf = (s: PlanStep["newState"]) => {
        const urn = s.provider?.split("::").slice(0, -1).join("::");
        const p = urn ? byUrn.get(urn) : undefined;
        return p ? { type: p.type, props: unknownChecking(p.inputs), urn: p.urn, name: nameOf(p.urn) } : undefined;
    };
    const violations: PolicyViolation[] = [];

    const run = async (
        policy: Policy,
        check: (report: (message: string, urn?: string) => void) => unknown,
        subject?: string,
    ) => {
        const raw = levelOf(policy, pack, config);
        if (raw === "disabled") return;
        // No remediation offline: a remediating policy's remaining violations count as mandatory, as the engine reports them.
        const level = raw === "remediate" ? "mandatory" : raw;
        const report = (message: string, urn?: string, as = level) =>
            violations.push({
                policyPackName: pack.name,
                policyPackVersion: pack.version,
                policyName: policy.name,
                enforcementLevel: as,
                message: message ? `${policy.description}\n${message}` : policy.description,
                ...(urn ? { urn } : {}),
            });
        try {
            await check((message, urn) => report(message, urn));
        } catch (err) {
            if (err instanceof NotApplicable) return;
            if (err instanceof UnknownValueError) {
                report(`can't run policy '${policy.name}' during preview: ${err.message}`, subject, "advisory");
                return;
            }
            throw new Error(`policy '${policy.name}' of ${pack.name} failed: ${(err as Error).message}`, {
                cause: err,
            });
        }
    };
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };

    for (const state of states) {
        for (const policy of pack.policies) {
            if (!("validateResource" in policy) || !policy.validateResource) continue;
            const validations = [policy.validateResource].flat();
            const props = unknownChecking(state.inputs);
            const provider = providerOf(state);
            const args: ResourceValidationArgs = {
                type: state.type,
                props,
                urn: state.urn,
                name: nameOf(state.urn),
                opts: optionsOf(state),
                ...(provider ? { provider } : {}),
                stackTags: new Map(),
                isType: (cls) => isTypeOf(state.type, cls),
                asType: ((cls: unknown) =>
                    isTypeOf(state.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
                getConfig: <T extends object>() => settingsOf(policy, config) as T,
                notApplicable,
            };
            for (const validate of validations) {
                await run(policy, (report) => validate(args, (message) => report(message, state.urn)), state.urn);
            }
        }
    }

    const resources = new Map<string, PolicyResource>();
    for (const s of states) {
        const props = unknownChecking(s.inputs);
        resources.set(s.urn, {
            type: s.type,
            props,
            urn: s.urn,
            name: nameOf(s.urn),
            opts: optionsOf(s),
            provider: providerOf(s),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(s.type, cls),
            asType: ((cls: unknown) => (isTypeOf(s.type, cls) ? props : undefined)) as PolicyResource["asType"],
        });
    }
    for (const s of states) {
        const r = resources.get(s.urn) as PolicyResource;
        r.parent = s.parent ? resources.get(s.parent) : undefined;
        r.dependencies = s.dependencies.map((d) => resources.get(d)).filter((d): d is PolicyResource => !!d);
    }
    for (const policy of pack.policies) {
        if (!("validateStack" in policy)) continue;
        const args: StackValidationArgs = {
            resources: [...resources.values()],
            stackTags: new Map(),
            getConfig: <T extends object>() => settingsOf(policy, config) as T,
            notApplicable,
        };
        await run(policy, (report) => policy.validateStack(args, report));
    }
    return violations;
}

/** Whether any violation stops the update (`pulumi preview` fails on a mandatory one). */
export function hasMandatory(violations: PolicyViolation[]): boolean {
    return violations.some((v) => v.enforcementLevel === "mandatory");
}

/**
 * The "Policy Violations:" section `pulumi preview` prints: the level, the pack and its version,
 * the policy and the resource, then the message.
 */
export function renderViolations(violations: PolicyViolation[], doc: PlanDocument, color: boolean): string {
    if (violations.length === 0) return "";
    const c = pc.createColors(color);
    const types = new Map(doc.steps.map((s) => [s.urn, s.newState.type]));
    const lines = ["", "Policy Violations:"];
    for (const v of violations) {
        const level = v.enforcementLevel === "mandatory" ? c.red("[mandatory]") : c.yellow("[advisory]");
        const where = v.urn ? `  (${types.get(v.urn) ?? "?"}: ${nameOf(v.urn)})` : "";
        lines.push(`    ${level}  ${v.policyPackName} v${v.policyPackVersion}  ${v.policyName}${where}`);
        for (const line of v.message.split("\n")) lines.push(`    ${line}`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * The "Policies:" line `pulumi preview` prints under a pack's result, with what it ran: how many
 * of the policies the config leaves enabled passed (a policy passes when it reported nothing).
 */
export function renderPolicySummary(
    violations: PolicyViolation[],
    pack: LoadedPolicyPack,
    config: PolicyPackConfig,
    color: boolean,
): string {
    const c = pc.createColors(color);
    const ran = pack.policies.filter((p) => levelOf(p, pack, config) !== "disabled");
    const failed = new Set(violations.map((v) => v.policyName));
    const passed = ran.filter((p) => !failed.has(p.name)).length;
    const disabled = pack.policies.length - ran.length;
    const mark = failed.size === 0 ? c.green("passed") : c.yellow(`passed, ${failed.size} reported violations`);
    return `\nPolicies:\n    ${pack.name}@v${pack.version}: ${passed} of ${ran.length} ${ran.length === 1 ? "policy" : "policies"} ${mark}${disabled > 0 ? ` (${disabled} disabled by the config)` : ""}\n`;
}
