import type {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

/**
 * The platform's production rules as CrossGuard policies. Plain data and functions over the
 * resource types' tokens (no provider SDK is loaded), so the pack also checks other programs
 * that declare the same Databricks and Azure resources, and the offline plan can evaluate it.
 */

/** The pack's name, as `pulumi preview` prints it beside each violation. */
export const PACK_NAME = "mlops-guardrails";

/** Resource type tokens the policies look at. */
export const T = {
    job: "databricks:index/job:Job",
    cluster: "databricks:index/cluster:Cluster",
    serving: "databricks:index/modelServing:ModelServing",
    qualityMonitor: "databricks:index/qualityMonitor:QualityMonitor",
    schema: "databricks:index/schema:Schema",
    model: "databricks:index/registeredModel:RegisteredModel",
    volume: "databricks:index/volume:Volume",
    sqlTable: "databricks:index/sqlTable:SqlTable",
    experiment: "databricks:index/mlflowExperiment:MlflowExperiment",
    grants: "databricks:index/grants:Grants",
    grant: "databricks:index/grant:Grant",
    storageAccount: "azure-native:storage:StorageAccount",
    blobContainer: "azure-native:storage:BlobContainer",
    resourceGroup: "azure-native:resources:ResourceGroup",
    rgLock: "azure-native:authorization:ManagementLockAtResourceGroupLevel",
    workspace: "azure-native:databricks:Workspace",
    notebook: "databricks:index/notebook:Notebook",
    workspaceFile: "databricks:index/workspaceFile:WorkspaceFile",
    permissions: "databricks:index/permissions:Permissions",
} as const;

/** Stack names that mean production when a policy's config does not say (as the program's own check reads them). */
const PRODUCTION_STACK = /(^|[-_.])(prod|production|prd|live)([-_.]|$)/;

type Props = Record<string, unknown>;

/** The value at a dotted path of a resource's properties; `undefined` where any step is missing. */
function at(value: unknown, path: string): unknown {
    let v = value;
    for (const key of path.split(".")) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Props)[key];
    }
    return v;
}

function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** The stack segment of a URN (`urn:pulumi:<stack>::<project>::...`). */
function stackOf(urn: string): string {
    return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

/**
 * Whether the stack is production: the policy's `production` setting (the shipped stack config
 * files set it), else a stack name such as `prod` or `prod-eu`.
 */
function isProduction(config: { production?: boolean }, urn: string | undefined): boolean {
    return config.production ?? (urn !== undefined && PRODUCTION_STACK.test(stackOf(urn)));
}

const productionSchema = {
    production: {
        type: "boolean",
        description:
            "Whether the stack is production; omitted: a stack named prod, production, prd or live (or prod-*).",
    },
} as const;

/** Every cluster a job creates for its runs: shared job clusters and per-task clusters. */
function jobClusters(job: Props): { where: string; cluster: Props }[] {
    const out: { where: string; cluster: Props }[] = [];
    list(job.jobClusters).forEach((c, i) => {
        const cluster = at(c, "newCluster");
        const key = at(c, "jobClusterKey");
        if (cluster) out.push({ where: `job cluster ${String(key ?? i)}`, cluster: cluster as Props });
    });
    list(job.tasks).forEach((t, i) => {
        const cluster = at(t, "newCluster");
        const key = at(t, "taskKey");
        if (cluster) out.push({ where: `task ${String(key ?? i)}'s cluster`, cluster: cluster as Props });
    });
    return out;
}

const runAsServicePrincipal: ResourceValidationPolicy = {
    name: "prod-jobs-run-as-service-principal",
    description:
        "Production jobs run as a service principal (runAs.servicePrincipalName), never as the identity that deployed them.",
    configSchema: { properties: { ...productionSchema } },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== T.job) return;
        if (!isProduction(args.getConfig<{ production?: boolean }>(), args.urn)) return;
        const sp = at(args.props, "runAs.servicePrincipalName");
        if (typeof sp !== "string" || sp === "") {
            const user = at(args.props, "runAs.userName");
            report(
                user
                    ? `Job ${args.name} runs as the user ${String(user)}: set runAs.servicePrincipalName to the application id of a service principal.`
                    : `Job ${args.name} has no runAs.servicePrincipalName: it would run as whoever deploys it.`,
            );
        }
    },
};

