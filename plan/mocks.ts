import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { PERMISSIONS_TYPE, permissionsRefusal, RefusedByProvider } from "./permissionsCheck";
import { identityName, urnName } from "./identity";
import { replaceRulesFor } from "./replaceRules";

/**
 * Pulumi's runtime mocks, with a recorder: the program runs as under `pulumi up`, and every
 * resource registration is kept with what the engine would see (type, name, parent, inputs,
 * protect, dependencies, provider). The offline plan and the tests both use this module.
 */

/** What the mocked Databricks workspace answers. */
export interface MockWorkspace {
    /** The user name `getCurrentUser` returns. */
    currentUser: string;
    /**
     * The versions `getRegisteredModelVersions` returns for every model; `undefined`: the model
     * does not exist (a first deploy).
     */
    modelVersions: string[] | undefined;
    /**
     * Whether a workspace this program creates already exists in Azure (`getWorkspace`);
     * omitted: it exists exactly when the models do (after a first deploy and a training run).
     */
    azureWorkspaceExists?: boolean;
    /**
     * Run as a first `pulumi preview` does: every value a provider computes (ids, URLs, paths)
     * is unknown, and an invoke on a provider whose inputs are unknown answers nothing, as the
     * engine does. Omitted: the mocks return stand-ins for computed values.
     */
    preview?: boolean;
    /** Make the model-version and Azure workspace lookups fail with this message (an outage, bad credentials). */
    lookupError?: string;
    /**
     * A preview of an update to a deployed stack (with `preview`): resources of these types have a
     * pending change, so their computed outputs are unknown; every other resource, providers
     * included, keeps the id and outputs it has in the state.
     */
    pendingUpdates?: string[];
    /** The aliases every registered model has, alias to version; omitted: none. */
    aliases?: Record<string, string>;
    /** Data sources that answer `{}`, as an invoke on a provider the engine cannot configure does. */
    emptyAnswers?: string[];
    /**
     * The serving endpoints the workspace has (`getServingEndpoints`), by name, each with the
     * served entities it serves now; omitted: none (no endpoint was deployed yet).
     */
    endpoints?: Record<string, { name: string; entityName: string; entityVersion: string }[]>;
    /** Make the serving-endpoint lookup fail with this message (forbidden, an outage). */
    endpointLookupError?: string;
    /**
     * The schemas the catalogs list (`getSchemas`), as `catalog.schema`. Omitted: a first deploy
     * (`modelVersions` undefined) lists none; otherwise a schema list is an error of the mocks
     * (the offline plan always says which schemas exist, see plan/plan.ts).
     */
    schemas?: string[];
    /** Unity Catalog schemas (`catalog.schema`) the workspace does not have; omitted: it has every one asked for. */
    absent?: string[];
}

/** The lookups `lookupError` fails. */
const LOOKUPS = [
    "databricks:index/getSchemas:getSchemas",
    "databricks:index/getRegisteredModelVersions:getRegisteredModelVersions",
    "databricks:index/getRegisteredModel:getRegisteredModel",
    "azure-native:databricks:getWorkspace",
];

/** How the engine spells an unknown value (`pulumi preview --json` prints it as is). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The Azure subscription and tenant the mocks report. */
export const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

/** One resource as registered. */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    inputs: Record<string, unknown>;
    protect: boolean;
    dependencies: string[];
    /** Explicit provider reference (`urn::id`); empty: the default provider. */
    provider: string;
    /** Earlier identities the resource answers to (the `aliases` option), as the SDK sends them. */
    aliases?: RecordedAlias[];
    /** The `retainOnDelete` option: removing the resource from the program leaves it in the cloud. */
    retainOnDelete?: boolean;
    /** The `ignoreChanges` option: input paths whose differences the engine and provider ignore. */
    ignoreChanges?: string[];
    /** The `import` option: the id of the deployed object the resource adopts instead of creating it. */
    importId?: string;
    /** The `replaceOnChanges` option: input paths whose change replaces the resource; omitted: none. */
    replaceOnChanges?: string[];
    /** The order of registration. */
    seq: number;
}

/**
 * An alias as the engine receives it: an old URN, or a spec whose empty fields mean "as the
 * resource now is" (its name, type, stack, project; the parent it now has unless `parentUrn` or
 * `noParent` says otherwise).
 */
