/**
 * The names of the stacks that have a role, without the config schema: the stack files are
 * listed (plan/stackConfig.ts) before anything loads the schema.
 */

/** The development template's stack: copied per developer (`npm run dev-stack`), never deployed itself. */
export const DEVELOPMENT_TEMPLATE_STACK = "dev";

/** A developer's own stack: `dev-<name>`. */
export const DEVELOPER_STACK = /^dev-[a-z0-9][a-z0-9-]{0,29}$/;

/**
 * The file every stack shares, beside Pulumi.yaml (config/load.ts reads it): the ML projects,
 * each defined once, and any other setting whose value is an object. Pulumi's project-level
 * config in Pulumi.yaml holds only scalars and lists of them (pulumi/pulumi#21419), so object
 * values live here; stack files hold only their environment's values and `projectOverrides`.
 */
export const SHARED_FILE = "shared.yaml";
