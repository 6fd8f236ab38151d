/**
 * Regenerates `plan/readback-rules.json`: for every custom resource type and input path the covered
 * stacks set (tests/readbackStacks.ts: the shipped stacks, a created-workspace stack, ten generated
 * projects, every optional part on), what the provider's Read gives back instead of what was sent
 * and which differences its diff ignores. `npm run plan -- --second-up` applies them.
 *
 * Where the rules come from:
 * - databricks (`@pulumi/databricks`, a bridge of terraform-provider-databricks): the Go source of a
 *   checkout given with `--databricks-src`, read by scripts/readbackRules/tfReadback.ts (computed
 *   attributes, diff suppressions, defaults, sets, the lists the provider sorts). A path the source
 *   marks in none of these ways is read back as sent (`asSent`). The upstream version the SDK
 *   bridges and the checkout's version are both recorded, as in plan/replace-rules.json.
 * - what the source cannot tell (the REST API lower-casing Unity Catalog names, the azure-native
 *   provider diffing against the inputs it stored): scripts/readbackRules/handWritten.ts, each entry
 *   marked `handWritten` with its citation.
 *
 *   npx tsx scripts/gen-readback-rules.ts --databricks-src /path/to/terraform-provider-databricks \
 *       [--out plan/readback-rules.json]      (npm run gen:readback-rules -- --databricks-src ...)
 *
 * Not part of `npm test`: the upstream source is not on CI machines. The committed JSON is the data.
 */
import { Command } from "commander";
import { inputPaths } from "../plan/inputPaths";
import { readbackStackPlans } from "../tests/readbackStacks";
import { HAND_WRITTEN } from "./readbackRules/handWritten";
import { type TfMarker, tfReadback } from "./readbackRules/tfReadback";
import { sdkProperties } from "./replaceRules/sdkProperties";
import { tfVersion } from "./replaceRules/tfDatabricks";
import {
    bridgedDatabricksVersion,
    camel,
    gitCommit,
    NODE_MODULES,
    packageVersion,
    sortedObject,
    tfResourceName,
    toPulumiPath,
    writeTable,
} from "./replaceRules/upstream";
import type { ReadbackRule } from "../plan/readbackRules";

/** The kind a diff-suppress function stands for, by its name in the provider. */
const SUPPRESS_FUNCTIONS: Record<string, ReadbackRule["kind"]> = {
    "common.EqualFoldDiffSuppress": "caseInsensitive",
    ucDirectoryPathSlashOnlySuppressDiff: "trailingSlash",
    ucDirectoryPathSlashAndEmptySuppressDiff: "trailingSlash",
    "common.WorkspaceOrEmptyPathPrefixDiffSuppress": "workspacePrefix",
    "common.SuppressDiffWhitespaceChange": "whitespace",
};

/** One TF marker as a rule on a Pulumi path. */
function toRule(marker: TfMarker, props: Set<string>, path: string): ReadbackRule | undefined {
    const source = marker.where;
    switch (marker.kind) {
        case "computed":
        case "suppressDiff":
        case "set":
        case "notUpdated":
            return { kind: marker.kind, source };
        case "default":
        case "suppressDiffWithDefault":
            return { kind: marker.kind, value: marker.value, source };
        case "diffSuppressFunc": {
            const kind = SUPPRESS_FUNCTIONS[marker.function];
            return kind
                ? { kind, function: marker.function, source }
                : { kind: "customSuppress", function: marker.function, source };
        }
        case "noDiffSuppressFunc":
            return undefined;
        case "sorted": {
            const key = toPulumiPath(
                `${marker.key}`,
                new Set([...props].filter((p) => p.startsWith(`${path}.`)).map((p) => p.slice(path.length + 1))),
            );
            return { kind: "sorted", key: key ?? camel(marker.key), function: marker.function, source };
        }
    }
}