export type RecordedAlias =
    string | { name?: string; type?: string; stack?: string; project?: string; parentUrn?: string; noParent?: boolean };

interface AliasMessage {
    hasUrn(): boolean;
    getUrn(): string;
    getSpec():
        | {
              getName(): string;
              getType(): string;
              getStack(): string;
              getProject(): string;
              getParenturn(): string;
              getNoparent(): boolean;
          }
        | undefined;
}

/** The aliases of a registration, both ways the SDK may send them (specs, or URNs to older engines). */
function aliasesOf(req: RegisterRequest): RecordedAlias[] {
    const specs = req.getAliasesList().map((a): RecordedAlias => {
        if (a.hasUrn()) return a.getUrn();
        const spec = a.getSpec();
        const out: Exclude<RecordedAlias, string> = {};
        if (spec?.getName()) out.name = spec.getName();
        if (spec?.getType()) out.type = spec.getType();
        if (spec?.getStack()) out.stack = spec.getStack();
        if (spec?.getProject()) out.project = spec.getProject();
        if (spec?.getParenturn()) out.parentUrn = spec.getParenturn();
        if (spec?.getNoparent()) out.noParent = true;
        return out;
    });
    return [...req.getAliasurnsList(), ...specs];
}

/** The `replaceOnChanges` option of a registration, when set. */
function replaceOnChangesOf(req: RegisterRequest): { replaceOnChanges?: string[] } {
    const paths = [...(req.getReplaceonchangesList() ?? [])].sort();
    return paths.length > 0 ? { replaceOnChanges: paths } : {};
}

export const SECRET_MASK = "[secret]";

/** Replaces secret values with the mask, as `pulumi preview` shows them. */
export function maskSecrets(value: unknown): unknown {
    if (pulumi.runtime.isRpcSecret(value)) return SECRET_MASK;
    if (pulumi.isUnknown(value)) return UNKNOWN;
    if (Array.isArray(value)) return value.map(maskSecrets);
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = maskSecrets(v);
        return out;
    }
    return value;
}

/** Whether a value the mocks receive holds an unknown, anywhere. */
function containsUnknown(value: unknown): boolean {
    if (pulumi.isUnknown(value) || value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}

/** A stable fake id: the same seed always gets the same id. */
function fakeId(seed: string): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, 12);
}

/** The values at a dotted input path (through lists), in order. */
function valuesAt(value: unknown, path: string[]): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
    if (path.length === 0) return [value];
    if (typeof value !== "object") return [];
    return valuesAt((value as Record<string, unknown>)[path[0]], path.slice(1));
}

/**
 * What a made-up id is derived from: the object's identity (its name before any rename, see
 * plan/identity.ts) and the inputs whose change makes the provider replace it (a replaced object
 * is a new one, with a new id); nothing else, so an update in place keeps the id, as the engine
 * keeps it.
 */
export function idSeed(type: string, identity: string, inputs: Record<string, unknown>): string {
    const replacing = (replaceRulesFor(type)?.replaceOnChanges ?? [])
        .map((p) => [p, valuesAt(inputs, p.split("."))] as const)
        .filter(([, v]) => v.length > 0);
    return replacing.length === 0 ? identity : `${identity} ${JSON.stringify(replacing)}`;
}

function rgId(name: string): string {
    return `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${name}`;
}

function fakeUuid(name: string): string {
    const h = createHash("sha256").update(name).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The id the mocked engine gives a resource of this type, identity (its name, or the name it
 * had before a rename: plan/identity.ts `identityNames`) and inputs: what references to it in
 * the plan's inputs hold (a retraining job's `run_job_task` names the training job by it).
 */
export function mockedId(type: string, identity: string, inputs: Record<string, unknown> = {}): string {
    return computedState(type, identity, inputs).id;
}

/**
 * Computed outputs the provider would return, for the outputs the program reads; `name` is the
 * resource's identity name (plan/identity.ts).
 */
