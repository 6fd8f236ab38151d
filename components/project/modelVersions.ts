import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { routeTarget } from "../../config/schema";

/**
 * Serving a model version that does not exist fails the deploy (databricks/mlops-stacks#217:
 * on a first deploy no training run has registered a version yet). This program looks the
 * versions and aliases up before it declares anything. While the model lacks what a route names
 * (the model itself, a version, an alias), a new endpoint is deferred with what reads its tables,
 * and a live endpoint keeps serving what it serves: every other change still deploys.
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
 * What the configured routes need from the model: each route's version (`undefined`: an alias
 * the workspace could not resolve now, known at deploy) and a warning to print when something
 * was not verified; or what the model lacks (the model itself, a version, an alias), which
 * defers a new endpoint or holds a live one (see `settleMissing`).
 */
export type ServingDecision =
    { serve: true; versions: (string | undefined)[]; warning?: string } | { serve: false; missing: MissingTarget };

/** What a model lacks that the routes name. */
export interface MissingTarget {
    /** `model X does not exist yet` or `model X has no alias champion (it has none)`. */
    what: string;
    /** The routes that cannot be served now, by index. */
    routeIndexes: number[];
}

/**
 * Decides from the lookups. A route is served when its version is listed or its alias resolves;
 * an unknown lookup never holds anything back (the configured versions are served and a warning
 * says what could not be checked; an alias that cannot be looked up now is resolved at deploy).
 * A model that does not exist, a version the listed page lacks and an alias the model does not
 * have are missing: the caller defers the endpoint, or keeps a live one as it is.
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
            missing: { what: `model ${modelFullName} does not exist yet`, routeIndexes: routes.map((_, i) => i) },
        };
    }
    const warnings: string[] = [];
    const lacking: string[] = [];
    const routeIndexes: number[] = [];
    const configured = routes.filter((r) => r.version !== undefined).map((r) => r.version as string);
    if (versions?.kind === "unknown" && configured.length > 0) {
        warnings.push(
            `could not check the versions of model ${modelFullName} (${versions.reason}); serving the configured versions ${configured.join(", ")}.`,
        );
    }
    const resolved: (string | undefined)[] = [];
    for (const [i, r] of routes.entries()) {
        if (r.alias === undefined) {
            if (versions?.kind === "listed" && !versions.versions.includes(r.version as string)) {
                const listed =
                    versions.versions.length === 0
                        ? "it lists no versions"
                        : `it lists ${versions.versions.join(", ")}`;
                // The provider reads one page of the versions (ListByFullName, not ListAll:
                // terraform-provider-databricks data_registered_model_versions.go).
                lacking.push(`version ${r.version} (${listed}; the provider reads one page of versions)`);
                routeIndexes.push(i);
            }
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
            lacking.push(`alias ${r.alias} (${known ? `it has ${known}` : "it has no aliases"})`);
            routeIndexes.push(i);
        }
        resolved.push(version);
    }
    if (lacking.length > 0) {
        return {
            serve: false,
            missing: { what: `model ${modelFullName} has no ${lacking.join(", nor ")}`, routeIndexes },
        };
    }
    return { serve: true, versions: resolved, ...(warnings.length > 0 ? { warning: warnings.join(" ") } : {}) };
}

/** What the workspace said of a serving endpoint: it serves these entities now, it does not exist, or nothing to go by. */
export type EndpointLookup =
    { kind: "exists"; served: LiveEntity[] } | { kind: "absent" } | { kind: "unknown"; reason: string };

/** One entity a live endpoint serves: its name (`<model>-<key>`) and version. */
export interface LiveEntity {
    name: string;
    version: string;
}

/** What becomes of an endpoint whose routes name what the model lacks. */
export type Settlement =
    /** No endpoint yet: leave it, and what reads its tables, out of this deploy. */
    | { action: "defer"; warning: string }
    /** A live endpoint: keep it serving what it serves, unchanged (`routes` as it serves them). */
    | { action: "hold"; routes: LiveRoute[]; warning: string };

/** A route of a live endpoint: its key, version and (guessed) traffic share, and the served entity's own name. */
export interface LiveRoute {
    key: string;
    version: string;
    trafficPercentage: number;
    servedEntityName: string;
}

