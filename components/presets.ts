import * as pulumi from "@pulumi/pulumi";
import type { Mode, PauseStatus } from "../config/schema";

/**
 * The deployment-mode presets of Databricks Asset Bundles (databricks/cli `apply_target_mode.go`
 * and `apply_presets.go`), as pure functions and one small class that applies them to outputs.
 */

/** The identity running the deployment, from the provider's current-user data source. */
export interface CurrentUser {
    /** The user name (an email for users, an application id for service principals). */
    userName: string;
    /** The short name used in dev prefixes, see `shortUserName`. */
    shortName: string;
}

/**
 * The short name of a user, as in `[dev <short_name>]`: the part of the user name before `@`,
 * lower case, with every character that is not a letter or digit replaced by `_`.
 */
export function shortUserName(userName: string): string {
    const local = userName.split("@")[0] ?? userName;
    return local.toLowerCase().replace(/[^a-z0-9]/g, "_");
}

/** The development-mode name prefix, `[dev <short_name>] `. */
export function devNamePrefix(shortName: string): string {
    return `[dev ${shortName}] `;
}

/**
 * The prefix for names that only allow letters, digits, `-` and `_` (serving endpoints):
 * `[dev jane] ` becomes `dev_jane_`, as the CLI's `normalizePrefix` does (lower case, runs of
 * other characters replaced by one `_`, no `_` at either end, then one `_`).
 */
export function normalizePrefix(prefix: string): string {
    const trimmed = prefix.replace(/\[/g, "").trim();
    const suffix = trimmed.endsWith("]") ? "_" : "";
    const normalized = trimmed
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]/gu, "_")
        .replace(/_+/g, "_")
        .replace(/^_|_$/g, "");
    return normalized + suffix;
}

/** Prefixes the last segment of a workspace path (the experiment name), keeping its folder. */
export function prefixLastSegment(path: string, prefix: string): string {
    const slash = path.lastIndexOf("/");
    return slash < 0 ? prefix + path : path.slice(0, slash + 1) + prefix + path.slice(slash + 1);
}

/** Replaces the current-user variables of a configured path. */
export function resolvePathVariables(path: string, user: CurrentUser): string {
    return path
        .replaceAll("${workspace.current_user.userName}", user.userName)
        .replaceAll("${workspace.current_user.short_name}", user.shortName);
}

/** A schedule's or trigger's pause status: the configured one, else PAUSED in development only. */
export function pauseStatusFor(mode: Mode, configured: PauseStatus | undefined): PauseStatus {
    return configured ?? (mode === "development" ? "PAUSED" : "UNPAUSED");
}

/** Jobs' `max_concurrent_runs`: 4 in development mode (parallel dev runs), the API default otherwise. */
export function maxConcurrentRunsFor(mode: Mode): number | undefined {
    return mode === "development" ? 4 : undefined;
}

/** Tags with the development `dev: <short_name>` tag added unless the configuration sets `dev`. */
export function presetTags(mode: Mode, shortName: string, tags: Record<string, string>): Record<string, string> {
    if (mode !== "development" || "dev" in tags) return { ...tags };
    return { ...tags, dev: shortName };
}

/**
 * The prefix of Unity Catalog names (schemas, registered models) in development mode,
 * `dev_<short_name>_`, as bundles prefix them: two developers never share a schema or a model,
 * and so neither the volume, the tables nor the trigger path inside the schema.
 */
export function devUcPrefix(shortName: string): string {
    return normalizePrefix(devNamePrefix(shortName));
}

/** A Unity Catalog name as the mode gives it: prefixed in development mode. */
export function ucNameFor(mode: Mode, shortName: string, name: string): string {
    return mode === "development" ? devUcPrefix(shortName) + name : name;
}

/** Whether a path uses the current-user variables. */
export function hasUserVariables(path: string): boolean {
    return path.includes("${workspace.current_user.");
}

/**
 * Applies the presets of one mode for one deploying user. In production mode no name, path or
 * tag depends on the deploying user: they stay known in a preview where the user is not (a
 * created workspace with a pending change), so nothing shows as replaced.
 */
export class Presets {
    constructor(
        /** The deployment mode. */
        public readonly mode: Mode,
        /** The deploying identity, from the provider's current-user data source. */
        public readonly user: pulumi.Output<CurrentUser>,
    ) {}

    get development(): boolean {
        return this.mode === "development";
    }

    /** In development mode, `f` of the user; otherwise `value`, independent of the user. */
    private byUser<T extends string | Record<string, string>>(value: T, f: (u: CurrentUser) => T): pulumi.Output<T> {
        return (this.development ? this.user.apply(f) : pulumi.output(value)) as pulumi.Output<T>;
    }

    /** Job, cluster-policy and warehouse names: `[dev <short_name>] <name>` in development mode. */
    displayName(name: string): pulumi.Output<string> {
        return this.byUser(name, (u) => devNamePrefix(u.shortName) + name);
    }

    /** Serving endpoint names: `dev_<short_name>_<name>` in development mode. */
    endpointName(name: string): pulumi.Output<string> {
        return this.byUser(name, (u) => devUcPrefix(u.shortName) + name);
    }

    /** Schema and registered-model names: `dev_<short_name>_<name>` in development mode. */
    ucName(name: string): pulumi.Output<string> {
        return this.byUser(name, (u) => ucNameFor(this.mode, u.shortName, name));
    }

    /**
     * Experiment paths: variables resolved (in every mode: a production or mode-none experiment
     * may live in the deploying principal's home), the last segment prefixed in development mode.
     */
    experimentPath(path: string): pulumi.Output<string> {
        if (!this.development) return this.path(path);
        return this.user.apply((u) => prefixLastSegment(resolvePathVariables(path, u), devNamePrefix(u.shortName)));
    }

    /** A workspace path with its variables resolved; a path without variables does not wait for the user. */
    path(path: string): pulumi.Output<string> {
        return hasUserVariables(path) ? this.user.apply((u) => resolvePathVariables(path, u)) : pulumi.output(path);
    }

    pauseStatus(configured: PauseStatus | undefined): PauseStatus {
        return pauseStatusFor(this.mode, configured);
    }

    get maxConcurrentRuns(): number | undefined {
        return maxConcurrentRunsFor(this.mode);
    }

    /** Tags, with `dev: <short_name>` in development mode (see `presetTags`). */
    tags(tags: Record<string, string>): pulumi.Output<Record<string, string>> {
        return this.byUser({ ...tags }, (u) => presetTags(this.mode, u.shortName, tags));
    }

    /**
     * Development-mode schemas are deleted with their contents (`forceDestroy`), so that
     * `pulumi destroy` removes a developer's sandbox; never in production mode.
     */
    get forceDestroy(): boolean {
        return this.development;
    }

    /**
     * Stateful resources are protected from deletion in production mode and in mode none (a
     * bundle target without a mode is a shared environment CI deploys, such as mlops-stacks'
     * staging and prod; bundles have no such guard, Pulumi does).
     */
    get protect(): boolean {
        return this.mode !== "development";
    }
}
