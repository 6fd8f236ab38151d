import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { ServedVersion } from "./servingEndpoint";

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

/** What to do with a project's endpoint: serve (with a warning to print, when unverified) or defer. */
export type ServingDecision = { serve: true; warning?: string } | { serve: false; reason: string };

/**
 * Decides from the lookup. A missing model defers the endpoint (a first deploy); an unknown or
 * incomplete answer never does, since deferring would delete a live endpoint: the configured
 * versions are served and a warning says what could not be checked (if a version really does not
 * exist, the endpoint update fails and nothing is deleted).
 */
export function decideServing(modelFullName: string, routes: ServedVersion[], lookup: VersionLookup): ServingDecision {
    switch (lookup.kind) {
        case "modelNotFound":
            return {
                serve: false,
                reason:
                    `model ${modelFullName} does not exist yet: the serving endpoint and its quality monitor are deferred. ` +
                    "Run the training job (or let a file land in the training-data volume), then run `pulumi up` again.",
            };
        case "unknown":
            return {
                serve: true,
                warning: `could not check the versions of model ${modelFullName} (${lookup.reason}); serving the configured versions ${routes.map((r) => r.version).join(", ")}.`,
            };
        case "listed": {
            const missing = routes.map((r) => r.version).filter((v) => !lookup.versions.includes(v));
            if (missing.length === 0) return { serve: true };
            const listed = lookup.versions.length > 0 ? lookup.versions.join(", ") : "none";
            return {
                serve: true,
                warning:
                    `model ${modelFullName} exists, but the provider listed ${lookup.versions.length === 0 ? "no versions" : `only versions ${listed}`}, ` +
                    `not ${missing.join(", ")}; the list may be one page of several, so the configured versions are served. ` +
                    "If a version really does not exist, the endpoint update fails and nothing is deleted: run the training job first.",
            };
        }
    }
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
