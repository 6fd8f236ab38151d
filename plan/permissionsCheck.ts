import { type AclEntry, refusal, ruleOfInputs } from "../components/permissionLevels";

/** The resource type the check applies to. */
export const PERMISSIONS_TYPE = "databricks:index/permissions:Permissions";

/**
 * Why the Databricks provider would refuse a `databricks.Permissions` with these inputs applied
 * by `applier`, in the words the engine prints (`cannot create permissions: ...`); `undefined`:
 * it accepts them. A level the object type does not have fails in a preview too; a list that
 * lowers the applier below a managing level, or names the `admins` group, fails only when it is
 * written (terraform-provider-databricks `permissions/resource_permissions.go`: `Update` calls
 * `validate`; `CustomizeDiff` checks only the levels). The offline plan's mocks call it for every
 * Permissions they register (plan/mocks.ts), so a plan fails where the first `pulumi up` would.
 */
export function permissionsRefusal(
    inputs: Record<string, unknown>,
    applier: string,
    preview: boolean,
): string | undefined {
    const found = ruleOfInputs(inputs);
    const acl = inputs.accessControls;
    if (!found || !Array.isArray(acl)) return undefined;
    const refused = refusal(found.rule, acl as AclEntry[], applier);
    if (!refused || (preview && !refused.atPlan)) return undefined;
    return refused.atPlan ? refused.message : `cannot create permissions: ${refused.message}`;
}

/** A deploy the provider would fail: the resources it refuses, each with its message. */
export class RefusedByProvider extends Error {
    constructor(readonly refusals: string[]) {
        super(
            `the provider would refuse ${refusals.length === 1 ? "a resource" : `${refusals.length} resources`} of this deploy:\n  ${refusals.join("\n  ")}`,
        );
        this.name = "RefusedByProvider";
    }
}
