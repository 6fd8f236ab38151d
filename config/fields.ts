import { z } from "zod";
import { quartzCronProblem } from "./quartz";

/**
 * Field types and scope marks the config schemas share (config/schema.ts, config/jobs.ts).
 * Every setting is either promotable (how a project runs: runtime, sizes, crons, thresholds,
 * task graphs; tried in dev, then promoted to prod with `npm run promote`) or environment-scoped
 * (where and as whom it runs: catalog, mode, run-as, workspace, names, served versions, pause
 * states). The mark is zod metadata on the field; `config/scopes.ts` reads it.
 */
export type Scope = "promotable" | "environment";

/**
 * The metadata of a setting: its scope and its description, which docs/configuration.md is
 * generated from (`npm run docs:config`). A field without a scope of its own (an object whose
 * fields have theirs) takes its description with `.describe(...)`.
 */
export function promotable(description: string) {
    return { scope: "promotable" as const, description };
}
export function environment(description: string) {
    return { scope: "environment" as const, description };
}

export const PAUSE_STATUSES = ["PAUSED", "UNPAUSED"] as const;
export type PauseStatus = (typeof PAUSE_STATUSES)[number];

/**
 * A Quartz cron expression (six or seven fields: seconds, minutes, hours, day-of-month, month,
 * day-of-week, optional year), each field in its range. Databricks rejects five-field Unix cron.
 */
export const quartzCron = z.string().superRefine((c, ctx) => {
    const problem = quartzCronProblem(c);
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: c });
});

export const timezone = z.string().refine(isTimeZone, { message: "expected an IANA/Java time zone id such as 'UTC'" });

/**
 * The canonical time zone ids ICU knows, and "UTC" (which Node's list leaves out): each resolves
 * to itself, so it is a time zone id as written (tests/config.test.ts). Listing them costs a
 * fraction of the first `Intl.DateTimeFormat` with a time zone, which loads the locale's calendar
 * data; that one is made only for ids outside the list (aliases such as "Asia/Calcutta", errors).
 */
let canonicalZones: Set<string> | undefined;

export function isTimeZone(tz: string): boolean {
    canonicalZones ??= new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);
    if (canonicalZones.has(tz)) return true;
    try {
        // Java time zone ids are case-sensitive; Intl is not: refuse an id it only knows in another case.
        const resolved = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
        return resolved === tz || resolved.toLowerCase() !== tz.toLowerCase();
    } catch {
        return false;
    }
}
