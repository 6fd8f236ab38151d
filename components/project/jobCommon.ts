import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import type { AccessControl } from "../access";
import { adoptOptions } from "./adopt";
import type { JobTaskDef } from "./jobGraph";

/** What the project's jobs have in common. */
export interface CommonJobArgs {
    /** Job name (prefixed in development mode by the caller). */
    jobName: pulumi.Input<string>;
    /** Shared ML job-cluster spec, from `MlCluster.jobCluster`. */
    jobCluster: pulumi.Input<databricks.types.input.JobJobCluster>;
    /** Service principal the job runs as (production); omitted: the deploying identity. */
    runAsServicePrincipal?: string;
    /** Emails told when a run fails; empty: none. */
    failureEmails: string[];
    /** `max_concurrent_runs`; omitted: the API default (1). */
    maxConcurrentRuns?: number;
    /** Job tags. */
    tags: pulumi.Input<Record<string, string>>;
    /** Access control list of the job. */
    permissions: AccessControl[];
    /** Id of a deployed job to adopt (Pulumi `import`) instead of creating one; omitted: created. */
    adoptId?: string;
}

/** The job arguments the common settings give. */
export function commonJobInputs(args: CommonJobArgs): databricks.JobArgs {
    return {
        name: args.jobName,
        jobClusters: [args.jobCluster],
        maxConcurrentRuns: args.maxConcurrentRuns,
        tags: args.tags,
        runAs: args.runAsServicePrincipal ? { servicePrincipalName: args.runAsServicePrincipal } : undefined,
        emailNotifications: args.failureEmails.length > 0 ? { onFailures: args.failureEmails } : undefined,
        // Bundles enable queueing on every job (databricks/cli default_queueing.go): a run started
        // while another holds the concurrency limit waits instead of being skipped.
        queue: { enabled: true },
    };
}

/** A job task with a plain key and plain dependencies, as the components build them. */
type PlainTask = JobTaskDef;

/** Go's `cmp.Compare` on strings: byte order, which is not the locale order of `localeCompare`. */
function byteOrder(a: string, b: string): number {
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Tasks in the order the provider reads them back: by task key, each task's `dependsOns` by task
 * key too (terraform-provider-databricks jobs/jobs_api_go_sdk.go `adjustTasks`/`sortTasksByKey`).
 * Declared in any other order, every preview shows an update of the job and every `up` resets it.
 * The run order is the dependency graph's, never the list's.
 */
export function canonicalTasks<T extends PlainTask>(tasks: T[]): T[] {
    return [...tasks]
        .sort((a, b) => byteOrder(a.taskKey, b.taskKey))
        .map((t) =>
            t.dependsOns ? { ...t, dependsOns: [...t.dependsOns].sort((a, b) => byteOrder(a.taskKey, b.taskKey)) } : t,
        );
}

/**
 * Declares the job (its tasks in canonical order, their lifecycle roles left out: the API has no
 * such field) and its access control list; returns the job.
 */
export function declareJob(
    name: string,
    inputs: Omit<databricks.JobArgs, "tasks"> & { tasks: PlainTask[] },
    permissions: AccessControl[],
    parent: pulumi.Resource,
    opts: pulumi.CustomResourceOptions = {},
    adoptId?: string,
): databricks.Job {
    const job = new databricks.Job(
        name,
        { ...inputs, tasks: canonicalTasks(inputs.tasks).map(({ role: _role, ...task }) => task) },
        pulumi.mergeOptions({ ...opts, parent }, adoptOptions(adoptId, inputs, "databricks:index/job:Job")),
    );
    new databricks.Permissions(`${name}-perms`, { jobId: job.id, accessControls: permissions }, { parent });
    return job;
}
