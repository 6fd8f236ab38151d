import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { routeTarget } from "../../config/schema";

/**
 * Serving a model version that does not exist fails the deploy (databricks/mlops-stacks#217:
 * on a first deploy no training run has registered a version yet). This program looks the
 * versions up before it declares anything and defers the endpoint, and the monitor on its
 * inference table, while the model does not exist.
 *
 * The lookup decides whether a live endpoint stays in the program, so it is read with suspicion:
 * the provider's `getRegisteredModelVersions` reads one page of a paged API (a page may be empty
 * and still have more behind it), an invoke on a provider the engine cannot configure yet
 * answers `{}`, and a host pointed at the wrong workspace answers "catalog does not exist". Only
 * a precise "this model does not exist" defers the endpoint; everything else keeps serving what
 * the config names, or stops the deploy.
 */

/** What the version lookup said, as far as it can be trusted. */
export type VersionLookup =
    /** The model exists; these versions were listed (possibly one page of several). */
    | { kind: "listed"; versions: string[] }
    /** Unity Catalog said precisely that the model (or the schema this stack creates for it) does not exist. */
    | { kind: "modelNotFound" }
    /** The workspace could not be asked, or answered nothing usable: nothing is known. */
    | { kind: "unknown"; reason: string };

/** What the alias lookup said: the model's aliases and their versions, or nothing to go by. */
export type AliasLookup =
    | { kind: "aliases"; aliases: Record<string, string> }
    | { kind: "modelNotFound" }
    | { kind: "unknown"; reason: string };

/** A configured route: a version number or an alias. */
export interface RouteConfig {
    version?: string;
    alias?: string;
    trafficPercentage: number;
}

/**
 * What to do with a project's endpoint: serve, with each route's version (`undefined`: an alias
 * the workspace could not resolve now, known at deploy) and a warning to print when something
 * was not verified; defer (the model does not exist yet); or stop on a route the model cannot
 * serve.
 */
export type ServingDecision =
    | { serve: true; versions: (string | undefined)[]; warning?: string }
    | { serve: false; reason: string }
    | { serve: false; error: { routeIndex: number; message: string } };

/**
 * Decides from the lookups. A missing model defers the endpoint (a first deploy); an unknown or
 * incomplete version list never does, since deferring would delete a live endpoint: the
 * configured versions are served and a warning says what could not be checked (if a version
 * really does not exist, the endpoint update fails and nothing is deleted). An alias the model
 * does not have is an error naming the route; an alias that cannot be looked up now stays
 * unresolved until the deploy.
 */
export function decideServing(
    modelFullName: string,
    routes: RouteConfig[],
    versions: VersionLookup | undefined,
    aliases: AliasLookup | undefined,
): ServingDecision {
    if (versions?.kind === "modelNotFound" || aliases?.kind === "modelNotFound") {
        return {
            serve: false,
            reason:
                `model ${modelFullName} does not exist yet: the serving endpoint and its quality monitor are deferred. ` +
                "Run the training job (or let a file land in the training-data volume), then run `pulumi up` again.",
        };
    }
    const warnings: string[] = [];
    const configured = routes.filter((r) => r.version !== undefined).map((r) => r.version as string);
    if (versions?.kind === "unknown" && configured.length > 0) {
        warnings.push(
            `could not check the versions of model ${modelFullName} (${versions.reason}); serving the configured versions ${configured.join(", ")}.`,
        );
    }
    if (versions?.kind === "listed") {
        const missing = configured.filter((v) => !versions.versions.includes(v));
        if (missing.length > 0) {
            const listed =
                versions.versions.length === 0 ? "no versions" : `only versions ${versions.versions.join(", ")}`;
            warnings.push(
                `model ${modelFullName} exists, but the provider listed ${listed}, not ${missing.join(", ")}; ` +
                    "the list may be one page of several, so the configured versions are served. " +
                    "If a version really does not exist, the endpoint update fails and nothing is deleted: run the training job first.",
            );
        }
    }
    const resolved: (string | undefined)[] = [];
    for (const [i, r] of routes.entries()) {
        if (r.alias === undefined) {
            resolved.push(r.version);
            continue;
        }
        if (aliases?.kind !== "aliases") {
            warnings.push(
                `could not resolve alias ${r.alias} of model ${modelFullName} (${aliases?.kind === "unknown" ? aliases.reason : "not looked up"}); its version is known at deploy.`,
            );
            resolved.push(undefined);
            continue;
        }
        const version = aliases.aliases[r.alias];
        if (version === undefined) {
            const known = Object.entries(aliases.aliases)
                .map(([a, v]) => `${a}=${v}`)
                .join(", ");
            return {
                serve: false,
                error: {
                    routeIndex: i,
                    message: `expected an alias that model ${modelFullName} has (${known || "it has none"}), found "${r.alias}"`,
                },
            };
        }
        resolved.push(version);
    }
    return { serve: true, versions: resolved, ...(warnings.length > 0 ? { warning: warnings.join(" ") } : {}) };
}