const clustersGoverned: ResourceValidationPolicy = {
    name: "job-clusters-governed",
    description:
        "Job clusters use a cluster policy (policyId) and a Unity Catalog access mode: SINGLE_USER or USER_ISOLATION (shared).",
    configSchema: {
        properties: {
            allowedDataSecurityModes: {
                type: "array",
                items: { type: "string" },
                description: "Data security modes allowed on job clusters (default SINGLE_USER, USER_ISOLATION).",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== T.job) return;
        const allowed = args.getConfig<{ allowedDataSecurityModes?: string[] }>().allowedDataSecurityModes ?? [
            "SINGLE_USER",
            "USER_ISOLATION",
        ];
        for (const { where, cluster } of jobClusters(args.props)) {
            if (!cluster.policyId) report(`Job ${args.name}: ${where} has no policyId (a cluster policy).`);
            const mode = cluster.dataSecurityMode;
            if (typeof mode !== "string" || !allowed.includes(mode)) {
                report(
                    `Job ${args.name}: ${where} has dataSecurityMode ${mode === undefined ? "unset" : JSON.stringify(mode)}; expected one of ${allowed.join(", ")}.`,
                );
            }
        }
    },
};

/** Task kinds that run code, and so need compute (a cluster or a serverless environment). */
const CODE_TASKS = ["notebookTask", "sparkPythonTask", "pythonWheelTask"];

/** Whether a task runs code on serverless compute: it names an environment, or no compute at all. */
function serverlessTask(task: unknown): boolean {
    if (!CODE_TASKS.some((k) => at(task, k) !== undefined)) return false;
    return ["jobClusterKey", "existingClusterId", "newCluster"].every((k) => at(task, k) === undefined);
}

/** A dependency line that fixes what is installed: `name==version`, a requirements file, or a wheel or file path. */
function pinnedDependency(dep: string): boolean {
    return (
        /^[A-Za-z0-9_.-]+(\[[A-Za-z0-9_,.-]+\])?\s*==\s*[^=\s,;]+$/.test(dep) ||
        /^-r\s+\S+$/.test(dep) ||
        /\.whl$/.test(dep) ||
        dep.startsWith("/")
    );
}

const serverlessPinned: ResourceValidationPolicy = {
    name: "serverless-environments-pinned",
    description:
        "Tasks on serverless compute run in an environment the job declares, with a pinned environment version (spec.environmentVersion or spec.client) and pinned dependencies (name==version, a requirements file or a wheel): a run uses the libraries its code was tested with.",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== T.job) return;
        const declared = list(args.props.environments).map((e) => String(at(e, "environmentKey")));
        list(args.props.tasks).forEach((t, i) => {
            if (!serverlessTask(t)) return;
            const key = String(at(t, "taskKey") ?? i);
            const env = at(t, "environmentKey");
            if (env === undefined) {
                report(
                    `Job ${args.name}: task ${key} runs on serverless compute in the workspace's default environment: give it an environmentKey of a pinned environment, or a job cluster.`,
                );
            } else if (!declared.includes(String(env))) {
                report(
                    `Job ${args.name}: task ${key} names environment ${String(env)}, which the job does not declare.`,
                );
            }
        });
        for (const e of list(args.props.environments)) {
            const key = String(at(e, "environmentKey"));
            if (at(e, "spec.environmentVersion") === undefined && at(e, "spec.client") === undefined) {
                report(`Job ${args.name}: environment ${key} pins no environment version (spec.environmentVersion).`);
            }
            const loose = list(at(e, "spec.dependencies")).filter((d) => typeof d === "string" && !pinnedDependency(d));
            if (loose.length > 0) {
                report(
                    `Job ${args.name}: environment ${key} has unpinned dependencies ${loose.map((d) => JSON.stringify(d)).join(", ")} (expected name==version, -r <requirements file> or a wheel).`,
                );
            }
        }
    },
};

const noAllPurposeClusters: ResourceValidationPolicy = {
    name: "no-all-purpose-clusters",
    description:
        "No all-purpose cluster is declared: jobs create their own clusters under the cluster policy, and people use their own.",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type === T.cluster) report(`Cluster ${args.name} is an all-purpose cluster.`);
    },
};

