import { Resource } from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { forOfflinePlan } from "../declarationStacks";

describe("the offline plan's SDK setting", () => {
    it("hands promises back unwrapped and finds no source positions", () => {
        forOfflinePlan();
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as {
            debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
        };
        const p = Promise.resolve(1);
        expect(debuggablePromise(p, "test")).toBe(p);
        expect((Resource as unknown as { callsites(): unknown[] }).callsites()).toEqual([]);
    });
});
