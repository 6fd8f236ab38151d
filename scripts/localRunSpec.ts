import type { PlanDocument, PlanStep } from "../plan/plan";
import { identityNames } from "../plan/identity";
import { mockedId } from "../plan/mocks";
import { jobRuntimes } from "./localRunRuntime";

/**
 * What `npm run local-run` needs of one project, read from the program's plan: the code the
 * workspace would hold, the Unity Catalog objects, the experiment, the processed table, the
 * endpoint, the monitor, and each job with its tasks exactly as the plan declares them.
 */
export interface LocalRunTarget {
    project: string;
    stack: string;
    /** The uploaded notebooks and library files: workspace path and content. */
    workspaceFiles: { path: string; kind: "notebook" | "file"; contentBase64: string }[];
    /** `catalog.schema` of each schema the project's objects live in. */
    schemas: string[];
    /** Volume paths (`/Volumes/<catalog>/<schema>/<volume>`). */
    volumes: string[];
    /** Experiment names (workspace paths). */
    experiments: string[];
    /** Registered models' three-level names. */
    models: string[];
    /** Tables the program creates (`SqlTable`), with their declared columns. */
    tables: { name: string; columns: { name: string; type: string }[] }[];
    endpoints: {
        name: string;
        /** The AI Gateway inference table, `<catalog>.<schema>.<prefix>_payload`. */
        inferenceTable: string;
        servedEntities: { name: string; entityName: string; entityVersion: string }[];
        routes: { servedEntityName: string; trafficPercentage: number }[];
    }[];
    monitors: { tableName: string; inferenceLog: Record<string, unknown> }[];
    jobs: LocalRunJob[];
    /** Only the training job runs (the source of a deploy-model promotion). */
    trainingOnly?: boolean;
}

/** What a job is for, from the component that declares it. */
export type JobRole = "featureTable" | "training" | "inference" | "processing" | "retraining" | "promotion";

export interface LocalRunJob {
    /** The id the plan's references to the job hold. */
    id: string;
    /** The job's name, as the workspace shows it. */
    name: string;
    /** The job's logical name (the URN's). */
    resource: string;
    role: JobRole;
    /** The plan's `tasks`, unchanged. */
    tasks: Record<string, unknown>[];
    trigger?: Record<string, unknown>;
    /** The job's serverless environments, for the tasks that name one. */
    environments?: Record<string, unknown>[];
    /** The runtimes the job declares (`jobRuntimes`): the local run's environment is theirs. */
    runtimes: string[];
}

const ROLES: Record<string, JobRole> = {
    "mlops:databricks:FeatureTableJob": "featureTable",
    "mlops:databricks:TrainingJob": "training",
    "mlops:databricks:InferenceJob": "inference",
    "mlops:databricks:QualityMonitor": "processing",
    "mlops:databricks:RetrainingJob": "retraining",
    "mlops:databricks:PromotionJob": "promotion",
};

const T = {
    project: "mlops:databricks:MlProject",
    job: "databricks:index/job:Job",
    notebook: "databricks:index/notebook:Notebook",
    file: "databricks:index/workspaceFile:WorkspaceFile",
    schema: "databricks:index/schema:Schema",
    volume: "databricks:index/volume:Volume",
    experiment: "databricks:index/mlflowExperiment:MlflowExperiment",
    model: "databricks:index/registeredModel:RegisteredModel",
    table: "databricks:index/sqlTable:SqlTable",
    serving: "databricks:index/modelServing:ModelServing",
    monitor: "databricks:index/qualityMonitor:QualityMonitor",
};

type State = PlanStep["newState"];
// The plan's inputs are the SDK's input shapes, as JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The logical name of a resource (the URN's last part). */
const nameOf = (s: State) => s.urn.slice(s.urn.lastIndexOf("::") + 2);

/** The projects a plan declares, by name. */
export function plannedProjects(doc: PlanDocument): string[] {
    return doc.steps
        .map((s) => s.newState)
        .filter((s) => s.type === T.project)
        .map(nameOf)
        .sort();
}

