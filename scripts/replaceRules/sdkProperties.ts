/**
 * The input property paths of a resource type, read from the installed SDK's TypeScript declarations
 * (`node_modules/@pulumi/<pkg>/<resource>.d.ts` and `types/input.d.ts`): the `<Resource>Args`
 * interface, walked through `pulumi.Input<...>`, arrays (transparent: no indices) and the `inputs.*`
 * interfaces it names. A field typed `{[key: string]: ...}` is a free-form map: its path is listed,
 * and in `maps`, but nothing below it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

export interface SdkProperties {
    properties: string[];
    maps: string[];
}

/** Paths deeper than this are not listed (no SDK type of this program's resources nests deeper with inputs that matter). */
export const MAX_DEPTH = 6;

/** `databricks:index/job:Job` -> `job.d.ts`, `Job`; `azure-native:storage:StorageAccount` -> `storage/storageAccount.d.ts`. */
export function declarationFile(token: string): { pkg: string; file: string; className: string } {
    const [pkg, mod, className] = token.split(":");
    if (!pkg || !mod || !className) throw new Error(`not a resource type token: ${token}`);
    if (pkg === "databricks") {
        const file = mod.split("/")[1];
        if (!file) throw new Error(`unexpected databricks token: ${token}`);
        return { pkg, file: `${file}.d.ts`, className };
    }
    const lowerFirst = className[0].toLowerCase() + className.slice(1);
    return { pkg, file: `${mod}/${lowerFirst}.d.ts`, className };
}

type Decls = Map<string, ts.InterfaceDeclaration>;

const inputDeclCache = new Map<string, Decls>();

/** Every interface of `types/input.d.ts`, by its qualified name below `inputs` (`JobTask`, `storage.SkuArgs`). */
function inputInterfaces(pkgDir: string): Decls {
    const cached = inputDeclCache.get(pkgDir);
    if (cached) return cached;
    const file = path.join(pkgDir, "types", "input.d.ts");
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, false);
    const decls: Decls = new Map();
    const visit = (node: ts.Node, prefix: string): void => {
        if (ts.isInterfaceDeclaration(node)) decls.set(prefix + node.name.text, node);
        else if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) {
            for (const s of node.body.statements) visit(s, `${prefix}${node.name.text}.`);
        }
    };
    for (const s of source.statements) visit(s, "");
    inputDeclCache.set(pkgDir, decls);
    return decls;
}

function entityName(name: ts.EntityName): string {
    return ts.isIdentifier(name) ? name.text : `${entityName(name.left)}.${name.right.text}`;
}

/** What a type node holds: a map, an object (its interface or literal members), or a leaf. */
type Shape = { kind: "map" } | { kind: "object"; members: ts.NodeArray<ts.TypeElement> } | { kind: "leaf" };

function shapeOf(node: ts.TypeNode, inputs: Decls): Shape {
    if (ts.isParenthesizedTypeNode(node)) return shapeOf(node.type, inputs);
    if (ts.isArrayTypeNode(node)) return shapeOf(node.elementType, inputs);
    if (ts.isUnionTypeNode(node)) {
        // `T | undefined`, `string | enums.X`: an object member wins (a union of objects does not occur in inputs).
        const shapes = node.types.map((t) => shapeOf(t, inputs));
        return shapes.find((s) => s.kind === "object") ?? shapes.find((s) => s.kind === "map") ?? { kind: "leaf" };
    }
    if (ts.isTypeLiteralNode(node)) {
        if (node.members.some((m) => ts.isIndexSignatureDeclaration(m))) return { kind: "map" };
        return { kind: "object", members: node.members };
    }
    if (ts.isTypeReferenceNode(node)) {
        const name = entityName(node.typeName);
        if (name === "pulumi.Input" || name === "Input" || name === "Promise" || name === "pulumi.Output") {
            const arg = node.typeArguments?.[0];
            return arg ? shapeOf(arg, inputs) : { kind: "leaf" };
        }
        if (name === "Record") return { kind: "map" };
        if (name.startsWith("inputs.")) {
            const decl = inputs.get(name.slice("inputs.".length));
            if (!decl) throw new Error(`no declaration for ${name}`);
            if (decl.members.some((m) => ts.isIndexSignatureDeclaration(m))) return { kind: "map" };
            return { kind: "object", members: decl.members };
        }
    }
    return { kind: "leaf" };
}

function walk(
    members: ts.NodeArray<ts.TypeElement>,
    prefix: string,
    depth: number,
    inputs: Decls,
    out: SdkProperties,
): void {
    for (const m of members) {
        if (!ts.isPropertySignature(m) || !m.type) continue;
        const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : undefined;
        if (!name) continue;
        const p = prefix + name;
        out.properties.push(p);
        const shape = shapeOf(m.type, inputs);
        if (shape.kind === "map") out.maps.push(p);
        else if (shape.kind === "object" && depth < MAX_DEPTH) walk(shape.members, `${p}.`, depth + 1, inputs, out);
    }
}

/** The input paths of a resource type, from the SDK installed under `nodeModules`. */
export function sdkProperties(token: string, nodeModules: string): SdkProperties {
    const { pkg, file, className } = declarationFile(token);
    const pkgDir = path.join(nodeModules, "@pulumi", pkg);
    const filePath = path.join(pkgDir, file);
    const source = ts.createSourceFile(filePath, fs.readFileSync(filePath, "utf8"), ts.ScriptTarget.ES2022, false);
    const args = source.statements.find(
        (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === `${className}Args`,
    );
    if (!args) throw new Error(`${filePath} declares no ${className}Args`);
    const out: SdkProperties = { properties: [], maps: [] };
    walk(args.members, "", 1, inputInterfaces(pkgDir), out);
    out.properties = [...new Set(out.properties)].sort();
    out.maps = [...new Set(out.maps)].sort();
    return out;
}
