/**
 * Regenerates `plan/replace-rules.json`: for every custom resource type the shipped stacks (dev, prod,
 * azure-dev) declare, every input property path of the type (from the installed SDKs' `.d.ts`) and the
 * paths whose change makes the provider REPLACE the resource.
 *
 * Where the rules come from (never guessed):
 * - databricks (`@pulumi/databricks`, a bridge of terraform-provider-databricks): the `ForceNew`
 *   attributes (and plugin-framework `RequiresReplace` plan modifiers) of the upstream Go source,
 *   read from a checkout given with `--databricks-src` (see scripts/replaceRules/tfDatabricks.ts for
 *   the forms recognised). The upstream version the SDK bridges is read from the SDK itself: its
 *   deprecation messages link `registry.terraform.io/providers/databricks/databricks/<version>/`,
 *   which the provider builds from `common.Version()`. The checkout's own version
 *   (`common/version.go`) is recorded; a mismatch is reported (and recorded) rather than hidden.
 * - azure-native (`@pulumi/azure-native`): the provider's diff (provider/pkg/provider/diff.go)
 *   replaces on a change of any URL path parameter of the resource's PUT, and of properties whose
 *   metadata says `forceNew` (x-ms-mutability without `update` in the OpenAPI spec, or the provider's
 *   hand-kept `forceNewMap` in provider/pkg/gen/replacement.go). Path parameters are the required
 *   arguments of the SDK's `get<Resource>` function (the same URL as the PUT); `forceNewMap` is
 *   read from a copy of replacement.go given with `--azure-native-src`. x-ms-mutability is NOT read
 *   (the specs are not fetched): see README "Replacement rules".
 *
 *   npx tsx scripts/gen-replace-rules.ts --databricks-src /path/to/terraform-provider-databricks \
 *       --azure-native-src /path/to/replacement.go [--out plan/replace-rules.json]
 *   (npm run gen:replace-rules -- --databricks-src ... --azure-native-src ...)
 *
 * Not part of `npm test`: the upstream sources are not on CI machines. The committed JSON is the data.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import ts from "typescript";
import { runMain, strictUsage, UsageError } from "../plan/usage";
import { sdkProperties } from "./replaceRules/sdkProperties";
import { tfRules, tfVersion } from "./replaceRules/tfDatabricks";
import {
    bridgedDatabricksVersion,
    gitCommit,
    NODE_MODULES,
    packageVersion,
    ROOT,
    sortedObject,
    tfResourceName,
    toPulumiPath,
    writeTable,
} from "./replaceRules/upstream";

const STACKS = ["dev", "prod", "azure-dev"];

/** The custom resource types the shipped stacks declare (providers and components excluded). */
function declaredTypes(): string[] {
    const types = new Set<string>();
    for (const stack of STACKS) {
        const out = execFileSync(process.execPath, ["plan/launch.cjs", "--stack", stack, "--json"], {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
        });
        const doc = JSON.parse(out) as { steps: { newState: { type: string; custom: boolean } }[] };
        for (const s of doc.steps) {
            if (s.newState.custom && !s.newState.type.startsWith("pulumi:providers:")) types.add(s.newState.type);
        }
    }
    return [...types].sort();
}

