import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "./harness";

/**
 * What the real Pulumi engine and Databricks provider did with the shipped stacks, recorded
 * outside this project (`../shared/engine-records/`, beside the checkout, as CI lays it out; or
 * the folder `MLOPS_ENGINE_RECORDS` names). Absent elsewhere: the tests that read it skip, and
 * say so in their names.
 */
export const ENGINE_RECORDS_DIR =
    process.env.MLOPS_ENGINE_RECORDS ?? path.resolve(PROJECT_DIR, "../shared/engine-records");

/** Whether the records are here. */
export const ENGINE_RECORDS_PRESENT = fs.existsSync(path.join(ENGINE_RECORDS_DIR, "README.md"));

/** The words a skipped test's name carries. */
export const WITHOUT_RECORDS = "(skipped without ../shared/engine-records, or MLOPS_ENGINE_RECORDS)";

/** A file of the records. */
export function engineRecord(file: string): string {
    return fs.readFileSync(path.join(ENGINE_RECORDS_DIR, file), "utf8");
}