/** The local-run target of one project of a plan; undefined when the plan has no such project. */
export function localRunTarget(doc: PlanDocument, project: string, stack: string): LocalRunTarget | undefined {
    const states = doc.steps.map((s) => s.newState);
    const byUrn = new Map(states.map((s) => [s.urn, s]));
    const root = states.find((s) => s.type === T.project && nameOf(s) === project);
    if (!root) return undefined;
    const inProject = (s: State) => {
        for (let p = s.parent; p; p = byUrn.get(p)?.parent) if (p === root.urn) return true;
        return false;
    };
    const mine = states.filter(inProject);
    const of = (type: string) => mine.filter((s) => s.type === type).map((s) => [s, s.inputs as Json] as const);

    const schemas = new Set<string>();
    for (const [, i] of of(T.schema)) schemas.add(`${i.catalogName}.${i.name}`);
    for (const [, i] of [...of(T.model), ...of(T.volume), ...of(T.table)])
        schemas.add(`${i.catalogName}.${i.schemaName}`);

    // The ids the mocks gave the jobs: keyed by the name each had before any rename.
    const identities = identityNames(doc.steps);
    const jobs: LocalRunJob[] = of(T.job).flatMap(([s, i]) => {
        const role = ROLES[byUrn.get(s.parent ?? "")?.type ?? ""];
        if (!role) return [];
        return [
            {
                id: mockedId(s.type, identities.get(s.urn) ?? nameOf(s), i),
                name: String(i.name),
                resource: nameOf(s),
                role,
                tasks: i.tasks as Record<string, unknown>[],
                runtimes: jobRuntimes(i),
                ...(i.trigger ? { trigger: i.trigger as Record<string, unknown> } : {}),
                ...(i.environments ? { environments: i.environments as Record<string, unknown>[] } : {}),
            },
        ];
    });

    return {
        project,
        stack,
        workspaceFiles: [
            ...of(T.notebook).map(([, i]) => ({
                path: String(i.path),
                kind: "notebook" as const,
                contentBase64: String(i.contentBase64),
            })),
            ...of(T.file).map(([, i]) => ({
                path: String(i.path),
                kind: "file" as const,
                contentBase64: String(i.contentBase64),
            })),
        ],
        schemas: [...schemas].sort(),
        volumes: of(T.volume).map(([, i]) => `/Volumes/${i.catalogName}/${i.schemaName}/${i.name}`),
        experiments: of(T.experiment).map(([, i]) => String(i.name)),
        models: of(T.model).map(([, i]) => `${i.catalogName}.${i.schemaName}.${i.name}`),
        tables: of(T.table).map(([, i]) => ({
            name: `${i.catalogName}.${i.schemaName}.${i.name}`,
            columns: (i.columns as Json[]).map((c) => ({ name: String(c.name), type: String(c.type) })),
        })),
        endpoints: of(T.serving).map(([, i]) => {
            const entities = (i.config?.servedEntities ?? []) as Json[];
            const table = i.aiGateway?.inferenceTableConfig;
            return {
                name: String(i.name),
                inferenceTable: `${table.catalogName}.${table.schemaName}.${table.tableNamePrefix}_payload`,
                servedEntities: entities.map((e) => ({
                    name: String(e.name),
                    entityName: String(e.entityName),
                    entityVersion: String(e.entityVersion),
                })),
                routes: ((i.config?.trafficConfig?.routes as Json[] | undefined) ??
                    entities.slice(0, 1).map((e) => ({ servedEntityName: e.name, trafficPercentage: 100 }))) as {
                    servedEntityName: string;
                    trafficPercentage: number;
                }[],
            };
        }),
        monitors: of(T.monitor).map(([, i]) => ({
            tableName: String(i.tableName),
            inferenceLog: i.inferenceLog as Record<string, unknown>,
        })),
        jobs,
    };
}

/** The parameter a job's notebook tasks give, from the first task that gives it. */
export function taskParameter(job: LocalRunJob, name: string): string | undefined {
    for (const task of job.tasks as Json[]) {
        const value = task.notebookTask?.baseParameters?.[name];
        if (value !== undefined) return String(value);
    }
    return undefined;
}
