import * as databricks from "@pulumi/databricks";
import { describe, expect, it } from "vitest";
import { withoutPromiseStacks } from "../declarationStacks";
import { installMocks, Recorder, runProgram } from "../plan/mocks";

interface Position {
    getUri(): string;
    getLine(): number;
}
interface Request {
    getName(): string;
    getSourceposition(): Position | undefined;
}
interface Monitor {
    registerResource(req: Request, cb: unknown): Promise<void>;
}

describe("declarations without a stack trace per output", () => {
    it("keeps the SDK's debug stacks empty, the stack trace limit as it was, and error stacks whole", async () => {
        withoutPromiseStacks();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as {
            debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
        };
        const inner = Promise.resolve(1);
        await debuggablePromise(inner, "test");
        expect((inner as unknown as { _debugStackTrace: string })._debugStackTrace).not.toContain(" at ");
        expect(Error.stackTraceLimit).toBe(10);
        expect(new Error("boom").stack?.split("\n").length).toBeGreaterThan(1);
    });

    it("still sends each resource's source position, the program line that declared it", async () => {
        withoutPromiseStacks();
        const recorder = installMocks("proj", "test", { currentUser: "j@x.com", modelVersions: ["1"] }, new Recorder());
        const pulumi = await import("@pulumi/pulumi");
        const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
        const positions = new Map<string, { uri: string; line: number }>();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, cb) => {
            const position = req.getSourceposition();
            if (position) positions.set(req.getName(), { uri: position.getUri(), line: position.getLine() });
            return register(req, cb);
        };
        // A named function: the SDK reads positions from frames of the form `at name (file:line:column)`.
        async function declare() {
            const schema = new databricks.Schema("s", { catalogName: "c", name: "s" });
            return { id: schema.id };
        }
        await runProgram(declare, recorder);
        expect(positions.get("s")?.uri).toMatch(/^file:\/\/.*\/tests\/declarationStacks\.test\.ts$/);
        expect(positions.get("s")?.line).toBeGreaterThan(0);
    });
});