/**
 * Defers an endpoint that does not exist yet, or keeps a live one serving what it serves now,
 * when its routes name what the model lacks; the warning names what is missing and what to run.
 * An endpoint lookup that says nothing certain stops the deploy: deferring a live endpoint would
 * delete it.
 */
export function settleMissing(
    missing: MissingTarget,
    endpointName: string,
    endpoint: EndpointLookup,
    context: { modelName: string; routes: RouteConfig[]; toRun: string },
): Settlement {
    const then = `${context.toRun}; then run \`pulumi up\` again.`;
    if (endpoint.kind === "unknown") {
        throw new pulumi.RunError(
            `${missing.what}, and whether the serving endpoint ${endpointName} exists cannot be told (${endpoint.reason}).\n` +
                "  The deploy stops rather than leave out an endpoint that may be live (Pulumi would delete it).",
        );
    }
    if (endpoint.kind === "absent") {
        return {
            action: "defer",
            warning:
                `${missing.what}: the serving endpoint ${endpointName} is deferred, with what reads its tables ` +
                "(the quality monitor, the processed inference table and its job, retraining, the A/B query); everything else deploys. " +
                then,
        };
    }
    const routes = liveRoutes(endpoint.served, context.modelName, context.routes);
    const serving = routes.map((r) => `${r.key} at version ${r.version}`).join(", ") || "nothing";
    return {
        action: "hold",
        routes,
        warning:
            `${missing.what}: the serving endpoint ${endpointName} keeps serving what it serves now (${serving}), unchanged until the model has it. ` +
            then,
    };
}

/**
 * The routes of a live endpoint, as this program names them: the key is the served entity's name
 * without the `<model>-` prefix, and the entity keeps its own name; the traffic is the configured
 * split where the live routes are exactly configured routes whose shares sum to 100, else an even
 * split (the endpoint list does not return the traffic; a held endpoint keeps its deployed split:
 * see ServingEndpoint's `keepLiveConfig`).
 */