function computedState(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } {
    const seed = idSeed(type, name, inputs);
    const id = fakeId(seed);
    const s = (k: string) => String(inputs[k] ?? "");
    switch (type) {
        case "databricks:index/schema:Schema":
            return { id: `${s("catalogName")}.${s("name")}`, state: inputs };
        case "databricks:index/registeredModel:RegisteredModel":
            return { id: `${s("catalogName")}.${s("schemaName")}.${s("name")}`, state: inputs };
        case "databricks:index/sqlTable:SqlTable":
            return { id: `${s("catalogName")}.${s("schemaName")}.${s("name")}`, state: inputs };
        case "databricks:index/volume:Volume":
            return {
                id: `${s("catalogName")}.${s("schemaName")}.${s("name")}`,
                state: { ...inputs, volumePath: `/Volumes/${s("catalogName")}/${s("schemaName")}/${s("name")}` },
            };
        case "databricks:index/modelServing:ModelServing":
            return { id: s("name"), state: { ...inputs, servingEndpointId: `se-${id}` } };
        case "databricks:index/clusterPolicy:ClusterPolicy":
            // Cluster policy ids are 16 upper-case hex digits, as `clusterPolicy.id` requires.
            return { id: createHash("sha256").update(seed).digest("hex").slice(0, 16).toUpperCase(), state: inputs };
        case "databricks:index/job:Job":
            return { id: String(Number.parseInt(id.slice(0, 10), 16)), state: inputs };
        case "azure-native:resources:ResourceGroup":
            return { id: rgId(s("resourceGroupName")), state: { ...inputs, name: s("resourceGroupName") } };
        case "azure-native:databricks:Workspace": {
            const name = s("workspaceName");
            return {
                id: `${rgId(s("resourceGroupName"))}/providers/Microsoft.Databricks/workspaces/${name}`,
                state: {
                    ...inputs,
                    name,
                    workspaceUrl: `adb-${Number.parseInt(id.slice(0, 12), 16)}.1.azuredatabricks.net`,
                },
            };
        }
        case "azure-native:databricks:AccessConnector": {
            const name = s("connectorName");
            return {
                id: `${rgId(s("resourceGroupName"))}/providers/Microsoft.Databricks/accessConnectors/${name}`,
                state: {
                    ...inputs,
                    name,
                    identity: { type: "SystemAssigned", principalId: fakeUuid(name), tenantId: MOCK_SUBSCRIPTION },
                },
            };
        }
        case "azure-native:storage:StorageAccount": {
            const name = s("accountName");
            return {
                id: `${rgId(s("resourceGroupName"))}/providers/Microsoft.Storage/storageAccounts/${name}`,
                state: { ...inputs, name },
            };
        }
        case "azure-native:storage:BlobContainer":
            return { id, state: { ...inputs, name: s("containerName") } };
        default:
            return { id: `${id}`, state: inputs };
    }
}

/** An error as a provider's failed invoke reaches the SDK: a gRPC error whose `details` is the message. */
function engineError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

/**
 * A Unity Catalog model lookup of a model that does not exist, as the provider fails it: the
 * data source adds an error with a summary (`failed to get registered model X`) and the API's
 * message as its detail (terraform-provider-databricks
 * `internal/providers/pluginfw/products/registered_model/`).
 */
function modelNotFound(fullName: string, summary: string): Error {
    const detail = `Registered model '${fullName}' does not exist.`;
    return Object.assign(engineError(`RESOURCE_DOES_NOT_EXIST: ${detail}`), { summary, detail });
}

/**
 * What the engine shows of a Databricks data source that failed: besides failing the invoke, the
 * bridged provider logs the data source's error as an error diagnostic of the stack,
 * `[ERROR] <detail>: <summary>` (`../shared/engine-records/dev-e2e.first-up.txt`: `error: [ERROR]
 * Registered model '...' does not exist.: failed to list model versions ...`), which a team
 * cannot tell from a failed deploy. Other providers' failures are left as they fail.
 */
function loggedByProvider(token: string, err: unknown, recorder: Recorder): void {
    if (!token.startsWith("databricks:")) return;
    const e = err as { message?: string; summary?: string; detail?: string };
    recorder.errors.push(
        e.summary !== undefined ? `[ERROR] ${e.detail}: ${e.summary}` : `[ERROR] ${e.message ?? String(err)}`,
    );
}

