import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importBundle } from "../bundle/cli";
import { type AdoptableType, adoptIgnoreChanges, adoptOptions } from "../components/project/adopt";
import { adoptionGate, adoptionUpdate, holdIgnored, type PreviewDocument, previewJson } from "../plan/adoption";
import { buildPlan, type PlanDocument, type PlanStep } from "../plan/plan";
import { replaceRulesFor } from "../plan/replaceRules";
import { renderTree } from "../plan/render";
import { main as gateMain } from "../scripts/adoptGate";
import { program } from "../program";
import { PROJECT_DIR } from "./harness";

/**
 * Adoption as the engine does it since pulumi/pulumi v3.174.0: the adopting `up` imports each
 * object by its id, then updates it to what the program declares in the same deployment; only
 * the inputs that would replace it are held (`ignoreChanges`). The gate before that `up` reads
 * its preview and stops it when an adopted object would be replaced.
 */

const EXAMPLE = path.join(PROJECT_DIR, "examples", "ml-project-bundle");
const STATES = path.join(PROJECT_DIR, "tests", "fixtures", "import", "state");
const USER = "jane.doe@example.com";

const TYPES: AdoptableType[] = [
    "databricks:index/job:Job",
    "databricks:index/mlflowExperiment:MlflowExperiment",
    "databricks:index/schema:Schema",
    "databricks:index/registeredModel:RegisteredModel",
    "databricks:index/volume:Volume",
    "databricks:index/modelServing:ModelServing",
    "databricks:index/qualityMonitor:QualityMonitor",
];

describe("adoptOptions", () => {
    it.each<[AdoptableType, string[], string[]]>([
        ["databricks:index/job:Job", ["name", "tasks", "tags"], ["providerConfig"]],
        [
            "databricks:index/mlflowExperiment:MlflowExperiment",
            ["name"],
            ["artifactLocation", "providerConfig", "traceLocation"],
        ],
        ["databricks:index/schema:Schema", ["catalogName", "name", "comment"], ["catalogName", "name", "storageRoot"]],
        [
            "databricks:index/registeredModel:RegisteredModel",
            ["catalogName", "schemaName", "name", "comment", "owner"],
            ["catalogName", "name", "schemaName", "storageLocation"],
        ],
        [
            "databricks:index/volume:Volume",
            ["catalogName", "schemaName", "name", "volumeType", "comment"],
            ["catalogName", "schemaName", "storageLocation", "volumeType"],
        ],
        [
            "databricks:index/modelServing:ModelServing",
            ["name", "config", "aiGateway"],
            ["config.autoCaptureConfig", "name", "providerConfig", "routeOptimized"],
        ],
        ["databricks:index/qualityMonitor:QualityMonitor", ["tableName", "assetsDir"], ["providerConfig"]],
    ])("%s: holds only what would replace it", (type, declared, ignored) => {
        const inputs = Object.fromEntries(declared.map((k) => [k, "x"]));
        expect(adoptOptions("the-id", inputs, type)).toEqual({ import: "the-id", ignoreChanges: ignored });
        expect(adoptOptions(undefined, inputs, type)).toEqual({});
    });

    it.each(TYPES)("%s: every held path forces a replacement, and every replace-forcing path is held", (type) => {
        const rules = replaceRulesFor(type);
        const declared = rules?.properties.filter((p) => !p.includes(".")) ?? [];
        for (const d of [[], declared]) {
            const held = adoptIgnoreChanges(type, d);
            for (const p of held)
                expect(rules?.replaceOnChanges.some((r) => r === p || r.startsWith(`${p}.`))).toBe(true);
            for (const r of rules?.replaceOnChanges ?? [])
                expect(
                    held.some((p) => r === p || r.startsWith(`${p}.`)),
                    r,
                ).toBe(true);
        }
    });

    it("holds what the program does not declare at the input it leaves out, where the engine can hold it", () => {
        // `config` declared, `config.autoCaptureConfig` not: held there, so a bundle's legacy
        // auto-capture (replace-forcing) stays as deployed instead of being removed.
        const deployed = { name: "ep", config: { autoCaptureConfig: { catalogName: "c" }, servedEntities: [1] } };
        const declared = { name: "ep", config: { servedEntities: [2] } };
        const held = adoptIgnoreChanges("databricks:index/modelServing:ModelServing", Object.keys(declared));
        expect(holdIgnored(declared, deployed, held)).toEqual({
            name: "ep",
            config: { autoCaptureConfig: { catalogName: "c" }, servedEntities: [2] },
        });
    });
});

