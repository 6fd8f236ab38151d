// Runs the workload libraries' fast pytest tests (tests/python: pandas and scikit-learn, no Spark,
// no MLflow) when a Python with pytest, pandas and scikit-learn is available, first the project's
// environment (`npm run setup:python`); otherwise says once why they were skipped and how to
// install them, and exits 0, so that `npm test` works on a machine without Python. CI sets
// MLOPS_REQUIRE_PYTHON_TESTS=1: there a missing dependency fails the run. The Spark and MLflow
// suite is `npm run test:workloads`.
import { spawnSync } from "node:child_process";
import console from "node:console";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const required = process.env.MLOPS_REQUIRE_PYTHON_TESTS === "1";
const modules = ["pytest", "pandas", "sklearn"];
const install = "npm run setup:python";

// MLOPS_PYTHON names an interpreter to use; else a runtime's environment (envs/<runtime>/.venv,
// the newest runtime first), then `python3` on the PATH and the system's /usr/bin/python3.
const envs = path.join(root, "envs");
const venvs = fs.existsSync(envs)
    ? fs
          .readdirSync(envs)
          .sort((a, b) => b.localeCompare(a, "en", { numeric: true }))
          .map((e) => path.join(envs, e, ".venv", "bin", "python"))
          .filter((p) => fs.existsSync(p))
    : [];
const candidates = [...new Set([process.env.MLOPS_PYTHON, ...venvs, "python3", "/usr/bin/python3"].filter(Boolean))];

/** What `python` lacks of the modules, or null when it cannot be run at all. */
function missingModules(python) {
    const probe = spawnSync(
        python,
        [
            "-c",
            "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))",
            ...modules,
        ],
        { encoding: "utf8" },
    );
    if (probe.error || probe.status !== 0) return null;
    return probe.stdout.trim().split(/\s+/).filter(Boolean);
}

const reasons = [];
let python;
for (const candidate of candidates) {
    const missing = missingModules(candidate);
    if (missing === null) reasons.push(`${candidate}: not runnable`);
    else if (missing.length > 0) reasons.push(`${candidate}: no ${missing.join(", ")}`);
    else {
        python = candidate;
        break;
    }
}

if (!python) {
    const why = `${reasons.join("; ")}. Install them with \`${install}\`.`;
    if (required) {
        console.error(`Python tests (tests/python) cannot run and MLOPS_REQUIRE_PYTHON_TESTS=1: ${why}`);
        process.exit(1);
    }
    console.log(`Python tests (tests/python) skipped: ${why}`);
    process.exit(0);
}

// No bytecode or cache folders in the checkout: the workload folders are uploaded as they are.
// With the tests of the projects `npm run new-project` made, each in its workload folder's tests/.
const workloadTests = fs
    .readdirSync(path.join(root, "workloads"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, "workloads", e.name, "tests")))
    .map((e) => path.join("workloads", e.name, "tests"));
const run = spawnSync(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/python", ...workloadTests], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
});
if (run.error) {
    console.error(`Python tests: could not run ${python}: ${run.error.message}`);
    process.exit(1);
}
process.exit(run.status ?? 1);