export class Recorder {
    readonly resources: RecordedResource[] = [];
    readonly warnings: string[] = [];
    /** What the provider would refuse to create, as the engine names it: `<type> (<name>): <message>`. */
    readonly refusals: string[] = [];
    /** The error diagnostics the providers log (a data source that fails logs one, then fails the invoke). */
    readonly errors: string[] = [];

    /** The resources of one type, in registration order. */
    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    clear(): void {
        this.resources.length = 0;
        this.warnings.length = 0;
        this.refusals.length = 0;
        this.errors.length = 0;
    }
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): unknown;
    getProtect(): boolean;
    getDependenciesList(): string[];
    getProvider(): string;
    getRetainondelete(): boolean;
    getIgnorechangesList(): string[];
    getAliasesList(): AliasMessage[];
    getAliasurnsList(): string[];
    getImportid(): string;
    getReplaceonchangesList(): string[];
}
/** The SDK's RegisterResourceResponse message (its generated protobuf class), as used here. */
interface RegisterResponse {
    getUrn(): string;
    setUrn(urn: string): void;
    setId(id: string): void;
    getObject(): { toJavaScript(): unknown };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RegisterResourceResponse } = require("@pulumi/pulumi/proto/resource_pb") as {
    RegisterResourceResponse: new () => RegisterResponse;
};
type Callback = (err: Error | null, resp?: RegisterResponse) => void;
interface Monitor {
    registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
    registerResourceOutputs(req: { getUrn(): string }, cb: (err: Error | null, resp?: unknown) => void): void;
    newUrn(parent: string, type: string, name: string): string;
    /** The mock monitor's copy of every resource's serialized state, kept for `getResource` reads. */
    resources: Map<string, { urn?: string; id?: string | null; state: unknown }>;
}

/**
 * What `Struct.fromJavaScript(value).toJavaScript()` gives (google-protobuf struct_pb.js): the
 * same strings, numbers, booleans and nulls, lists element by element, and objects with their
 * enumerable keys in sorted order (a Struct's field map iterates its keys sorted); any other value
 * (undefined, a function, a hole in a list) fails as the conversion does. tests/mocks.test.ts
 * holds it against the real conversion.
 */
export function structValue(value: unknown): unknown {
    if (value === null) return null;
    switch (typeof value) {
        case "string":
        case "number":
        case "boolean":
            return value;
        case "object": {
            if (Array.isArray(value)) {
                const list: unknown[] = [];
                for (let i = 0; i < value.length; i++) list[i] = structValue(value[i]);
                return list;
            }
            const keys: string[] = [];
            for (const key in value) keys.push(key);
            keys.sort();
            const out: Record<string, unknown> = {};
            for (const key of keys) out[key] = structValue((value as Record<string, unknown>)[key]);
            return out;
        }
        default:
            throw new Error("Unexpected struct type.");
    }
}

/**
 * The request's inputs converted from protobuf once: the mock monitor deserializes them for
 * `newResource` and the recorder again (keeping unknowns), each with `deserializeProperties`,
 * which starts with the Struct's `toJavaScript()` and then only reads its result (pulumi/pulumi
 * sdk/nodejs/runtime/rpc.ts). Converting a Struct is the dearer half of that, and at the volume
 * of a plan it is what keeps the optimizing compiler busy as the process ends; both reads now
 * share one conversion, each deserializing it as before.
 */
function shareInputConversion(req: RegisterRequest): void {
    const object = req.getObject() as { toJavaScript(): unknown } | undefined;
    if (!object) return;
    const convert = object.toJavaScript.bind(object);
    let converted: { value: unknown } | undefined;
    object.toJavaScript = () => (converted ??= { value: convert() }).value;
    req.getObject = () => object;
}

/**
 * Installs the mocks for one run of the program. Calls to data sources this module does not
 * know fail loudly, so an unmocked lookup cannot pass unnoticed.
 */