/** Whether any route serves an alias, or a version number. */
export function routeKinds(routes: RouteConfig[]): { aliases: boolean; versions: boolean } {
    return {
        aliases: routes.some((r) => r.alias !== undefined),
        versions: routes.some((r) => r.version !== undefined),
    };
}

/** The served entity key of a route: the version number or the alias. */
export function routeKey(r: RouteConfig): string {
    return routeTarget(r).replace(/^@/, "");
}

/**
 * Whether a lookup error says that this model does not exist: Unity Catalog's
 * RESOURCE_DOES_NOT_EXIST naming the model itself, or the schema this stack creates to hold it
 * (on a first deploy neither exists). A missing catalog is not a first deploy: the catalog is
 * the metastore admin's, and a host pointed at the wrong workspace says exactly that.
 */
export function isModelNotFound(err: unknown, modelFullName: string): boolean {
    const text = errorText(err);
    if (!/RESOURCE_DOES_NOT_EXIST|does not exist|not found/i.test(text)) return false;
    const [catalog, schema] = modelFullName.split(".");
    const names = [modelFullName, `${catalog}.${schema}`].map((n) => n.toLowerCase());
    const quoted = [...text.matchAll(/'([^']+)'|"([^"]+)"|`([^`]+)`/g)].map((m) =>
        (m[1] ?? m[2] ?? m[3]).toLowerCase(),
    );
    return quoted.some((q) => names.includes(q));
}

/** Errors of an Azure lookup that mean the resource (or its resource group) does not exist. */
export function isAzureNotFound(err: unknown): boolean {
    return /\b(ResourceNotFound|ResourceGroupNotFound)\b/.test(errorText(err));
}

function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/**
 * A model-version lookup that failed for a reason other than "no such model". A `RunError`:
 * `pulumi up` prints its message without a stack trace.
 */
export class ModelLookupError extends pulumi.RunError {
    constructor(modelFullName: string, cause: unknown) {
        super(
            `cannot look up the versions of model ${modelFullName}: ${errorText(cause)}\n` +
                '  The deploy stops rather than read this as "no versions" (which would delete a live serving endpoint). ' +
                "Check databricks:host (the right workspace?), the credentials, and that the catalog exists.",
        );
        this.name = "ModelLookupError";
    }
}

/**
 * Asks the workspace which versions a Unity Catalog model has. A precise not-found is
 * `modelNotFound`; an answer without the model's name (an unconfigured provider's `{}`) is
 * `unknown`; any other error throws a ModelLookupError.
 */
export async function lookUpModelVersions(fullName: string, opts?: pulumi.InvokeOptions): Promise<VersionLookup> {
    let result: Partial<databricks.GetRegisteredModelVersionsResult>;
    try {
        result = await databricks.getRegisteredModelVersions({ fullName }, opts);
    } catch (err) {
        if (isModelNotFound(err, fullName)) return { kind: "modelNotFound" };
        throw new ModelLookupError(fullName, err);
    }
    if (!result?.fullName) {
        return { kind: "unknown", reason: "the provider answered nothing: its workspace is not configured yet" };
    }
    const versions = (result.modelVersions ?? [])
        .map((v) => v.version)
        .filter((v): v is number => v !== undefined)
        .map(String);
    return { kind: "listed", versions };
}

/**
 * The aliases of a Unity Catalog model and the versions they point at, from the provider's
 * `getRegisteredModel` (with aliases). The same rules as the version lookup: a precise not-found
 * is `modelNotFound`, an empty answer `unknown`, anything else a ModelLookupError.
 */
export async function lookUpModelAliases(fullName: string, opts?: pulumi.InvokeOptions): Promise<AliasLookup> {
    let result: Partial<databricks.GetRegisteredModelResult>;
    try {
        result = await databricks.getRegisteredModel({ fullName, includeAliases: true }, opts);
    } catch (err) {
        if (isModelNotFound(err, fullName)) return { kind: "modelNotFound" };
        throw new ModelLookupError(fullName, err);
    }
    const info = result?.modelInfos?.[0];
    if (!result?.fullName || !info) {
        return { kind: "unknown", reason: "the provider answered nothing: its workspace is not configured yet" };
    }
    return { kind: "aliases", aliases: aliasVersions(info.aliases ?? []) };
}

/** `{champion: "3"}` from the provider's alias list. */
export function aliasVersions(list: { aliasName?: string; versionNum?: number }[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const a of list) if (a.aliasName && a.versionNum !== undefined) out[a.aliasName] = String(a.versionNum);
    return out;
}
