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

/** Applies the presets of one mode for one deploying user. */
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

    /** Job and cluster-policy names: `[dev <short_name>] <name>` in development mode. */
    displayName(name: string): pulumi.Output<string> {
        return this.user.apply((u) => (this.development ? devNamePrefix(u.shortName) + name : name));
    }

    /** Serving endpoint names: `dev_<short_name>_<name>` in development mode. */
    endpointName(name: string): pulumi.Output<string> {
        return this.user.apply((u) => (this.development ? normalizePrefix(devNamePrefix(u.shortName)) + name : name));
    }

    /** Experiment paths: variables resolved, the last segment prefixed in development mode. */
    experimentPath(path: string): pulumi.Output<string> {
        return this.user.apply((u) => {
            const resolved = resolvePathVariables(path, u);
            return this.development ? prefixLastSegment(resolved, devNamePrefix(u.shortName)) : resolved;
        });
    }

    /** A workspace path with its variables resolved. */
    path(path: string): pulumi.Output<string> {
        return this.user.apply((u) => resolvePathVariables(path, u));
    }

    pauseStatus(configured: PauseStatus | undefined): PauseStatus {
        return pauseStatusFor(this.mode, configured);
    }

    get maxConcurrentRuns(): number | undefined {
        return maxConcurrentRunsFor(this.mode);
    }

    tags(tags: Record<string, string>): pulumi.Output<Record<string, string>> {
        return this.user.apply((u) => presetTags(this.mode, u.shortName, tags));
    }

    /** Stateful resources are protected from deletion in production mode. */
    get protect(): boolean {
        return this.mode === "production";
    }
}
