import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { BundleError, glob, LOCAL, loadBundle } from "../bundle/load";
import { REFERENCE, resolveTarget } from "../bundle/resolve";

/** The bundle reader: what the Databricks CLI's loader and its target and variable mutators do. */

function bundle(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-bundle-"));
    for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
    }
    return dir;
}

function resolve(files: Record<string, string>, target: string) {
    return resolveTarget(loadBundle(bundle(files)), target);
}

describe("loading", () => {
    it("loads include globs in order, each match once, sorted within a glob (Go's filepath.Glob, no **)", () => {
        const dir = bundle({
            "databricks.yml": "bundle: {name: b}\ninclude: [resources/b.yml, resources/*.yml, 'x/*/*.yml']\n",
            "resources/a.yml": "resources: {jobs: {a: {name: a}}}\n",
            "resources/b.yml": "resources: {jobs: {b: {name: b}}}\n",
            "x/y/c.yml": "resources: {jobs: {c: {name: c}}}\n",
            "x/y/z/d.yml": "resources: {jobs: {d: {name: d}}}\n",
        });
        const loaded = loadBundle(dir);
        expect(loaded.files).toEqual(["databricks.yml", "resources/b.yml", "resources/a.yml", "x/y/c.yml"]);
        expect(glob(dir, "x/*/*.yml")).toEqual(["x/y/c.yml"]);
    });

    it("resolves anchors and merge keys, and local paths relative to the file that names them", () => {
        const dir = bundle({
            "databricks.yml": "bundle: {name: b}\ninclude: [resources/*.yml]\n",
            "resources/jobs.yml": [
                "cluster: &cluster {num_workers: 2, spark_version: 15.4.x-ml-scala2.12}",
                "resources:",
                "  jobs:",
                "    j:",
                "      job_clusters: [{job_cluster_key: c, new_cluster: {<<: *cluster, num_workers: 3}}]",
                "      tasks: [{task_key: t, notebook_task: {notebook_path: ../src/nb.py}}, {task_key: g, notebook_task: {notebook_path: nb, source: GIT}}]",
                "",
            ].join("\n"),
        });
        const job = (loadBundle(dir).config.resources as any).jobs.j;
        expect(job.job_clusters[0].new_cluster).toEqual({ num_workers: 3, spark_version: "15.4.x-ml-scala2.12" });
        expect(job.tasks[0].notebook_task.notebook_path).toBe(`${LOCAL}${path.join(dir, "src", "nb.py")}`);
        expect(job.tasks[1].notebook_task.notebook_path).toBe("nb");
    });

    it.each([
        [{ "README.md": "x" }, /not a bundle/],
        [{ "databricks.yml": "bundle:\n  name: [\n" }, /databricks.yml: invalid YAML at line \d+/],
        [{ "databricks.yml": "resources: {}\n" }, /bundle.name: expected the bundle's name/],
        [
            {
                "databricks.yml": "bundle: {name: b}\ninclude: [a.yml]\n",
                "a.yml": "resources: {jobs: {x: {}}}\n",
                "b.yml": "",
            },
            null,
        ],
        [
            {
                "databricks.yml": "bundle: {name: b}\nresources: {jobs: {x: {name: 1}}}\ninclude: [a.yml]\n",
                "a.yml": "resources: {jobs: {x: {name: 2}}}\n",
            },
            /resources.jobs.x: expected each resource defined once, found it in databricks.yml too/,
        ],
    ])("refuses what the CLI refuses (%#)", (files, message) => {
        const dir = bundle(files as Record<string, string>);
        if (message === null) return void expect(() => loadBundle(dir)).not.toThrow();
        expect(() => loadBundle(dir)).toThrow(BundleError);
        expect(() => loadBundle(dir)).toThrow(message);
    });
});

describe("targets and variables", () => {
    const files = {
        "databricks.yml": [
            "bundle: {name: proj}",
            "variables:",
            "  catalog: {default: main}",
            "  schema: {default: '${var.catalog}_data'}",
            "  cluster: {type: complex, default: {num_workers: 1}}",
            "  policy: {lookup: {cluster_policy: ML policy}}",
            "resources:",
            "  jobs:",
            "    j:",
            "      name: ${bundle.name}-${bundle.target}",
            "      job_clusters: [{job_cluster_key: c, new_cluster: '${var.cluster}'}]",
            "      tasks:",
            "        - {task_key: a, notebook_task: {base_parameters: {s: '${var.schema}', id: '${resources.jobs.j.id}', root: '${workspace.root_path}'}}}",
            "      tags: {policy: '${var.policy}', expr: '${bundle.target == \"dev\"}'}",
            "targets:",
            "  dev:",
            "    mode: development",
            "    default: true",
            "    variables: {catalog: dev_catalog, cluster: {default: {num_workers: 2}}}",
            "    resources:",
            "      jobs:",
            "        j:",
            "          tasks: [{task_key: a, timeout_seconds: 60}, {task_key: b}]",
            "  prod:",
            "    mode: production",
            "    workspace: {root_path: /Shared/.bundle/x}",
            "    variables: {policy: '0123456789ABCDEF'}",
            "",
        ].join("\n"),
    };

    it("merges target overrides (tasks by task_key), sets variables and resolves references", () => {
        const t = resolve(files, "dev");
        const job = (t.config.resources as any).jobs.j;
        expect(t.mode).toBe("development");
        expect(job.name).toBe("proj-dev");
        expect(job.job_clusters[0].new_cluster).toEqual({ num_workers: 2 });
        expect(job.tasks.map((x: any) => x.task_key)).toEqual(["a", "b"]);
        expect(job.tasks[0].timeout_seconds).toBe(60);
        expect(job.tasks[0].notebook_task.base_parameters).toEqual({
            s: "dev_catalog_data",
            id: "${resources.jobs.j.id}",
            root: "/Workspace/Users/${workspace.current_user.userName}/.bundle/proj/dev",
        });
        expect(t.lookups.get("policy")).toEqual({ name: "policy", kind: "cluster_policy", lookupName: "ML policy" });
        expect(t.unresolved.map((u) => u.reference).sort()).toEqual(["${resources.jobs.j.id}", "${var.policy}"]);
        expect(t.notReferences).toEqual([{ path: "resources.jobs.j.tags.expr", text: '${bundle.target == "dev"}' }]);
    });

    it("a target's value replaces a lookup; the root path gets the /Workspace prefix", () => {
        const t = resolve(files, "prod");
        expect((t.config.resources as any).jobs.j.tags.policy).toBe("0123456789ABCDEF");
        expect(t.lookups.size).toBe(0);
        expect((t.config.workspace as any).root_path).toBe("/Workspace/Shared/.bundle/x");
    });

    it("refuses a variable without a value and a target variable never declared", () => {
        const missing = {
            "databricks.yml": "bundle: {name: b}\nvariables: {x: {description: d}}\ntargets: {dev: {}}\n",
        };
        expect(() => resolve(missing, "dev")).toThrow(/no value assigned to required variable x/);
        const undeclared = { "databricks.yml": "bundle: {name: b}\ntargets: {dev: {variables: {y: 1}}}\n" };
        expect(() => resolve(undeclared, "dev")).toThrow(/targets.dev.variables.y: expected a variable declared/);
    });
});

describe("bounded resolution", () => {
    it.each([
        ["${a.b}", ["a.b"]],
        ["${resources.volumes.landing.volume_path}/in/x", ["resources.volumes.landing.volume_path"]],
        ["${var.my-var_2} and ${bundle.target}", ["var.my-var_2", "bundle.target"]],
        ["${a.b[0].c}", ["a.b[0].c"]],
        ["${a.-b} ${a_} ${1a} ${a..b}", []],
    ])("%s: the references the CLI's pattern matches, %j", (text, refs) => {
        expect([...text.matchAll(REFERENCE)].map((m) => m[1])).toEqual(refs);
    });

    it("matches in linear time where the pattern's nested repetition backtracked without end", () => {
        // 26 letters and a trailing '_': the old pattern tried 2^26 ways to split them (seconds).
        const long = `\${${"a".repeat(26)}_}`;
        const t0 = performance.now();
        expect([...long.matchAll(REFERENCE)]).toEqual([]);
        expect(performance.now() - t0).toBeLessThan(1000);
    });

    it("stops a variable that grows with each round, saying so, and ends on one that goes round", () => {
        const grows = resolve(
            {
                "databricks.yml":
                    'bundle: {name: b}\nvariables: {a: {default: "x${var.a}${var.a}"}}\nresources: {experiments: {e: {name: "/Shared/${var.a}"}}}\n',
            },
            "dev",
        );
        expect(grows.warnings.map((w) => w.message).join("\n")).toMatch(/includes itself/);
        const cycle = resolve(
            {
                "databricks.yml":
                    'bundle: {name: b}\nvariables: {a: {default: "${var.b}"}, b: {default: "${var.a}"}}\nresources: {experiments: {e: {name: "/Shared/${var.a}"}}}\n',
            },
            "dev",
        );
        // The CLI refuses the cycle; the import ends and leaves the reference for the report.
        expect((cycle.config.resources as any).experiments.e.name).toMatch(/^\/Shared\/\$\{var\.[ab]\}$/);
        expect(cycle.unresolved.map((u) => u.path)).toContain("resources.experiments.e.name");
    });
});
