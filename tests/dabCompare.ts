import type { PlanDocument } from "../plan/plan";

/**
 * The settings a bundle target's resources have as the Databricks CLI resolves them
 * (`bundle validate -o json`) beside the same settings of an imported stack's plan, one line per
 * setting, so that a test compares them resource by resource and names what differs.
 */

/** The group entries of an access control list, as `group level` lines. */
export function groups(
    list: { group_name?: string; groupName?: string; level?: string; permissionLevel?: string }[] | undefined,
): string[] {
    return (list ?? [])
        .filter((e) => (e.group_name ?? e.groupName) !== undefined)
        .map((e) => `${e.group_name ?? e.groupName} ${e.level ?? e.permissionLevel}`)
        .sort();
}

const noWorkspace = (p: unknown) => (typeof p === "string" ? p.replace(/^\/Workspace(?=\/)/, "") : p);

/** The bundle's job keys, by the program's job component name suffix. */
export const JOB_URNS: Record<string, string> = {
    model_training_job: "training",
    batch_inference_job: "inference",
    write_feature_table_job: "feature-table",
    retraining_job: "retraining",
};

export interface Comparison {
    /** `resource setting`: the CLI's value. */
    dab: Record<string, unknown>;
    /** `resource setting`: the plan's value. */
    plan: Record<string, unknown>;
}

/** The compared settings of one target: jobs, experiment, registered model, schemas. */
export function compare(dab: Record<string, any>, doc: PlanDocument, project: string): Comparison {
    const steps = doc.steps.map((s) => s.newState);
    const named = (type: string, name: string): Record<string, any> | undefined =>
        steps.find((s) => s.type === `databricks:index/${type}` && s.urn.endsWith(`::${name}`))?.inputs as
            Record<string, any> | undefined;
    const out: Comparison = { dab: {}, plan: {} };
    const put = (key: string, d: unknown, p: unknown) => {
        out.dab[key] = d;
        out.plan[key] = p;
    };
    const r = dab.resources ?? {};
    for (const [key, d] of Object.entries<Record<string, any>>(r.jobs ?? {})) {
        const urn = `${project}-${JOB_URNS[key] ?? key}`;
        const p = named("job:Job", urn);
        const k = `jobs.${key}`;
        put(`${k} exists`, true, p !== undefined);
        if (!p) continue;
        put(`${k} name`, d.name, p.name);
        put(`${k} max_concurrent_runs`, d.max_concurrent_runs ?? 1, p.maxConcurrentRuns ?? 1);
        put(`${k} run_as`, d.run_as?.service_principal_name ?? d.run_as?.user_name, p.runAs?.servicePrincipalName);
        put(`${k} schedule`, d.schedule?.quartz_cron_expression, p.schedule?.quartzCronExpression);
        put(`${k} schedule timezone`, d.schedule?.timezone_id, p.schedule?.timezoneId);
        put(
            `${k} schedule pause`,
            d.schedule ? (d.schedule.pause_status ?? "UNPAUSED") : undefined,
            p.schedule ? (p.schedule.pauseStatus ?? "UNPAUSED") : undefined,
        );
        put(
            `${k} trigger pause`,
            d.trigger ? (d.trigger.pause_status ?? "UNPAUSED") : undefined,
            p.trigger ? (p.trigger.pauseStatus ?? "UNPAUSED") : undefined,
        );
        const perms = named("permissions:Permissions", `${urn}-perms`);
        put(`${k} permissions`, groups(d.permissions), groups(p.accessControls ?? perms?.accessControls));
        // The program adds its project and environment tags: the CLI's are a subset.
        put(
            `${k} tags`,
            d.tags ?? {},
            Object.fromEntries(Object.entries(p.tags ?? {}).filter(([t]) => t in (d.tags ?? {}))),
        );
        const tasks = (list: any[], f: (t: any) => unknown) =>
            Object.fromEntries([...(list ?? [])].map((t) => [t.task_key ?? t.taskKey, f(t)]));
        put(
            `${k} tasks`,
            tasks(d.tasks, (t) => ({
                depends_on: (t.depends_on ?? []).map((x: any) => [x.task_key, x.outcome ?? null]),
                notebook: t.notebook_task ? String(t.notebook_task.notebook_path).split("/").pop() : null,
                parameters: t.notebook_task?.base_parameters ?? null,
                condition: t.condition_task
                    ? [t.condition_task.left, t.condition_task.op, t.condition_task.right]
                    : null,
                runs_job: Boolean(t.run_job_task),
            })),
            tasks(p.tasks, (t) => ({
                depends_on: (t.dependsOns ?? []).map((x: any) => [x.taskKey, x.outcome ?? null]),
                notebook: t.notebookTask ? String(t.notebookTask.notebookPath).split("/").pop() : null,
                parameters: t.notebookTask?.baseParameters ?? null,
                condition: t.conditionTask ? [t.conditionTask.left, t.conditionTask.op, t.conditionTask.right] : null,
                runs_job: Boolean(t.runJobTask),
            })),
        );
        const clusterOf = (list: any[] | undefined, tasksList: any[] | undefined, snake: boolean) => {
            const c =
                list?.[0]?.[snake ? "new_cluster" : "newCluster"] ??
                tasksList?.[0]?.[snake ? "new_cluster" : "newCluster"];
            if (!c) return undefined;
            return snake
                ? [c.spark_version, c.node_type_id, c.num_workers, c.data_security_mode]
                : [c.sparkVersion, c.nodeTypeId, c.numWorkers, c.dataSecurityMode];
        };
        put(`${k} cluster`, clusterOf(d.job_clusters, d.tasks, true), clusterOf(p.jobClusters, p.tasks, false));
    }
    for (const [key, d] of Object.entries<Record<string, any>>(r.experiments ?? {})) {
        const p = named("mlflowExperiment:MlflowExperiment", `${project}-experiment`);
        put(`experiments.${key} name`, noWorkspace(d.name), noWorkspace(p?.name));
        put(
            `experiments.${key} permissions`,
            groups(d.permissions),
            groups(named("permissions:Permissions", `${project}-experiment-perms`)?.accessControls),
        );
    }
    for (const [key, d] of Object.entries<Record<string, any>>(r.registered_models ?? {})) {
        const p = named("registeredModel:RegisteredModel", `${project}-model`);
        put(
            `registered_models.${key} name`,
            [d.catalog_name, d.schema_name, d.name].join("."),
            p ? [p.catalogName, p.schemaName, p.name].join(".") : undefined,
        );
        put(`registered_models.${key} comment`, d.comment, p?.comment);
        const grants = named("grants:Grants", `${project}-model-grants`);
        put(
            `registered_models.${key} grants`,
            (d.grants ?? []).map((g: any) => `${g.principal} ${[...g.privileges].sort().join(",")}`).sort(),
            (grants?.grants ?? [])
                .filter((g: any) => (d.grants ?? []).some((x: any) => x.principal === g.principal))
                .map((g: any) => `${g.principal} ${[...g.privileges].sort().join(",")}`)
                .sort(),
        );
    }
    put(
        "schemas declared",
        Object.values<Record<string, any>>(r.schemas ?? {})
            .map((s) => `${s.catalog_name}.${s.name}`)
            .sort(),
        steps
            .filter((s) => s.type === "databricks:index/schema:Schema")
            .map((s) => `${(s.inputs as any).catalogName}.${(s.inputs as any).name}`)
            .sort(),
    );
    return out;
}