const inferenceTables: ResourceValidationPolicy = {
    name: "serving-inference-tables",
    description:
        "Serving endpoints log requests and responses to inference tables (aiGateway.inferenceTableConfig.enabled).",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== T.serving) return;
        if (at(args.props, "aiGateway.inferenceTableConfig.enabled") !== true) {
            report(`Serving endpoint ${args.name} does not log to an inference table.`);
        }
    },
};

const noScaleToZero: ResourceValidationPolicy = {
    name: "prod-serving-no-scale-to-zero",
    description: "Production serving endpoints do not scale to zero (a cold start delays the first requests).",
    enforcementLevel: "advisory",
    configSchema: { properties: { ...productionSchema } },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (args.type !== T.serving) return;
        if (!isProduction(args.getConfig<{ production?: boolean }>(), args.urn)) return;
        const served = [
            ...list(at(args.props, "config.servedEntities")),
            ...list(at(args.props, "config.servedModels")),
        ];
        for (const s of served) {
            if (at(s, "scaleToZeroEnabled") === true) {
                report(`Serving endpoint ${args.name}: served entity ${String(at(s, "name"))} scales to zero.`);
            }
        }
    },
};

/** The Grants property that names each securable type. */
const SECURABLES: Record<string, "schema" | "model" | "volume"> = {
    [T.schema]: "schema",
    [T.model]: "model",
    [T.volume]: "volume",
};

/** The Unity Catalog name of a securable, from its inputs (`catalog.schema[.name]`). */
function fullName(r: PolicyResource): string | undefined {
    const p = r.props;
    const parts = r.type === T.schema ? [p.catalogName, p.name] : [p.catalogName, p.schemaName, p.name];
    return parts.every((x) => typeof x === "string" && x !== "") ? parts.join(".") : undefined;
}

const grantsOnEverything: StackValidationPolicy = {
    name: "uc-objects-have-grants",
    description:
        "Every Unity Catalog schema, registered model and volume has grants (a databricks.Grants whose schema, model or volume names it).",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const grants = args.resources.filter((r) => r.type === T.grants);
        for (const r of args.resources) {
            const key = SECURABLES[r.type];
            if (!key) continue;
            // The securable's id is computed: in a preview a Grants knows it only by dependency.
            const byDependency = grants.some(
                (g) => key in g.props && (g.propertyDependencies[key] ?? g.dependencies).some((d) => d.urn === r.urn),
            );
            const name = byDependency ? undefined : fullName(r);
            const byName = name !== undefined && grants.some((g) => g.props[key] === name);
            if (!byDependency && !byName) {
                report(`${key} ${r.name}${name ? ` (${name})` : ""} has no grants.`, r.urn);
            }
        }
    },
};

const BROAD_PRIVILEGES = ["ALL_PRIVILEGES", "MANAGE"];

