import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
    type AclEntry,
    aclAsRead,
    aclAsWritten,
    deployerLevel,
    hasOwnerLevel,
    identityEntry,
    managementLevels,
    PERMISSIONS_RULES,
    type PermissionsObjectRule,
    refusal,
    ruleOfInputs,
    sameAcl,
    withDeployer,
} from "../components/permissionLevels";
import { PERMISSIONS_TYPE, permissionsRefusal } from "../plan/permissionsCheck";
import { ENGINE_RECORDS_PRESENT, engineRecord, WITHOUT_RECORDS } from "./engineRecords";
import { PROJECT_DIR } from "./harness";

/**
 * One case per object type of `databricks.Permissions`, derived from the provider's definitions
 * as components/permissionLevels.ts encodes them (terraform-provider-databricks
 * `permissions/permission_definitions.go`).
 */

const PRINCIPAL = "5e7a9c1d-2b4f-4a6e-8c0d-1f3b5d7e9a2c";
const PERSON = "jane.doe@example.com";
const READER = "drift-reader@example.com";

const cases = Object.entries(PERMISSIONS_RULES) as [string, PermissionsObjectRule][];

/** A group entry at a level the type has that does not manage, else at a managing one. */
function groupEntry(rule: PermissionsObjectRule): AclEntry {
    const level = Object.keys(rule.levels).find((l) => !rule.levels[l]) ?? managementLevels(rule)[0];
    return { groupName: "data-scientists", permissionLevel: level };
}

describe.each(cases)("object type %s", (kind, rule) => {
    it.each([PRINCIPAL, PERSON])("accepts the deploying identity %s at its level, and only managing levels", (who) => {
        const level = deployerLevel(rule);
        expect(rule.levels[level]).toBe(true);
        expect(level === "IS_OWNER").toBe(hasOwnerLevel(rule));
        expect(refusal(rule, [groupEntry(rule), identityEntry(who, level)], who)).toBeUndefined();
        for (const lower of Object.keys(rule.levels).filter((l) => !rule.levels[l])) {
            expect(refusal(rule, [identityEntry(who, lower)], who)).toEqual({
                atPlan: false,
                message: `cannot remove management permissions for the current user for ${rule.objectType}, allowed levels: ${managementLevels(rule).join(", ")}`,
            });
            // Another identity may hold it: the rule is about the one that applies the list.
            expect(refusal(rule, [identityEntry(who, lower)], READER)).toBeUndefined();
        }
    });

    it("refuses a level the type does not have, at plan time", () => {
        expect(refusal(rule, [{ groupName: "g", permissionLevel: "CAN_FLY" }], PRINCIPAL)).toEqual({
            atPlan: true,
            message: `permission_level CAN_FLY is not supported with ${rule.terraformField} objects; allowed levels: ${Object.keys(rule.levels).sort().join(", ")}`,
        });
    });

    it("reads back exactly the declared list when it names its deployer, whoever refreshes", () => {
        const declared = withDeployer(rule, [groupEntry(rule)], PRINCIPAL);
        const held = aclAsWritten(rule, declared, PRINCIPAL);
        expect(sameAcl(held, declared)).toBe(true);
        for (const who of [PRINCIPAL, READER])
            expect(sameAcl(aclAsRead(rule, held, declared, who), declared)).toBe(true);
    });

    it("shows another identity the entry the provider adds for a deployer the list does not name", () => {
        const declared = [groupEntry(rule)];
        const held = aclAsWritten(rule, declared, PRINCIPAL);
        const added = rule.addsApplierAsManager || hasOwnerLevel(rule);
        // The deployer's own refresh hides it (prepareResponse); any other identity sees it.
        expect(sameAcl(aclAsRead(rule, held, declared, PRINCIPAL), declared)).toBe(true);
        expect(sameAcl(aclAsRead(rule, held, declared, READER), declared)).toBe(!added);
    });

    it(`is the rule of a Permissions whose object input is ${kind}`, () => {
        const inputs = kind.startsWith("authorization:")
            ? { authorization: kind.split(":")[1] }
            : { [kind]: "some-object" };
        expect(ruleOfInputs(inputs)).toEqual({ kind, rule });
    });
});

describe("the object types of the provider's SDK", () => {
    it("has a rule for every object input of databricks.PermissionsArgs", () => {
        const dts = fs.readFileSync(path.join(PROJECT_DIR, "node_modules/@pulumi/databricks/permissions.d.ts"), "utf8");
        const body = dts.slice(dts.indexOf("export interface PermissionsArgs"));
        const fields = [...body.slice(0, body.indexOf("\n}")).matchAll(/^\s{4}(\w+)\?:/gm)].map((m) => m[1]);
        const objectInputs = fields.filter((f) => !["accessControls", "objectType", "providerConfig"].includes(f));
        const covered = [...new Set(Object.keys(PERMISSIONS_RULES).map((k) => k.split(":")[0]))];
        expect(objectInputs.length).toBeGreaterThan(20);
        expect(covered.sort()).toEqual(objectInputs.sort());
    });
});

describe("the offline plan's check of a Permissions", () => {
    const warehouse = (level: string) => ({
        sqlEndpointId: "0e2e0c0ffee12345",
        accessControls: [
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
            { servicePrincipalName: PRINCIPAL, permissionLevel: level },
        ],
    });

    it("refuses, when it is written, a list that lowers the applying identity, in the provider's words", () => {
        expect(permissionsRefusal(warehouse("CAN_USE"), PRINCIPAL, false)).toBe(
            "cannot create permissions: cannot remove management permissions for the current user for warehouses, allowed levels: CAN_MANAGE, IS_OWNER",
        );
        expect(permissionsRefusal(warehouse("IS_OWNER"), PRINCIPAL, false)).toBeUndefined();
        expect(permissionsRefusal(warehouse("CAN_USE"), PERSON, false)).toBeUndefined();
    });

    it("lets a preview through, as the provider validates only when it writes", () => {
        expect(permissionsRefusal(warehouse("CAN_USE"), PRINCIPAL, true)).toBeUndefined();
        expect(permissionsRefusal(warehouse("CAN_FLY"), PRINCIPAL, true)).toMatch(/^permission_level CAN_FLY is not/);
    });

    it.skipIf(!ENGINE_RECORDS_PRESENT)(
        `says what the real provider said on the recorded first deploy of staging ${WITHOUT_RECORDS}`,
        () => {
            const said = engineRecord("staging.first-up.txt");
            // The recorded program gave the deploying principal CAN_USE on the warehouse.
            const message = permissionsRefusal(warehouse("CAN_USE"), PRINCIPAL, false) as string;
            expect(said).toContain(`databricks:index:Permissions (sql-warehouse-perms)`);
            expect(said).toContain(message);
            expect(PERMISSIONS_TYPE).toBe("databricks:index/permissions:Permissions");
        },
    );
});
