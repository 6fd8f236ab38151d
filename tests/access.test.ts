import { describe, expect, it } from "vitest";
import { SP } from "./harness";
import {
    clusterPolicyPermissions,
    experimentPermissions,
    jobPermissions,
    modelGrants,
    servingPermissions,
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
