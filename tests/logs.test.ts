import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FIXTURE_DIR, freshPlan, PROJECT_DIR } from "./harness";

/**
 * The program's own messages reach the engine before it goes on. `pulumi.log` sends each one as
 * an RPC of its own; a message not awaited may still be in flight when a resource fails the
 * update and the engine shuts its channel, and is then lost ("failed to deliver log message ...
 * Channel has been shut down").
 */

/** The program's sources: what `pulumi up` loads (index.ts, program.ts, and what they import). */
function programSources(): string[] {
    const walk = (dir: string): string[] =>
        fs
            .readdirSync(path.join(PROJECT_DIR, dir), { withFileTypes: true })
            .flatMap((e) =>
                e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
            );
    return ["index.ts", "program.ts", "declarationStacks.ts", ...walk("components"), ...walk("config")];
}

describe("the program's log messages", () => {
    afterEach(() => {
        vi.restoreAllMocks();
    });

    it("awaits every pulumi.log call of the program's sources", () => {
        const unawaited = programSources().flatMap((file) =>
            fs
                .readFileSync(path.join(PROJECT_DIR, file), "utf8")
                .split("\n")
                .map((line, i) => ({ line: line.trim(), at: `${file}:${i + 1}` }))
                .filter(
                    ({ line }) => /\bpulumi\.log\.\w+\(/.test(line) && !/\b(await|return)\s+pulumi\.log\./.test(line),
                )
                .map(({ at, line }) => `${at}: ${line}`),
        );
        expect(programSources()).toContain("program.ts");
        expect(unawaited).toEqual([]);
    });

    it("declares no resource of a project before its warning is delivered", async () => {
        // A slow engine: each message is delivered 200 ms after it is sent. What the mock monitor
        // holds at that moment is what the program declared while the message was in flight.
        const declaredAtDelivery: string[][] = [];
        const sent: string[] = [];
        vi.spyOn(pulumi.log, "warn").mockImplementation((msg: string) => {
            sent.push(msg);
            return new Promise<void>((resolve) =>
                setTimeout(() => {
                    const monitor = pulumi.runtime.getMonitor() as unknown as { resources: Map<string, unknown> };
                    declaredAtDelivery.push(
                        [...monitor.resources.keys()].filter((urn) => urn.includes("::ml-project")),
                    );
                    resolve();
                }, 200),
            );
        });
        // A first deploy: the model has no version yet, so the program warns that it defers the endpoint.
        await freshPlan(FIXTURE_DIR, "staging", { modelVersions: [] });
        expect(sent).toEqual([expect.stringContaining("does not exist yet: the serving endpoint")]);
        expect(declaredAtDelivery).toEqual([[]]);
    });
});