describe("adoptionUpdate", () => {
    it("with the deployed object: the inputs that differ, undeclared ones removed, replace-forcing ones held", () => {
        const update = adoptionUpdate(
            "databricks:index/volume:Volume",
            { catalogName: "c", schemaName: "s", name: "input", volumeType: "MANAGED", comment: "new" },
            ["catalogName", "schemaName", "storageLocation", "volumeType"],
            {
                catalogName: "c",
                schemaName: "s",
                name: "input",
                volumeType: "EXTERNAL",
                storageLocation: "abfss://x",
                comment: "old",
                owner: "someone",
            },
        );
        expect(update).toMatchObject({ diffReasons: ["comment", "owner"], deployedKnown: true, held: ["volumeType"] });
    });

    it("without it: the declared inputs it writes, and what a bundle's deploy adds to a job", () => {
        expect(
            adoptionUpdate("databricks:index/job:Job", { name: "j", tasks: [], tags: undefined }, ["providerConfig"]),
        ).toEqual({ diffReasons: ["deployment", "editMode", "name", "tasks"], deployedKnown: false, held: [] });
        expect(
            adoptionUpdate("databricks:index/qualityMonitor:QualityMonitor", { tableName: "t", assetsDir: "/a" }, [
                "providerConfig",
            ]),
        ).toEqual({ diffReasons: ["assetsDir", "tableName"], deployedKnown: false, held: [] });
    });
});

describe("the adopting plan of a bundle's prod deployment", () => {
    let out: string;
    let doc: PlanDocument;
    const imported = (d: PlanDocument) => d.steps.filter((s) => s.op === "import");
    // The resource, not the component of the same name around it.
    const byName = (d: PlanDocument, name: string) =>
        d.steps.find((s) => s.newState.custom && s.urn.endsWith(`::${name}`)) as PlanStep;

    beforeAll(async () => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-adoption-test-"));
        const outcome = await importBundle({
            bundleDir: EXAMPLE,
            out,
            states: { prod: path.join(STATES, "prod.terraform.tfstate") },
            user: USER,
        });
        expect(outcome.exitCode).toBe(0);
        doc = await buildPlan(program, { projectDir: out, stack: "prod", currentUser: USER });
    });

    it("ignores on each adopted resource only what would replace it, never the whole declaration", () => {
        const ignored = Object.fromEntries(imported(doc).map((s) => [s.newState.type, s.newState.ignoreChanges]));
        expect(ignored).toEqual({
            "databricks:index/job:Job": ["providerConfig"],
            "databricks:index/mlflowExperiment:MlflowExperiment": [
                "artifactLocation",
                "providerConfig",
                "traceLocation",
            ],
            // The program's own ignore of the schema's system-managed properties stays.
            "databricks:index/schema:Schema": ["catalogName", "name", "properties", "storageRoot"],
            "databricks:index/registeredModel:RegisteredModel": [
                "catalogName",
                "name",
                "schemaName",
                "storageLocation",
            ],
            "databricks:index/volume:Volume": ["catalogName", "schemaName", "storageLocation", "volumeType"],
            "databricks:index/modelServing:ModelServing": [
                "config.autoCaptureConfig",
                "name",
                "providerConfig",
                "routeOptimized",
            ],
        });
    });

    it("is, in --json, an import step then the update the engine makes of it, for each adopted type", () => {
        const json = previewJson(doc);
        const adopted = imported(doc);
        expect(adopted).toHaveLength(7);
        for (const s of adopted) {
            const i = json.steps.findIndex((j) => j.urn === s.urn);
            expect(json.steps[i].op, s.urn).toBe("import");
            expect(json.steps[i + 1], s.urn).toMatchObject({ op: "update", urn: s.urn });
            // What it writes: every declared input but those held, as the deployed values are not known offline.
            const declared = Object.keys(s.newState.inputs).filter(
                (k) => s.newState.inputs[k] !== undefined && !(s.newState.ignoreChanges ?? []).includes(k),
            );
            expect((json.steps[i + 1] as { diffReasons: string[] }).diffReasons, s.urn).toEqual(
                expect.arrayContaining(declared),
            );
        }
        expect(json.changeSummary).toMatchObject({ import: 7, update: 7 });
        // A bundle's jobs are UI-locked and tied to its metadata: the update removes both.
        const training = byName(doc, "ml-project-training");
        expect(training.update?.diffReasons).toEqual(expect.arrayContaining(["deployment", "editMode", "name"]));
        expect(renderTree(doc, "prod", false)).toMatch(
            /ml-project-training +import +\[ml-project-training-prod\] \[id=1001\]\n +~ {2}then update: \[as declared: [^\n]*editMode/,
        );
    });

    it("with the deployed objects known: exactly the updates that follow each import, none replacing", async () => {
        const declared = (name: string) => structuredClone(byName(doc, name).newState.inputs);
        const job = declared("ml-project-training");
        const experiment = declared("ml-project-experiment");
        const schema = declared("ml-project-model-schema");
        const model = declared("ml-project-model");
        const volume = declared("ml-project-model-volume");
        const endpoint = declared("ml-project-endpoint");
        const inference = declared("ml-project-inference");
        const deployed: Record<string, Record<string, unknown>> = {
            // A bundle's job: its own name and DAB's lock.
            "1001": {
                ...job,
                name: "[prod] ml-project-training",
                editMode: "UI_LOCKED",
                deployment: { kind: "BUNDLE", metadataFilePath: "/x/state/metadata.json" },
            },
            "1002": { ...inference, editMode: "UI_LOCKED" },
            // An artifact location forces a replacement and the program declares none: held.
            "3141592653": { ...experiment, artifactLocation: "dbfs:/databricks/mlflow" },
            // A storage root forces a replacement too: held; the comment is updated.
            "prod_catalog.ml_data": { ...schema, comment: "bundle", storageRoot: "abfss://c@a.dfs.core.windows.net/x" },
            "prod_catalog.ml_data.ml_model": { ...model, comment: "old" },
            // An external volume where the program declares a managed one: held, and reported.
            "prod_catalog.ml_data.input": { ...volume, volumeType: "EXTERNAL", storageLocation: "abfss://v" },
            // The bundle's tags and legacy auto-capture on the endpoint.
            "ml-project-api-prod": {
                ...endpoint,
                tags: [{ key: "bundle", value: "ml-project" }],
                config: {
                    ...(endpoint.config as object),
                    autoCaptureConfig: { catalogName: "prod_catalog", schemaName: "ml_data" },
                },
            },
        };
        const known = await buildPlan(program, { projectDir: out, stack: "prod", currentUser: USER, deployed });
        const updates = Object.fromEntries(
            imported(known).map((s) => [s.urn.split("::").pop(), [s.update?.diffReasons, s.update?.held]]),
        );
        expect(updates).toEqual({
            "ml-project-training": [["deployment", "editMode", "name"], []],
            "ml-project-inference": [["editMode"], []],
            "ml-project-experiment": [[], []],
            "ml-project-model-schema": [["comment"], []],
            "ml-project-model": [["comment"], []],
            "ml-project-model-volume": [[], ["volumeType"]],
            "ml-project-endpoint": [["tags"], []],
        });
        const gate = adoptionGate(previewJson(known) as PreviewDocument);
        expect(gate.problems).toEqual([]);
        expect(gate.adopted.map((a) => [a.name, a.updates])).toContainEqual([
            "ml-project-training",
            ["deployment", "editMode", "name"],
        ]);
        expect(renderTree(known, "prod", false)).toContain(
            "~  then update: [diff: nothing] (held by ignoreChanges: volumeType)",
        );
    });
});

