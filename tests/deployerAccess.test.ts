import { describe, expect, it } from "vitest";
import {
    type AclEntry,
    aclAsRead,
    aclAsWritten,
    deployerLevel,
    grantsSecurableOf,
    namesIdentity,
    ruleOfInputs,
    sameAcl,
} from "../components/permissionLevels";
import { PERMISSIONS_TYPE, RefusedByProvider } from "../plan/permissionsCheck";
import { planCli, planStack, rawStackFileConfig, stackFileConfig, tempProject } from "./harness";

const NS = "databricks-mlops";

/**
 * Every `databricks.Permissions` a stack declares, as the identity that deploys it applies it:
 * the offline plan's mocks refuse a list as the provider does (plan/permissionsCheck.ts), so a
 * production stack planned as its principal fails where its first `pulumi up` would.
 */

/** The `runAs` principal of a fixture stack: the identity CI deploys it as. */
function principalOf(stack: string): string {
    return (rawStackFileConfig(stack)["databricks-mlops:runAs"] as { servicePrincipalName: string })
        .servicePrincipalName;
}

/** An identity that only reads the stack: the drift check's, a pull request's preview. */
const READER = "drift-reader@example.com";

interface Declared {
    urn: string;
    inputs: Record<string, unknown>;
    acl: AclEntry[];
}

/**
 * The Permissions of a fixture stack planned as `user`'s `pulumi up`; with its endpoint serving
 * two aliases, so that it declares the A/B comparison query too.
 */
async function permissionsOf(stack: string, user: string): Promise<Declared[]> {
    const config = structuredClone(stackFileConfig(stack)) as Record<string, any>;
    config["databricks-mlops:projects"][0].serving.routes = [
        { alias: "champion", trafficPercentage: 80 },
        { alias: "challenger", trafficPercentage: 20 },
    ];
    const run = await planStack(stack, { projectDir: tempProject(stack, config), user });
    return run.ofType(PERMISSIONS_TYPE).map((s) => ({
        urn: s.urn,
        inputs: s.inputs as Record<string, unknown>,
        acl: (s.inputs as { accessControls: AclEntry[] }).accessControls,
    }));
}

describe.each(["staging", "prod"])("the %s fixture stack, deployed as its runAs principal", (stack) => {
    const sp = principalOf(stack);

    it("plans as the principal's `pulumi up` (no list lowers the principal below what the provider requires)", async () => {
        await expect(permissionsOf(stack, sp)).resolves.not.toHaveLength(0);
    });

    it("names the principal in every access control list at the level the provider requires of the deploying identity", async () => {
        const declared = await permissionsOf(stack, sp);
        const levels = declared.map((d) => {
            const found = ruleOfInputs(d.inputs);
            if (!found) throw new Error(`${d.urn}: no object input the provider knows`);
            const own = d.acl.filter((e) => namesIdentity(e, sp));
            return { urn: d.urn.split("::").at(-1), kind: found.kind, own, expected: deployerLevel(found.rule) };
        });
        for (const l of levels) {
            expect(l.own, l.urn).toEqual([{ servicePrincipalName: sp, permissionLevel: l.expected }]);
        }
        // Each kind the stack declares at its own level: the owner of the jobs and the warehouse.
        expect(Object.fromEntries(levels.map((l) => [l.kind, l.expected]))).toEqual({
            clusterPolicyId: "CAN_USE",
            sqlEndpointId: "IS_OWNER",
            experimentId: "CAN_MANAGE",
            jobId: "IS_OWNER",
            servingEndpointId: "CAN_MANAGE",
            sqlQueryId: "CAN_MANAGE",
            directoryPath: "CAN_MANAGE",
        });
    });

    it("reads back, refreshed by another identity (the drift check), exactly what it declares", async () => {
        const declared = await permissionsOf(stack, sp);
        const drifted = declared.flatMap((d) => {
            const { rule } = ruleOfInputs(d.inputs) ?? {};
            if (!rule) return [d.urn];
            const held = aclAsWritten(rule, d.acl, sp);
            return [READER, sp].every((who) => sameAcl(aclAsRead(rule, held, d.acl, who), d.acl)) ? [] : [d.urn];
        });
        expect(drifted).toEqual([]);
    });
});

