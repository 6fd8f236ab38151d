import { describe, expect, it } from "vitest";
import {
    type AclEntry,
    aclAsRead,
    aclAsWritten,
    namesIdentity,
    ruleOfInputs,
    sameAcl,
} from "../components/permissionLevels";
import { PERMISSIONS_TYPE } from "../plan/permissionsCheck";
import { ENGINE_RECORDS_PRESENT, engineRecord, WITHOUT_RECORDS } from "./engineRecords";
import { planStack, rawStackFileConfig } from "./harness";

/**
 * The daily drift check refreshes each production stack as the read-only identity. What a
 * refresh reads back of a `databricks.Permissions` depends on who refreshes: the provider hides
 * only the refreshing identity's own entry, and only where the state does not name it
 * (terraform-provider-databricks `permissions/permission_definitions.go`, `prepareResponse`).
 * These tests check the model of that (components/permissionLevels.ts) against what the real
 * provider sent and read back on the recorded first deploys (`../shared/engine-records`), then
 * what the drift check reads of the lists the program now declares.
 */

/** The identities that deployed the recorded stacks (engine-records/README.md; the developer of `dev-e2e`). */
const DEPLOYED_AS: Record<string, string> = {
    "dev-e2e": "tester@databricks.com",
    staging: "aaaaaaaa-bbbb-4ccc-dddd-eeeeeeeeeeee",
    prod: "aaaaaaaa-bbbb-4ccc-dddd-eeeeeeeeeeee",
};

const READER = "drift-reader@example.com";

interface RecordedPermissions {
    stack: string;
    name: string;
    id: string;
    inputs: Record<string, unknown>;
    declared: AclEntry[];
    /** What the provider read back as the deploying identity, right after the deploy. */
    readBack: AclEntry[];
    /** The list the provider sent (`PUT /api/2.0/permissions/<object>`), as the workspace then holds it. */
    sent: AclEntry[];
}

/** Drops the empty strings a state writes for the fields an entry does not set. */
function entry(e: Record<string, unknown>): AclEntry {
    const out: AclEntry = { permissionLevel: String(e.permissionLevel ?? e.permission_level) };
    const pick = (camel: keyof AclEntry, snake: string) => {
        const v = e[camel] ?? e[snake];
        if (typeof v === "string" && v !== "") out[camel] = v;
    };
    pick("groupName", "group_name");
    pick("userName", "user_name");
    pick("servicePrincipalName", "service_principal_name");
    return out;
}

/** Every Permissions of the recorded states, with the request that wrote it. */
function recorded(): RecordedPermissions[] {
    const sent = new Map<string, AclEntry[]>();
    for (const line of engineRecord("fakews-requests.log").split("\n")) {
        const m = /REQ PUT \/api\/2\.0\/permissions(\/\S+) -> 2\d\d body=(.*)$/.exec(line);
        if (m) sent.set(m[1], (JSON.parse(m[2]).access_control_list as Record<string, unknown>[]).map(entry));
    }
    return Object.keys(DEPLOYED_AS).flatMap((stack) => {
        const state = JSON.parse(engineRecord(`${stack}.state-after-first-up.json`)) as {
            deployment: { resources: { urn: string; type: string; id: string; inputs: any; outputs: any }[] };
        };
        return state.deployment.resources
            .filter((r) => r.type === PERMISSIONS_TYPE)
            .map((r) => ({
                stack,
                name: r.urn.split("::").at(-1) as string,
                id: r.id,
                inputs: r.inputs,
                declared: (r.inputs.accessControls as Record<string, unknown>[]).map(entry),
                readBack: (r.outputs.accessControls as Record<string, unknown>[]).map(entry),
                sent: sent.get(r.id) ?? [],
            }));
    });
}

describe.skipIf(!ENGINE_RECORDS_PRESENT)(`the recorded first deploys ${WITHOUT_RECORDS}`, () => {
    const rows = ENGINE_RECORDS_PRESENT ? recorded() : [];
    const ruleOf = (r: RecordedPermissions) => {
        const found = ruleOfInputs(r.inputs);
        if (!found) throw new Error(`${r.stack} ${r.name}: no object input`);
        return found.rule;
    };

    it("hold Permissions of the development and the staging stack", () => {
        expect(rows.map((r) => `${r.stack} ${r.name}`)).toEqual(
            expect.arrayContaining([
                "dev-e2e ml-project-training-perms",
                "staging ml-cluster-policy-perms",
                "staging ml-project-experiment-perms",
            ]),
        );
    });

    it("show the provider sending the list the model writes (the deployer added as owner where the type has one)", () => {
        for (const r of rows) {
            expect(r.sent, `${r.stack} ${r.name}`).not.toEqual([]);
            expect(
                sameAcl(aclAsWritten(ruleOf(r), r.declared, DEPLOYED_AS[r.stack]), r.sent),
                `${r.stack} ${r.name}`,
            ).toBe(true);
        }
        // A job's list named no owner: the provider named the developer who deployed it.
        const job = rows.find((r) => r.stack === "dev-e2e" && r.name === "ml-project-training-perms");
        expect(job?.sent).toContainEqual({ userName: "tester@databricks.com", permissionLevel: "IS_OWNER" });
    });

    it("show the provider reading back, as the deployer, what the model reads back", () => {
        for (const r of rows) {
            const asDeployer = aclAsRead(ruleOf(r), r.sent, r.declared, DEPLOYED_AS[r.stack]);
            expect(sameAcl(asDeployer, r.readBack), `${r.stack} ${r.name}`).toBe(true);
            // The deployer's own refresh sees no drift, whatever the list names.
            expect(sameAcl(r.readBack, r.declared), `${r.stack} ${r.name}`).toBe(true);
        }
    });

    it("read, refreshed by the read-only identity, the deployer's owner entry of a list that does not name it", () => {
        const drifted = rows
            .filter((r) => !sameAcl(aclAsRead(ruleOf(r), r.sent, r.declared, READER), r.declared))
            .map((r) => `${r.stack} ${r.name}`);
        // The developer's jobs drift for any other identity; the staging lists name their principal.
        expect(drifted).toEqual(["dev-e2e ml-project-training-perms", "dev-e2e ml-project-inference-perms"]);
    });

    it("name the principal as the program now does, so the next deploy leaves them as they are", async () => {
        // The fixture stack stands for the recorded one: its own principal for the recorded one.
        const sp = (rawStackFileConfig("staging")["databricks-mlops:runAs"] as { servicePrincipalName: string })
            .servicePrincipalName;
        const run = await planStack("staging", { user: sp });
        for (const r of rows.filter((row) => row.stack === "staging")) {
            const now = (run.named(PERMISSIONS_TYPE, r.name).inputs as { accessControls: AclEntry[] }).accessControls;
            const recordedOwn = r.declared.filter((e) => namesIdentity(e, DEPLOYED_AS.staging));
            const ownNow = now.filter((e) => namesIdentity(e, sp));
            expect(
                ownNow.map((e) => e.permissionLevel),
                r.name,
            ).toEqual(recordedOwn.map((e) => e.permissionLevel));
        }
    });
});
