import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { buildPlan } from "../plan/plan";
import { program } from "../program";

/**
 * `npm run bench`: how long the offline plan takes and how much memory it holds, for each shipped
 * stack, against the targets below. Exits non-zero when a target is missed. Targets live here,
 * never in a timed unit test.
 */
const TARGETS = { planMsMedian: 1500, heapMb: 400 };
const RUNS = 5;
const projectDir = path.resolve(__dirname, "..");

async function main(): Promise<number> {
    let failed = false;
    for (const stack of ["dev", "prod", "azure-dev"]) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            const start = performance.now();
            await buildPlan(program, { projectDir, stack, currentUser: "bench@example.com" });
            times.push(performance.now() - start);
        }
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)];
        const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
        const ok = median <= TARGETS.planMsMedian && heapMb <= TARGETS.heapMb;
        failed ||= !ok;
        console.log(
            `${stack}: plan median ${median.toFixed(0)} ms over ${RUNS} runs (target ${TARGETS.planMsMedian}), ` +
                `heap ${heapMb.toFixed(0)} MB (target ${TARGETS.heapMb}) ${ok ? "ok" : "MISSED"}`,
        );
    }
    return failed ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