describe("the adoption gate", () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::databricks-mlops::${type}::${name}`;
    const schema = urn("databricks:index/schema:Schema", "ml-project-model-schema");
    const job = urn("databricks:index/job:Job", "ml-project-training");
    const preview = (extra: PreviewDocument["steps"], diagnostics: PreviewDocument["diagnostics"] = []) => ({
        steps: [
            { op: "import", urn: job, newState: { id: "1001", type: "databricks:index/job:Job" } },
            { op: "update", urn: job, diffReasons: ["editMode", "name"] },
            ...(extra ?? []),
        ],
        diagnostics,
    });

    it("lists each adoption and its update, and lets the up run", () => {
        const result = adoptionGate(preview([]));
        expect(result).toEqual({
            adopted: [
                {
                    name: "ml-project-training",
                    type: "databricks:index/job:Job",
                    id: "1001",
                    updates: ["editMode", "name"],
                },
            ],
            problems: [],
        });
    });

    it.each([
        [
            "a replacement of an adopted object",
            preview([
                { op: "import", urn: schema, newState: { id: "c.s", type: "databricks:index/schema:Schema" } },
                { op: "replace", urn: schema, replaceReasons: ["storageRoot"] },
            ]),
            /ml-project-model-schema: the preview would replace the adopted object \(storageRoot\)/,
        ],
        [
            "the engine's refusal to replace an imported resource",
            preview(
                [],
                [
                    {
                        urn: job,
                        severity: "warning",
                        message: "previously-imported resources that still specify an ID may not be replaced; ...",
                    },
                ],
            ),
            /ml-project-training: the engine refuses the adoption: previously-imported resources/,
        ],
        [
            "an engine older than 3.174.0, which fails an import whose inputs differ",
            preview(
                [],
                [{ urn: job, severity: "warning", message: "inputs to import do not match the existing resource" }],
            ),
            /inputs to import do not match/,
        ],
    ])("stops the up on %s", (_, doc, message) => {
        const result = adoptionGate(doc);
        expect(result.problems).toHaveLength(1);
        expect(result.problems[0]).toMatch(message);
    });

    it("exits 0 when the up may run, 3 when it stops, 2 on what is no preview", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlops-gate-test-"));
        const file = (name: string, doc: unknown) => {
            const f = path.join(dir, name);
            fs.writeFileSync(f, typeof doc === "string" ? doc : JSON.stringify(doc));
            return f;
        };
        const ok = gateMain([file("ok.json", preview([]))]);
        expect(ok.code).toBe(0);
        expect(ok.out).toContain("| ml-project-training | `databricks:index/job:Job` | `1001` | `editMode`, `name` |");
        const stopped = gateMain([file("stop.json", preview([{ op: "delete", urn: job }]))]);
        expect(stopped.code).toBe(3);
        expect(stopped.out).toContain("**Stopped**");
        expect(gateMain([file("bad.json", "{")]).code).toBe(2);
        expect(gateMain([file("none.json", { foo: 1 })]).err).toContain(
            'expected the JSON of `pulumi preview --json` (an object with "steps")',
        );
        expect(gateMain([], () => JSON.stringify({ steps: [] })).out).toContain("adopts no deployed object");
    });
});