const noBroadGrants: ResourceValidationPolicy = {
    name: "no-broad-grants",
    description:
        "No grant gives ALL_PRIVILEGES or MANAGE to an account-wide group (account users, users, or the configured ones).",
    configSchema: {
        properties: {
            accountWideGroups: {
                type: "array",
                items: { type: "string" },
                description: "Further groups that hold everyone (account users and users are always included).",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const entries =
            args.type === T.grants
                ? list(args.props.grants)
                : args.type === T.grant
                  ? [{ principal: args.props.principal, privileges: args.props.privileges }]
                  : [];
        const broad = [
            "account users",
            "users",
            ...(args.getConfig<{ accountWideGroups?: string[] }>().accountWideGroups ?? []),
        ];
        for (const e of entries) {
            const principal = at(e, "principal");
            const privileges = list(at(e, "privileges")).filter((p) => BROAD_PRIVILEGES.includes(String(p)));
            if (typeof principal === "string" && broad.includes(principal.toLowerCase()) && privileges.length > 0) {
                report(`${args.name} grants ${privileges.join(", ")} to the account-wide group "${principal}".`);
            }
        }
    },
};

const storageSecure: ResourceValidationPolicy = {
    name: "storage-account-secure",
    description:
        "Azure storage accepts HTTPS only, with TLS 1.2 at least, no public blob access and no shared-key access; containers are private.",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const p = args.props;
        if (args.type === T.blobContainer) {
            if (p.publicAccess !== undefined && p.publicAccess !== "None") {
                report(`Container ${args.name} has public access ${JSON.stringify(p.publicAccess)}; expected None.`);
            }
            return;
        }
        if (args.type !== T.storageAccount) return;
        // Azure's defaults differ by API version and account age: ask for the settings explicitly.
        if (p.enableHttpsTrafficOnly !== true)
            report(`Storage account ${args.name}: enableHttpsTrafficOnly must be true.`);
        if (p.minimumTlsVersion !== "TLS1_2" && p.minimumTlsVersion !== "TLS1_3") {
            report(
                `Storage account ${args.name}: minimumTlsVersion is ${p.minimumTlsVersion === undefined ? "unset" : JSON.stringify(p.minimumTlsVersion)}; expected TLS1_2.`,
            );
        }
        if (p.allowBlobPublicAccess !== false)
            report(`Storage account ${args.name}: allowBlobPublicAccess must be false.`);
        if (p.allowSharedKeyAccess !== false)
            report(`Storage account ${args.name}: allowSharedKeyAccess must be false.`);
    },
};

const deleteLock: StackValidationPolicy = {
    name: "prod-resource-group-delete-lock",
    description: "Production resource groups carry a CanNotDelete management lock.",
    configSchema: { properties: { ...productionSchema } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<{ production?: boolean }>();
        const locks = args.resources.filter((r) => r.type === T.rgLock && r.props.level === "CanNotDelete");
        for (const rg of args.resources.filter((r) => r.type === T.resourceGroup)) {
            if (!isProduction(config, rg.urn)) continue;
            const locked = locks.some(
                (l) =>
                    (l.propertyDependencies.resourceGroupName ?? l.dependencies).some((d) => d.urn === rg.urn) ||
                    (typeof rg.props.resourceGroupName === "string" &&
                        l.props.resourceGroupName === rg.props.resourceGroupName),
            );
            if (!locked) report(`Resource group ${rg.name} has no CanNotDelete lock.`, rg.urn);
        }
    },
};

/**
 * Types whose deletion loses data (registered models and their versions, tables, files, runs) or
 * what clients and people rely on: a serving endpoint (its name is its URL) and a quality monitor
 * (its refreshes).
 */
const STATEFUL_TYPES = [
    T.model,
    T.serving,
    T.qualityMonitor,
    T.schema,
    T.volume,
    T.sqlTable,
    T.experiment,
    T.storageAccount,
    T.blobContainer,
    T.resourceGroup,
    T.workspace,
];

const statefulProtected: ResourceValidationPolicy = {
    name: "prod-stateful-protected",
    description:
        "Stateful production resources (registered models, schemas, volumes, tables, experiments, serving endpoints, quality monitors, storage, resource groups, workspaces) are protected, and no production schema is force-destroyed.",
    configSchema: {
        properties: {
            ...productionSchema,
            types: {
                type: "array",
                items: { type: "string" },
                description: "The resource types that must be protected (default: the stateful ones named above).",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<{ production?: boolean; types?: string[] }>();
        if (!(config.types ?? STATEFUL_TYPES).includes(args.type) || !isProduction(config, args.urn)) return;
        if (!args.opts.protect) {
            report(`${args.name} holds data and is not protected: set the resource option protect: true.`);
        }
        // `force_destroy` deletes the schema with every table in it (terraform-provider-databricks
        // catalog/resource_schema.go): for development sandboxes only.
        if (args.type === T.schema && at(args.props, "forceDestroy") === true) {
            report(
                `${args.name} is a production schema with forceDestroy: deleting it would delete every table in it.`,
            );
        }
    },
};

const DEFAULT_AZURE_TAGS = ["environment", "project", "owner", "cost-center"];
// Databricks tags each cluster's VMs with the identity that runs it (`Creator`), so no owner tag.
const DEFAULT_CLUSTER_TAGS = ["environment", "project", "cost-center"];

const costTags: ResourceValidationPolicy = {
    name: "cost-tags",
    description:
        "Cost tags on every Azure resource that takes tags (environment, project, owner, cost-center), on job clusters and on jobs that run on serverless compute (environment, project, cost-center).",
    configSchema: {
        properties: {
            azureTags: {
                type: "array",
                items: { type: "string" },
                description: "Tags every taggable Azure resource has.",
            },
            clusterTags: {
                type: "array",
                items: { type: "string" },
                description: "Custom tags every job cluster has (and every job on serverless compute).",
            },
        },
    },
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<{ azureTags?: string[]; clusterTags?: string[] }>();
        const missing = (tags: unknown, required: string[]) =>
            required.filter((k) => !(tags && typeof tags === "object" && k in tags));
        if (args.type.startsWith("azure-native:")) {
            // ARM tracked resources (the ones with a location) take tags; proxy resources such as
            // containers, locks and role assignments do not.
            if (args.props.location === undefined && args.props.tags === undefined) return;
            const absent = missing(args.props.tags, config.azureTags ?? DEFAULT_AZURE_TAGS);
            if (absent.length > 0) report(`${args.name} lacks the tags ${absent.join(", ")}.`);
        } else if (args.type === T.job) {
            for (const { where, cluster } of jobClusters(args.props)) {
                const absent = missing(cluster.customTags, config.clusterTags ?? DEFAULT_CLUSTER_TAGS);
                if (absent.length > 0) report(`Job ${args.name}: ${where} lacks the custom tags ${absent.join(", ")}.`);
            }
            // Serverless compute has no cluster to tag: its usage carries the job's tags.
            if (list(args.props.tasks).some(serverlessTask)) {
                const absent = missing(args.props.tags, config.clusterTags ?? DEFAULT_CLUSTER_TAGS);
                if (absent.length > 0)
                    report(`Job ${args.name}: runs on serverless compute and lacks the job tags ${absent.join(", ")}.`);
            }
        }
    },
};

/** A workspace path without the `/Workspace` prefix the API accepts on either spelling. */
function workspacePath(p: string): string {
    return p.startsWith("/Workspace/") ? p.slice("/Workspace".length) : p;
}

/** Levels that let a principal change a folder's code (`CAN_RUN` only runs notebooks). */
const WRITE_LEVELS = ["CAN_EDIT", "CAN_MANAGE"];

const prodCodeRestricted: StackValidationPolicy = {
    name: "prod-code-root-restricted",
    description:
        "Production code (notebooks, workspace files) is not under /Shared, which every workspace user can change, unless a databricks.Permissions on its folder restricts it: the code runs as the service principal.",
    configSchema: { properties: { ...productionSchema } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<{ production?: boolean }>();
        // Folders with a Permissions that gives the account-wide groups no write access.
        const restricted = args.resources
            .filter((r) => r.type === T.permissions && typeof r.props.directoryPath === "string")
            .filter(
                (r) =>
                    !list(r.props.accessControls).some(
                        (a) =>
                            ["users", "account users"].includes(String(at(a, "groupName")).toLowerCase()) &&
                            WRITE_LEVELS.includes(String(at(a, "permissionLevel"))),
                    ),
            )
            .map((r) => workspacePath(String(r.props.directoryPath)).replace(/\/+$/, ""));
        for (const r of args.resources) {
            if ((r.type !== T.notebook && r.type !== T.workspaceFile) || !isProduction(config, r.urn)) continue;
            if (typeof r.props.path !== "string") continue;
            const p = workspacePath(r.props.path);
            if (!p.startsWith("/Shared/")) continue;
            if (restricted.some((dir) => p.startsWith(`${dir}/`))) continue;
            report(
                `${r.name} (${r.props.path}) is production code under /Shared, which every workspace user can change: set workspaceRootPath to the runAs principal's home (the default), or declare a databricks.Permissions on its folder.`,
                r.urn,
            );
        }
    },
};

/** The pack's policies, in the order `pulumi preview` reports them. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    runAsServicePrincipal,
    clustersGoverned,
    serverlessPinned,
    noAllPurposeClusters,
    inferenceTables,
    noScaleToZero,
    grantsOnEverything,
    noBroadGrants,
    storageSecure,
    deleteLock,
    statefulProtected,
    prodCodeRestricted,
    costTags,
];