describe.each(["staging", "prod"])("the Grants of the %s fixture stack, deployed as its runAs principal", (stack) => {
    const sp = principalOf(stack);

    it("are each on a securable the principal owns, which alone lets it write the grants", async () => {
        const run = await planStack(stack, { user: sp });
        const grants = run.ofType("databricks:index/grants:Grants");
        expect(grants.length).toBeGreaterThan(0);
        const securables = grants.map((g) => grantsSecurableOf(g.inputs as Record<string, unknown>));
        expect(securables).not.toContain(undefined);
        // The schema and the volume have their creator, the principal, as owner; the model names it.
        const owners = ["schema:Schema", "volume:Volume", "registeredModel:RegisteredModel"].flatMap((t) =>
            run.ofType(`databricks:index/${t}`).map((r) => [t, (r.inputs as { owner?: string }).owner ?? sp]),
        );
        expect(owners.length).toBe(3);
        for (const [type, owner] of owners) expect(owner, type).toBe(sp);
    });
});

describe("a developer's stack, deployed by the developer", () => {
    it("names no user: the provider adds the developer where it must and hides it on the developer's refresh", async () => {
        const declared = await permissionsOf("dev", "jane.doe@example.com");
        expect(declared.length).toBeGreaterThan(0);
        expect(declared.flatMap((d) => d.acl.filter((e) => e.userName !== undefined))).toEqual([]);
        for (const d of declared) {
            const { rule } = ruleOfInputs(d.inputs) ?? {};
            if (!rule) throw new Error(`${d.urn}: no object input the provider knows`);
            const held = aclAsWritten(rule, d.acl, "jane.doe@example.com");
            expect(sameAcl(aclAsRead(rule, held, d.acl, "jane.doe@example.com"), d.acl), d.urn).toBe(true);
        }
    });
});

describe("a production stack whose models a group owns", () => {
    const REAL_SP = "3c1d5e7f-9a2b-4c6d-8e0f-1a2b3c4d5e6f";
    /** The fixture prod stack with real-looking ids, a host and a group owning the models. */
    const groupOwned = () => {
        const c = structuredClone(stackFileConfig("prod")) as Record<string, any>;
        c["databricks:host"] = "https://adb-1234567890123456.7.azuredatabricks.net";
        c[`${NS}:runAs`].servicePrincipalName = REAL_SP;
        c[`${NS}:modelOwner`] = { group: "ml-prod-owners" };
        return tempProject("prod", c);
    };

    it("names no deployer: a person of the group deploys it, and the provider adds that person", async () => {
        const run = await planStack("prod", {
            projectDir: groupOwned(),
            user: "jane.doe@example.com",
            asDeployed: true,
        });
        const acls = run
            .ofType(PERMISSIONS_TYPE)
            .map((s) => (s.inputs as { accessControls: AclEntry[] }).accessControls);
        expect(acls.flat().filter((e) => e.userName !== undefined)).toEqual([]);
    });

    it("stops its runAs principal before the first up, which the provider would fail on the warehouse's list", async () => {
        const err = await planStack("prod", { projectDir: groupOwned(), user: REAL_SP, asDeployed: true }).then(
            () => new Error("expected the deploy checks to stop the run"),
            (e: Error) => e,
        );
        expect(err.message).toBe(
            `invalid stack configuration for a deploy (1 problem):\n  Pulumi.prod.yaml: ${NS}:modelOwner: expected the runAs principal ${REAL_SP} not to deploy a stack whose models a group owns, found it deploying: the SQL warehouse's permissions give it the level its jobs need, which the provider refuses to the deploying identity (cannot remove management permissions for the current user for warehouses, allowed levels: CAN_MANAGE, IS_OWNER). Set modelOwner: runAs (the permissions then name the principal at the level the provider requires), or deploy as a member of the owning group`,
        );
    });
});

describe("npm run plan, as the identity that applies a list the provider refuses", () => {
    it("fails with the provider's message, as the first pulumi up would", async () => {
        const c = structuredClone(stackFileConfig("staging")) as Record<string, any>;
        c[`${NS}:modelOwner`] = { group: "ml-staging-owners" };
        const sp = principalOf("staging");
        const err = await planCli([
            "--stack",
            "staging",
            "--project-dir",
            tempProject("staging", c),
            "--user",
            sp,
        ]).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(RefusedByProvider);
        expect((err as RefusedByProvider).refusals).toEqual([
            "databricks:index/permissions:Permissions (sql-warehouse-perms): cannot create permissions: cannot remove management permissions for the current user for warehouses, allowed levels: CAN_MANAGE, IS_OWNER",
        ]);
    });
});