export function installMocks(
    project: string,
    stack: string,
    workspace: MockWorkspace,
    recorder = new Recorder(),
): Recorder {
    /** Each registered resource's identity name (plan/identity.ts), by URN. */
    const identities = new Map<string, string>();
    let pending: { type: string; name: string; identity: string } | undefined;
    const mocks: pulumi.runtime.Mocks = {
        // In a preview, a resource to create has only its inputs; the engine answers no id.
        newResource: (args) => {
            // The provider refuses some access lists of the identity that applies them: the
            // update fails (runProgram reports it once the program has declared everything).
            const refused =
                args.type === PERMISSIONS_TYPE
                    ? permissionsRefusal(args.inputs, workspace.currentUser, workspace.preview ?? false)
                    : undefined;
            if (refused !== undefined) recorder.refusals.push(`${args.type} (${args.name}): ${refused}`);
            // In a preview the engine gives a provider whose settings are not all known an
            // unknown id, and answers every invoke on it with nothing.
            const unknownProvider = args.type.startsWith("pulumi:providers:") && containsUnknown(args.inputs);
            if (workspace.preview && (unknownProvider || (workspace.pendingUpdates?.includes(args.type) ?? true))) {
                // An adopted object has its id in a preview too: the engine reads it by that id.
                return { id: args.id ?? "", state: args.inputs };
            }
            // The registration under way (set just before the SDK's mock monitor calls this, in
            // the same turn): the identity of the object it declares.
            const identity = pending?.type === args.type && pending.name === args.name ? pending.identity : args.name;
            pending = undefined;
            const computed = computedState(args.type, identity, args.inputs);
            return args.id ? { ...computed, id: args.id } : computed;
        },
        call: (args) => {
            // The engine answers an invoke on a provider it cannot configure yet with nothing
            // (pulumi/pulumi#10209).
            if (args.provider?.endsWith(`::${UNKNOWN}`)) return {};
            if (workspace.emptyAnswers?.includes(args.token)) return {};
            if (workspace.lookupError !== undefined && LOOKUPS.includes(args.token)) {
                throw engineError(workspace.lookupError);
            }
            switch (args.token) {
                case "databricks:index/getCurrentUser:getCurrentUser":
                    return {
                        id: fakeId(workspace.currentUser),
                        userName: workspace.currentUser,
                        alphanumeric: workspace.currentUser.split("@")[0].replace(/[^A-Za-z0-9]/g, "_"),
                        home: `/Users/${workspace.currentUser}`,
                        repos: `/Repos/${workspace.currentUser}`,
                        externalId: "",
                        aclPrincipalId: `users/${workspace.currentUser}`,
                        workspaceUrl: "https://adb-0000000000000000.0.azuredatabricks.net",
                    };
                case "databricks:index/getSchemas:getSchemas": {
                    const catalogName = String(args.inputs.catalogName);
                    if (workspace.schemas === undefined && workspace.modelVersions !== undefined) {
                        throw engineError(
                            "the offline mocks were not told which schemas exist (MockWorkspace.schemas)",
                        );
                    }
                    const listed = (workspace.schemas ?? []).filter((s) => s.split(".")[0] === catalogName);
                    return {
                        catalogName,
                        id: catalogName,
                        ids: [`${catalogName}.default`, `${catalogName}.information_schema`, ...listed],
                    };
                }
                case "databricks:index/getRegisteredModelVersions:getRegisteredModelVersions": {
                    const fullName = String(args.inputs.fullName);
                    if (workspace.modelVersions === undefined) {
                        throw modelNotFound(fullName, `failed to list model versions for registered model ${fullName}`);
                    }
                    const [catalogName, schemaName, modelName] = fullName.split(".");
                    return {
                        fullName,
                        modelVersions: workspace.modelVersions.map((v) => ({
                            version: Number(v),
                            catalogName,
                            schemaName,
                            modelName,
                            status: "READY",
                        })),
                    };
                }
                case "databricks:index/getRegisteredModel:getRegisteredModel": {
                    const fullName = String(args.inputs.fullName);
                    if (workspace.modelVersions === undefined) {
                        throw modelNotFound(fullName, `failed to get registered model ${fullName}`);
                    }
                    const [catalogName, schemaName, name] = fullName.split(".");
                    const aliases = Object.entries(workspace.aliases ?? {}).map(([aliasName, version]) => ({
                        aliasName,
                        versionNum: Number(version),
                        catalogName,
                        schemaName,
                        modelName: name,
                    }));
                    return {
                        fullName,
                        includeAliases: args.inputs.includeAliases,
                        modelInfos: [{ fullName, catalogName, schemaName, name, aliases, browseOnly: false }],
                    };
                }
                case "databricks:index/getServingEndpoints:getServingEndpoints": {
                    if (workspace.endpointLookupError !== undefined) throw engineError(workspace.endpointLookupError);
                    return {
                        endpoints: Object.entries(workspace.endpoints ?? {}).map(([name, entities]) => ({
                            name,
                            id: name,
                            configs: [{ servedEntities: entities }],
                        })),
                    };
                }
                // A schema a project uses without creating it (`existing`): there, unless `absent` says not.
                case "databricks:index/getSchema:getSchema": {
                    const name = String(args.inputs.name);
                    if (workspace.absent?.includes(name))
                        throw engineError(`RESOURCE_DOES_NOT_EXIST: Schema '${name}' does not exist.`);
                    const [catalogName, schemaName] = name.split(".");
                    return { id: name, name, schemaInfo: { fullName: name, catalogName, name: schemaName } };
                }
                // A principal looked up by display name (runAs.displayName): a stand-in application
                // id, the same for the same name; the program notes that it is one.
                case "databricks:index/getServicePrincipal:getServicePrincipal": {
                    const displayName = String(args.inputs.displayName ?? "");
                    const applicationId = String(args.inputs.applicationId ?? fakeUuid(`sp:${displayName}`));
                    return { ...args.inputs, id: fakeId(applicationId), applicationId, displayName, active: true };
                }
                case "azure-native:authorization:getClientConfig":
                    return {
                        clientId: fakeUuid("client"),
                        objectId: fakeUuid(workspace.currentUser),
                        subscriptionId: MOCK_SUBSCRIPTION,
                        tenantId: MOCK_SUBSCRIPTION,
                    };
                case "azure-native:databricks:getWorkspace": {
                    const exists = workspace.azureWorkspaceExists ?? workspace.modelVersions !== undefined;
                    if (!exists) {
                        throw engineError(
                            `ResourceNotFound: The Resource 'Microsoft.Databricks/workspaces/${String(args.inputs.workspaceName)}' was not found.`,
                        );
                    }
                    const name = String(args.inputs.workspaceName);
                    return {
                        id: `${rgId(String(args.inputs.resourceGroupName))}/providers/Microsoft.Databricks/workspaces/${name}`,
                        name,
                        workspaceUrl: `adb-${Number.parseInt(fakeId(name).slice(0, 12), 16)}.1.azuredatabricks.net`,
                    };
                }
                default:
                    throw engineError(`the offline mocks do not know the data source ${args.token}`);
            }
        },
    };
    const answer = mocks.call.bind(mocks);
    mocks.call = (args) => {
        try {
            return answer(args);
        } catch (err) {
            loggedByProvider(args.token, err, recorder);
            throw err;
        }
    };
    // setMocks is async in signature only: it installs the mocks before it returns.
    void pulumi.runtime.setMocks(mocks, project, stack, workspace.preview ?? false);

    const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
    // URNs as the engine makes them: the whole chain of parent types, not only the last one
    // (the mock monitor keeps only the last), and no root stack type.
    monitor.newUrn = (parent, type, name) => {
        const qualifiedType = parent ? `${parent.split("::")[2]}$${type}` : type;
        return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
    };
    // The mock monitor's registration (pulumi/pulumi sdk/nodejs/runtime/mocks.ts,
    // MockMonitor.registerResource), step for step: `newResource` with the deserialized inputs, the
    // URN, the state serialized and kept, a RegisterResourceResponse with the URN and id. Only the
    // state in the response is handed over as the JavaScript value a protobuf Struct of it gives
    // back (structValue), not as the Struct: the SDK reads the response's object with
    // `toJavaScript()` alone (runtime/resource.ts, resolveOutputs), and the conversion to and
    // from protobuf was a tenth of a plan's own time.
    const register = async (req: RegisterRequest, cb: Callback): Promise<void> => {
        let response: RegisterResponse;
        try {
            const result = await mocks.newResource({
                type: req.getType(),
                name: req.getName(),
                inputs: pulumi.runtime.deserializeProperties(req.getObject() as never),
                provider: req.getProvider(),
                custom: req.getCustom(),
                id: req.getImportid(),
            });
            const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
            const serializedState = await pulumi.runtime.serializeProperties("", result.state);
            monitor.resources.set(urn, { urn, id: result.id ?? null, state: serializedState });
            const object = structValue(serializedState);
            response = new RegisterResourceResponse();
            response.setUrn(urn);
            response.setId(result.id || "");
            response.getObject = () => ({ toJavaScript: () => object });
        } catch (err) {
            cb(err as Error, undefined);
            return;
        }
        cb(null, response);
    };
    // Record each registration as the engine would receive it, and tell `newResource` which
    // object it declares: the registration calls it synchronously.
    monitor.registerResource = (req, cb) => {
        const parent = req.getParent();
        const parentIdentity = parent ? identities.get(parent) : undefined;
        const aliasNames = aliasesOf(req).map((a) => (typeof a === "string" ? urnName(a) : (a.name ?? req.getName())));
        const identity = identityName(
            req.getName(),
            aliasNames,
            parent && parentIdentity !== undefined ? { name: urnName(parent), identity: parentIdentity } : undefined,
        );
        pending = { type: req.getType(), name: req.getName(), identity };
        shareInputConversion(req);
        return register(req, (err, resp) => {
            if (resp) identities.set(resp.getUrn(), identity);
            if (!err && resp) {
                recorder.resources.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    parent: req.getParent(),
                    inputs: maskSecrets(pulumi.runtime.deserializeProperties(req.getObject() as never, true)) as Record<
                        string,
                        unknown
                    >,
                    protect: req.getProtect() ?? false,
                    dependencies: [...req.getDependenciesList()].sort(),
                    provider: req.getProvider(),
                    aliases: aliasesOf(req),
                    retainOnDelete: req.getRetainondelete() ?? false,
                    ignoreChanges: [...(req.getIgnorechangesList() ?? [])].sort(),
                    ...(req.getImportid() ? { importId: req.getImportid() } : {}),
                    ...replaceOnChangesOf(req),
                    seq: recorder.resources.length,
                });
            }
            forgetState(resp?.getUrn());
            cb(err, resp);
        });
    };
    // The mock monitor keeps a serialized copy of each resource's state (and then of a
    // component's outputs) for `getResource` reads, which this program never makes: at a
    // thousand projects that copy is as large as the recorded plan. Keep the entry (the monitor
    // checks that a component's URN is known when its outputs are registered), drop the state.
    const forgetState = (urn: string | undefined) => {
        const entry = urn === undefined ? undefined : monitor.resources.get(urn);
        if (entry) entry.state = {};
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, cb) =>
        registerOutputs(req, (err, resp) => {
            forgetState(req.getUrn());
            cb(err, resp);
        });
    return recorder;
}