export function liveRoutes(served: LiveEntity[], modelName: string, routes: RouteConfig[]): LiveRoute[] {
    const keyed = served.map((e) => ({
        key: e.name.startsWith(`${modelName}-`) ? e.name.slice(modelName.length + 1) : e.name,
        version: e.version,
        servedEntityName: e.name,
    }));
    const share = (key: string) => routes.find((r) => routeKey(r) === key)?.trafficPercentage;
    const configured = keyed.map((r) => share(r.key));
    if (configured.every((t) => t !== undefined) && configured.reduce((a, t) => a + (t ?? 0), 0) === 100) {
        return keyed.map((r, i) => ({ ...r, trafficPercentage: configured[i] as number }));
    }
    const even = Math.floor(100 / Math.max(keyed.length, 1));
    return keyed.map((r, i) => ({ ...r, trafficPercentage: i === 0 ? 100 - even * (keyed.length - 1) : even }));
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

/** What the catalog's schema list says of the schema that holds a model. */
export type SchemaLookup =
    /** The schema is listed: the model may exist; its own lookups tell. */
    | { kind: "listed" }
    /** The catalog lists no such schema: neither it nor the model exists yet (a first deploy). */
    | { kind: "absent" }
    /** The workspace answered nothing usable: nothing is known. */
    | { kind: "unknown"; reason: string };

/**
 * Whether the schema that holds a model exists, from the catalog's schema list (the provider's
 * `getSchemas`: the SDK's `Schemas.ListAll`, every page; terraform-provider-databricks
 * `catalog/data_schemas.go`). A list answers "absent" by leaving the name out; the model's own
 * data sources answer it with an error, which the provider also logs as an error diagnostic
 * (`registered_model/data_registered_model.go` and `data_registered_model_versions.go` call
 * `AddError` on a not-found), so a first deploy asks the list first. Unity Catalog lists the
 * schemas the caller holds a privilege on, and the deploying identity owns the schema it
 * created. A catalog that does not exist (a host pointed at the wrong workspace), or a list the
 * identity may not make, throws a ModelLookupError; an unconfigured provider's `{}` is `unknown`.
 */
export async function lookUpModelSchema(modelFullName: string, opts?: pulumi.InvokeOptions): Promise<SchemaLookup> {
    const [catalogName, schemaName] = modelFullName.split(".");
    let result: Partial<databricks.GetSchemasResult>;
    try {
        result = await databricks.getSchemas({ catalogName }, opts);
    } catch (err) {
        throw new ModelLookupError(modelFullName, err);
    }
    if (!result?.catalogName) {
        return { kind: "unknown", reason: "the provider answered nothing: its workspace is not configured yet" };
    }
    // Unity Catalog names are case-insensitive and listed in lower case.
    const wanted = `${catalogName}.${schemaName}`.toLowerCase();
    return (result.ids ?? []).some((id) => id.toLowerCase() === wanted) ? { kind: "listed" } : { kind: "absent" };
}

/**
 * The lookups a project's routes need (`versions` for version routes, `aliases` for alias
 * routes), each made only where the schema list does not already say the model is absent: a
 * first deploy asks nothing that fails. Where the schema is listed (or the list says nothing),
 * the model's own lookups decide, with their rules.
 */
export async function lookUpModel(
    fullName: string,
    needs: { versions: boolean; aliases: boolean },
    opts?: pulumi.InvokeOptions,
): Promise<{ versions?: VersionLookup; aliases?: AliasLookup }> {
    const schema = await lookUpModelSchema(fullName, opts);
    if (schema.kind === "absent") {
        const absent = { kind: "modelNotFound" } as const;
        return { versions: needs.versions ? absent : undefined, aliases: needs.aliases ? absent : undefined };
    }
    return {
        versions: needs.versions ? await lookUpModelVersions(fullName, opts) : undefined,
        aliases: needs.aliases ? await lookUpModelAliases(fullName, opts) : undefined,
    };
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

/** A serving-endpoint lookup that failed (forbidden, an outage): never read as "no endpoint". */
export class EndpointLookupError extends pulumi.RunError {
    constructor(endpointName: string, cause: unknown) {
        super(
            `cannot look up the serving endpoint ${endpointName}: ${errorText(cause)}\n` +
                '  The deploy stops rather than read this as "no endpoint" (leaving a live endpoint out would delete it). ' +
                "Check databricks:host, the credentials, and that the deploying identity may list serving endpoints.",
        );
        this.name = "EndpointLookupError";
    }
}

/**
 * Whether a serving endpoint exists, and what it serves, from the provider's
 * `getServingEndpoints` (every endpoint the deploying identity can see: the SDK's ListAll,
 * terraform-provider-databricks `data_serving_endpoints.go`; the provider keeps the deploying
 * identity CAN_MANAGE on the endpoints it deploys, `permissions/permission_definitions.go`). An
 * answer without the list (an unconfigured provider's `{}`) is `unknown`; an error throws.
 */
export async function lookUpEndpoint(endpointName: string, opts?: pulumi.InvokeOptions): Promise<EndpointLookup> {
    let result: Partial<databricks.GetServingEndpointsResult>;
    try {
        result = await databricks.getServingEndpoints({}, opts);
    } catch (err) {
        throw new EndpointLookupError(endpointName, err);
    }
    if (!result?.endpoints) {
        return { kind: "unknown", reason: "the provider answered nothing: its workspace is not configured yet" };
    }
    const found = result.endpoints.find((e) => e.name === endpointName);
    if (!found) return { kind: "absent" };
    const config = found.configs?.[0];
    const served = [
        ...(config?.servedEntities ?? []).map((e) => ({ name: e.name ?? "", version: e.entityVersion ?? "" })),
        ...(config?.servedModels ?? []).map((m) => ({ name: m.name ?? "", version: m.modelVersion ?? "" })),
    ];
    return { kind: "exists", served };
}

/** `{champion: "3"}` from the provider's alias list. */
export function aliasVersions(list: { aliasName?: string; versionNum?: number }[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const a of list) if (a.aliasName && a.versionNum !== undefined) out[a.aliasName] = String(a.versionNum);
    return out;
}