/** `forceNewMap` of pulumi-azure-native's provider/pkg/gen/replacement.go: provider -> resource -> properties. */
function readForceNewMap(file: string): Map<string, string[]> {
    const text = fs.readFileSync(file, "utf8");
    const result = new Map<string, string[]>();
    const start = text.indexOf("var forceNewMap");
    if (start < 0) throw new Error(`${file}: no forceNewMap`);
    let provider = "";
    for (const line of text.slice(start).split("\n")) {
        const prov = /^\t"(\w+)":\s*\{/.exec(line);
        if (prov) provider = prov[1];
        const res = /^\t\t"(\w+)":\s*codegen\.NewStringSet\(([^)]*)\)?/.exec(line);
        if (res)
            result.set(
                `${provider.toLowerCase()}:${res[1]}`,
                [...(res[2] ?? "").matchAll(/"(\w+)"/g)].map((m) => m[1]),
            );
    }
    // Multi-line sets (`NewStringSet(\n "a",\n "b",\n)`).
    for (const m of text.slice(start).matchAll(/\t\t"(\w+)":\s*codegen\.NewStringSet\(\n([\s\S]*?)\)/g)) {
        const provLine = text
            .slice(start, start + (m.index ?? 0))
            .match(/\n\t"(\w+)":\s*\{/g)
            ?.pop();
        const prov = provLine ? /"(\w+)"/.exec(provLine)?.[1] : undefined;
        if (prov)
            result.set(
                `${prov.toLowerCase()}:${m[1]}`,
                [...m[2].matchAll(/"(\w+)"/g)].map((x) => x[1]),
            );
    }
    return result;
}

/** Required arguments of the SDK's `get<Resource>` function: the path parameters of the resource's URL. */
function azurePathParameters(token: string): string[] {
    const [, mod, name] = token.split(":");
    const file = path.join(NODE_MODULES, "@pulumi", "azure-native", mod, `get${name}.d.ts`);
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
    const args = source.statements.find(
        (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `Get${name}Args`,
    );
    if (!args) throw new Error(`${file}: no Get${name}Args`);
    return args.members
        .filter((m): m is ts.PropertySignature => ts.isPropertySignature(m) && !m.questionToken)
        .map((m) => (m.name as ts.Identifier).text)
        .sort();
}

/** The upstream sources, checked before anything is planned: a bad path is bad usage (exit 2), with its message. */
export function checkSources(databricksSrc: string, azureNativeSrc: string): void {
    const versionFile = path.join(databricksSrc, "common", "version.go");
    if (!fs.existsSync(databricksSrc) || !fs.statSync(databricksSrc).isDirectory()) {
        throw new UsageError(
            `--databricks-src: ${databricksSrc}: no such folder (expected a checkout of databricks/terraform-provider-databricks)`,
        );
    }
    if (!fs.existsSync(versionFile)) {
        throw new UsageError(
            `--databricks-src: ${databricksSrc}: expected a checkout of databricks/terraform-provider-databricks, found no common/version.go`,
        );
    }
    if (!fs.existsSync(azureNativeSrc) || !fs.statSync(azureNativeSrc).isFile()) {
        throw new UsageError(
            `--azure-native-src: ${azureNativeSrc}: no such file (expected pulumi-azure-native's provider/pkg/gen/replacement.go)`,
        );
    }
    if (!fs.readFileSync(azureNativeSrc, "utf8").includes("var forceNewMap")) {
        throw new UsageError(
            `--azure-native-src: ${azureNativeSrc}: expected replacement.go, found no forceNewMap in it`,
        );
    }
}

async function main(): Promise<number> {
    const cli = new Command()
        .name("gen:replace-rules")
        .requiredOption("--databricks-src <dir>", "a checkout of databricks/terraform-provider-databricks")
        .requiredOption("--azure-native-src <file>", "pulumi-azure-native's provider/pkg/gen/replacement.go")
        .option("--out <file>", "where to write the table", "plan/replace-rules.json")
        .option("--type <token...>", "further resource types to include")
        .option(
            "--azure-native-version <ref>",
            "the pulumi-azure-native ref replacement.go and diff.go were read at",
            "unpinned (default branch as indexed, not the tag of the installed version)",
        );
    const opts = strictUsage(cli, "npm run gen:replace-rules --").parse(process.argv).opts<{
        databricksSrc: string;
        azureNativeSrc: string;
        out: string;
        type?: string[];
        azureNativeVersion: string;
    }>();

    checkSources(opts.databricksSrc, opts.azureNativeSrc);
    const problems: string[] = [];
    const types = [...new Set([...declaredTypes(), ...(opts.type ?? [])])].sort();
    const bridged = bridgedDatabricksVersion();
    const checkout = tfVersion(opts.databricksSrc);
    if (checkout !== bridged) {
        console.error(
            `warning: @pulumi/databricks ${packageVersion("databricks")} bridges ${bridged}, the checkout is ${checkout}`,
        );
    }
    const forceNewMap = readForceNewMap(opts.azureNativeSrc);

    const resources: [string, Record<string, unknown>][] = [];
    for (const type of types) {
        const sdk = sdkProperties(type, NODE_MODULES);
        const props = new Set(sdk.properties);
        const replace = new Set<string>();
        const entry: Record<string, unknown> = { properties: sdk.properties };
        if (sdk.maps.length > 0) entry.maps = sdk.maps;
        if (type.startsWith("databricks:")) {
            const tfName = tfResourceName(type);
            const rules = tfRules(opts.databricksSrc, tfName);
            if (!rules) {
                problems.push(`${type}: ${tfName} not found in the checkout`);
                continue;
            }
            const mapPaths = (paths: string[]): string[] =>
                paths.flatMap((p) => {
                    const mapped = toPulumiPath(p, props);
                    if (!mapped) problems.push(`${type}: TF attribute ${p} has no SDK input path`);
                    return mapped ? [mapped] : [];
                });
            for (const p of mapPaths(rules.forceNew)) replace.add(p);
            const conditional = mapPaths(rules.conditional).sort();
            if (conditional.length > 0) entry.conditionalReplaceOnChanges = conditional;
            entry.upstream = { resource: tfName, files: rules.files };
        } else if (type.startsWith("azure-native:")) {
            for (const p of azurePathParameters(type)) {
                if (!props.has(p)) problems.push(`${type}: path parameter ${p} is not an input`);
                else replace.add(p);
            }
            const [, mod, name] = type.split(":");
            for (const p of forceNewMap.get(`${mod}:${name}`) ?? []) {
                if (!props.has(p)) problems.push(`${type}: forceNewMap property ${p} is not an input`);
                else replace.add(p);
            }
        } else {
            problems.push(`${type}: no source of replacement rules for this package`);
        }
        entry.replaceOnChanges = [...replace].sort();
        resources.push([type, sortedObject(Object.entries(entry))]);
    }

    const table = {
        generatedBy: "scripts/gen-replace-rules.ts",
        sources: {
            "azure-native": {
                package: "@pulumi/azure-native",
                packageVersion: packageVersion("azure-native"),
                upstream:
                    "pulumi/pulumi-azure-native provider/pkg/provider/diff.go (path parameters and forceNew replace) with provider/pkg/gen/replacement.go (forceNewMap); path parameters from the SDK's get<Resource> arguments",
                upstreamVersion: opts.azureNativeVersion,
                missing:
                    "x-ms-mutability (create-only) properties of the Azure REST API specs are not read: forceNew properties that come only from the specs are absent",
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
    };
    await writeTable(opts.out, table);
    for (const p of problems) console.error(`problem: ${p}`);
    console.error(`wrote ${opts.out}: ${resources.length} types`);
    return problems.length > 0 ? 1 : 0;
}

if (require.main === module) runMain(main, () => false, "the generator failed unexpectedly");
