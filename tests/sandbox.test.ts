import { describe, expect, it } from "vitest";
import { RegisteredModel } from "../components";
import { installMocks, Recorder } from "../plan/mocks";
import { planStack } from "./harness";

/** A developer's sandbox can be torn down: `pulumi destroy` deletes its schema with every table in it. */

const SCHEMA = "databricks:index/schema:Schema";

describe("sandbox teardown", () => {
    it("deletes a development-mode schema with its contents (forceDestroy), unprotected", async () => {
        const run = await planStack("dev");
        const schemas = run.ofType(SCHEMA);
        expect(schemas.length).toBeGreaterThan(0);
        for (const schema of schemas) {
            expect((schema.inputs as any).forceDestroy).toBe(true);
            expect(schema.protect).toBe(false);
        }
    });

    it("never force-destroys a production schema", async () => {
        const run = await planStack("prod");
        const schemas = run.ofType(SCHEMA);
        expect(schemas.length).toBeGreaterThan(0);
        for (const schema of schemas) {
            expect(schema.inputs).not.toHaveProperty("forceDestroy");
            expect(schema.protect).toBe(true);
        }
    });
});

describe("RegisteredModel", () => {
    it("refuses forceDestroy on a protected schema", async () => {
        installMocks("proj", "test", { currentUser: "j@x.com", modelVersions: ["1"] }, new Recorder());
        const declare = () =>
            new RegisteredModel("m", {
                catalog: "c",
                schema: "s",
                modelName: "mdl",
                volumeName: "input",
                grants: { schema: [], model: [], volume: [] },
                protect: true,
                forceDestroy: true,
            });
        expect(declare).toThrow(
            "forceDestroy deletes a schema with all its tables: it is for development sandboxes, never for a protected (production) schema",
        );
    });
});