async function main(): Promise<void> {
    const opts = new Command()
        .requiredOption("--databricks-src <dir>", "a checkout of databricks/terraform-provider-databricks")
        .option("--out <file>", "where to write the table", "plan/readback-rules.json")
        .parse()
        .opts<{ databricksSrc: string; out: string }>();

    const problems: string[] = [];
    // Paths set per type, over every covered stack.
    const set = new Map<string, Set<string>>();
    for (const { doc } of await readbackStackPlans()) {
        for (const { newState: s } of doc.steps) {
            if (!s.custom || s.type.startsWith("pulumi:providers:")) continue;
            const maps = new Set(sdkProperties(s.type, NODE_MODULES).maps);
            const paths = set.get(s.type) ?? new Set<string>();
            inputPaths(s.inputs, maps, "", paths);
            set.set(s.type, paths);
        }
    }
    const bridged = bridgedDatabricksVersion();
    const checkout = tfVersion(opts.databricksSrc);
    if (checkout !== bridged) {
        console.error(
            `warning: @pulumi/databricks ${packageVersion("databricks")} bridges ${bridged}, the checkout is ${checkout}`,
        );
    }

    const resources: [string, Record<string, unknown>][] = [];
    for (const type of [...set.keys()].sort()) {
        const sdk = sdkProperties(type, NODE_MODULES);
        const props = new Set(sdk.properties);
        const generated = new Map<string, ReadbackRule[]>();
        const entry: Record<string, unknown> = {};
        let asSentSource = "";
        if (type.startsWith("databricks:")) {
            const tfName = tfResourceName(type);
            const tf = tfReadback(opts.databricksSrc, tfName);
            if (!tf) {
                problems.push(`${type}: ${tfName} not found in the checkout`);
                continue;
            }
            entry.upstream = { resource: tfName, files: tf.files };
            asSentSource = `no computed, default, diff suppression, set or sort of this attribute in ${tf.files.join(", ")}`;
            for (const [tfPath, markers] of tf.markers) {
                const p = toPulumiPath(tfPath, props);
                if (!p) continue; // an attribute the SDK does not have as an input (computed only, or removed)
                // A suppress function set to nil later is no suppression.
                const removed = markers.some((m) => m.kind === "noDiffSuppressFunc");
                for (const m of markers) {
                    if (removed && m.kind === "diffSuppressFunc") continue;
                    const rule = toRule(m, props, p);
                    if (rule) generated.set(p, [...(generated.get(p) ?? []), rule]);
                }
            }
        }
        const hand = HAND_WRITTEN[type] ?? {};
        const paths: [string, ReadbackRule[]][] = [];
        const all = new Set([...(set.get(type) ?? []), ...Object.keys(hand).filter((p) => p !== "*")]);
        for (const p of [...all].sort()) {
            if (!props.has(p)) problems.push(`${type}: ${p} is not an input of the SDK`);
            const rules = [
                ...(generated.get(p) ?? []),
                ...(hand[p] ?? []).map((r) => ({ ...r, handWritten: true as const })),
                ...(hand["*"] ?? []).map((r) => ({ ...r, handWritten: true as const })),
            ];
            paths.push([
                p,
                rules.length > 0
                    ? rules
                    : [{ kind: "asSent", source: asSentSource || "no rule source for this package" }],
            ]);
            if (!asSentSource && rules.length === 0) problems.push(`${type}: ${p} has no rule`);
        }
        entry.paths = sortedObject(paths);
        resources.push([type, sortedObject(Object.entries(entry))]);
    }

    await writeTable(opts.out, {
        generatedBy: "scripts/gen-readback-rules.ts",
        sources: {
            "azure-native": {
                package: "@pulumi/azure-native",
                packageVersion: packageVersion("azure-native"),
                upstream: "hand-written (scripts/readbackRules/handWritten.ts), see each rule's citation",
            },
            databricks: {
                package: "@pulumi/databricks",
                packageVersion: packageVersion("databricks"),
                upstream: "databricks/terraform-provider-databricks",
                upstreamVersion: checkout,
                commit: gitCommit(opts.databricksSrc),
                bridgedUpstreamVersion: bridged,
            },
        },
        resources: sortedObject(resources),
    });
    for (const p of problems) console.error(`problem: ${p}`);
    console.error(`wrote ${opts.out}: ${resources.length} types`);
    if (problems.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