/**
 * Runs a program under the installed mocks and waits until every registration is done.
 * Warnings the program logs are kept on the recorder.
 */
export async function runProgram(
    program: () => Promise<Record<string, unknown>>,
    recorder: Recorder,
): Promise<Record<string, unknown>> {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
        const text = args.map(String).join(" ");
        recorder.warnings.push(text.replace(/^warning: \[runtime\] /, ""));
    };
    try {
        const outputs = await program();
        const resolved = await resolveOutputs(outputs);
        // Registrations started by the program may still be in flight; wait for the SDK's RPC
        // queue to drain (an SDK function left out of its typings, as the engine host uses it).
        const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
        await runtime.waitForRPCs?.();
        if (recorder.refusals.length > 0) throw new RefusedByProvider(recorder.refusals);
        return resolved as Record<string, unknown>;
    } finally {
        console.warn = warn;
    }
}

async function resolveOutputs(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        // An unknown output never runs its apply callbacks: ask first (SDK internals, typed here).
        const output = value as unknown as {
            isKnown: Promise<boolean>;
            isSecret: Promise<boolean>;
            promise(): Promise<unknown>;
        };
        if (!(await output.isKnown)) return UNKNOWN;
        // A secret stack output prints masked, as `pulumi stack output` shows it without --show-secrets.
        if (await output.isSecret) return SECRET_MASK;
        return resolveOutputs(await output.promise());
    }
    if (pulumi.isUnknown(value)) return UNKNOWN;
    if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = await resolveOutputs(v);
            if (r !== undefined) out[k] = r;
        }
        return out;
    }
    return value;
}
