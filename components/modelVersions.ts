import * as databricks from "@pulumi/databricks";
import type * as pulumi from "@pulumi/pulumi";
import type { ServedVersion } from "./servingEndpoint";

/**
 * Serving a model version that does not exist fails the deploy (databricks/mlops-stacks#217:
 * on a first deploy no training run has registered a version yet). This program looks the
 * versions up before it declares anything and defers the endpoint, and the monitor on its
 * inference table, until they exist.
 */

/** What to do with a project's endpoint. */
export type ServingDecision =
    | { serve: true }
    | { serve: false; reason: string }
    | { serve: false; error: { routeIndex: number; version: string; existing: string[] } };

/**
 * Decides from the versions that exist (`undefined`: the model itself does not exist yet).
 * No version at all: defer, with a reason to print. Some versions but not a configured one: an
 * error, since deferring would delete a serving endpoint over a typo.
 */
export function decideServing(
    modelFullName: string,
    routes: ServedVersion[],
    existing: string[] | undefined,
): ServingDecision {
    if (existing === undefined || existing.length === 0) {
        const state = existing === undefined ? "does not exist yet" : "has no versions yet";
        return {
            serve: false,
            reason:
                `model ${modelFullName} ${state}: the serving endpoint and its quality monitor are deferred. ` +
                "Run the training job (or let a file land in the training-data volume), then run `pulumi up` again.",
        };
    }
    const routeIndex = routes.findIndex((r) => !existing.includes(r.version));
    if (routeIndex >= 0) {
        return { serve: false, error: { routeIndex, version: routes[routeIndex].version, existing } };
    }
    return { serve: true };
}

/**
 * Errors of the model-version lookup that mean "no such model" (or no such schema): Unity
 * Catalog's RESOURCE_DOES_NOT_EXIST. Anything else (a 404 from a wrong host, bad credentials, an
 * outage) is not read as "no versions", which would plan to delete a live endpoint.
 */
export function isModelNotFound(err: unknown): boolean {
    return /RESOURCE_DOES_NOT_EXIST|does not exist/i.test(errorText(err));
}

/** Errors of an Azure lookup that mean the resource (or its resource group) does not exist. */
export function isAzureNotFound(err: unknown): boolean {
    return /\b(ResourceNotFound|ResourceGroupNotFound)\b/.test(errorText(err));
}

function errorText(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/**
 * The versions of a Unity Catalog model, from the provider's `getRegisteredModelVersions`;
 * `undefined` when the model does not exist. Other errors propagate: a transient failure must not
 * look like "no versions", which would plan to delete a live endpoint.
 */
export async function existingModelVersions(
    fullName: string,
    opts?: pulumi.InvokeOptions,
): Promise<string[] | undefined> {
    try {
        const result = await databricks.getRegisteredModelVersions({ fullName }, opts);
        return (result.modelVersions ?? [])
            .map((v) => v.version)
            .filter((v): v is number => v !== undefined)
            .map(String);
    } catch (err) {
        if (isModelNotFound(err)) return undefined;
        throw err;
    }
}
