import * as databricks from "@pulumi/databricks";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Unity Catalog objects a project uses without owning them (`existing: [schema, model]`): a
 * bundle that names a schema or a model it does not declare expects it to be there, and so does
 * the stack. They are looked up before anything is declared, only to say so early: nothing the
 * stack declares depends on the answer, so a lookup that fails, is forbidden or answers nothing
 * never deletes or replaces anything (the rules of modelVersions.ts). Only a precise "does not
 * exist" is a problem; anything else is a warning that it could not be checked.
 */

/** What the workspace said of an object. */
export type ExistenceLookup =
    | { kind: "exists" }
    /** Unity Catalog said precisely that this object does not exist. */
    | { kind: "absent"; message: string }
    /** The workspace could not be asked, refused, or answered nothing usable. */
    | { kind: "unknown"; reason: string };

/** Whether an error says precisely that `fullName` does not exist (its name quoted in a not-found message). */
export function saysAbsent(err: unknown, fullName: string): boolean {
    const text = err instanceof Error ? err.message : String(err);
    if (!/RESOURCE_DOES_NOT_EXIST|does not exist|not found/i.test(text)) return false;
    const quoted = [...text.matchAll(/'([^']+)'|"([^"]+)"|`([^`]+)`/g)].map((m) =>
        (m[1] ?? m[2] ?? m[3]).toLowerCase(),
    );
    return quoted.includes(fullName.toLowerCase());
}

async function lookUp(fullName: string, ask: () => Promise<{ answered: boolean }>): Promise<ExistenceLookup> {
    try {
        const { answered } = await ask();
        return answered
            ? { kind: "exists" }
            : { kind: "unknown", reason: "the provider answered nothing: its workspace is not configured yet" };
    } catch (err) {
        const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
        return saysAbsent(err, fullName) ? { kind: "absent", message } : { kind: "unknown", reason: message };
    }
}

/** Looks up a schema (`catalog.schema`). */
export function lookUpSchema(fullName: string, opts?: pulumi.InvokeOptions): Promise<ExistenceLookup> {
    return lookUp(fullName, async () => {
        const r = await databricks.getSchema({ name: fullName }, opts);
        return { answered: Boolean(r?.schemaInfo?.fullName ?? r?.id) };
    });
}

/** Looks up a registered model (`catalog.schema.model`). */
export function lookUpRegisteredModel(fullName: string, opts?: pulumi.InvokeOptions): Promise<ExistenceLookup> {
    return lookUp(fullName, async () => {
        const r = await databricks.getRegisteredModel({ fullName }, opts);
        return { answered: Boolean(r?.modelInfos?.[0]) };
    });
}

/**
 * What to say of a lookup: `stop` for an object that does not exist (a deploy would fail on it
 * later, after creating other things), `warn` for one that could not be checked.
 */
export function existenceFinding(
    what: "schema" | "registered model",
    fullName: string,
    lookup: ExistenceLookup,
): { level: "stop" | "warn"; message: string } | undefined {
    if (lookup.kind === "exists") return undefined;
    if (lookup.kind === "absent")
        return {
            level: "stop",
            message: `expected the existing ${what} ${fullName} (the stack uses it and does not create it), found none: ${lookup.message}. Create it, or remove ${what === "schema" ? "schema" : "model"} from existing so that the stack creates it`,
        };
    return {
        level: "warn",
        message: `could not check that the existing ${what} ${fullName} is there (${lookup.reason}); the stack uses it as configured`,
    };
}
