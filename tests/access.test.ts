import { describe, expect, it } from "vitest";
import { SP } from "./harness";
import {
    clusterPolicyPermissions,
    codeFolderPermissions,
    experimentPermissions,
    jobPermissions,
    modelGrants,
    queryPermissions,
    servingPermissions,
    sqlWarehousePermissions,
    volumeGrants,
} from "../components/access";

const seed = { managers: ["ml-engineers"], runners: [], viewers: ["data-scientists"] };
const prod = { ...seed, runners: ["ml-ops"], runAsServicePrincipal: SP };

describe("permissions derived from the groups, per resource type", () => {
    it("maps the seed's groups onto each resource's levels", () => {
        expect(experimentPermissions(seed)).toEqual([
            { groupName: "data-scientists", permissionLevel: "CAN_READ" },
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
        ]);
        expect(jobPermissions(prod)).toEqual([
            { groupName: "data-scientists", permissionLevel: "CAN_VIEW" },
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
            { groupName: "ml-ops", permissionLevel: "CAN_MANAGE_RUN" },
        ]);
        expect(servingPermissions(prod)).toEqual([
            { groupName: "data-scientists", permissionLevel: "CAN_VIEW" },
            { groupName: "ml-engineers", permissionLevel: "CAN_MANAGE" },
            { groupName: "ml-ops", permissionLevel: "CAN_QUERY" },
        ]);
    });

    it("gives a group listed twice its most powerful level once", () => {
        expect(jobPermissions({ managers: ["g"], runners: ["g"], viewers: ["g"] })).toEqual([
            { groupName: "g", permissionLevel: "CAN_MANAGE" },
        ]);
    });

    it("lets the run-as principal log to the experiment and use the policy, but not view-only groups", () => {
        expect(experimentPermissions(prod)).toContainEqual({
            servicePrincipalName: SP,
            permissionLevel: "CAN_MANAGE",
        });
        expect(clusterPolicyPermissions(prod)).toEqual([
            { servicePrincipalName: SP, permissionLevel: "CAN_USE" },
            { groupName: "ml-engineers", permissionLevel: "CAN_USE" },
            { groupName: "ml-ops", permissionLevel: "CAN_USE" },
        ]);
    });

    it("merges grants per principal, sorted", () => {
        expect(modelGrants({ managers: ["a"], runners: ["b"], viewers: ["b"], runAsServicePrincipal: "sp" })).toEqual([
            { principal: "a", privileges: ["ALL_PRIVILEGES"] },
            { principal: "b", privileges: ["EXECUTE"] },
            { principal: "sp", privileges: ["ALL_PRIVILEGES", "MANAGE"] },
        ]);
        expect(volumeGrants(prod)).toEqual([
            { principal: SP, privileges: ["READ_VOLUME", "WRITE_VOLUME"] },
            { principal: "data-scientists", privileges: ["READ_VOLUME"] },
            { principal: "ml-engineers", privileges: ["ALL_PRIVILEGES"] },
            { principal: "ml-ops", privileges: ["READ_VOLUME", "WRITE_VOLUME"] },
        ]);
    });
});

describe("the deploying principal in every access control list", () => {
    const deployed = { ...prod, deployingPrincipal: SP };
    const own = (acl: { servicePrincipalName?: string; permissionLevel: string }[]) =>
        acl.filter((e) => e.servicePrincipalName === SP).map((e) => e.permissionLevel);

    it.each([
        ["jobs", jobPermissions, ["IS_OWNER"]],
        ["warehouse (its jobs need CAN_USE; the deployer owns it)", sqlWarehousePermissions, ["IS_OWNER"]],
        ["experiment", experimentPermissions, ["CAN_MANAGE"]],
        ["endpoint", servingPermissions, ["CAN_MANAGE"]],
        ["query", queryPermissions, ["CAN_MANAGE"]],
        ["code folder", codeFolderPermissions, ["CAN_MANAGE"]],
        ["cluster policy", clusterPolicyPermissions, ["CAN_USE"]],
    ])("names it once on the %s, at the level the provider requires", (_, build, levels) => {
        expect(own(build(deployed))).toEqual(levels);
        // The groups keep their levels.
        expect(build(deployed).filter((e) => e.groupName)).toEqual(build(prod).filter((e) => e.groupName));
    });

    it("leaves the lists of a stack that does not name its deployer as they are", () => {
        expect(own(sqlWarehousePermissions(prod))).toEqual(["CAN_USE"]);
        expect(own(jobPermissions(prod))).toEqual([]);
    });
});
