import type * as pulumi from "@pulumi/pulumi";
import { replaceRulesFor } from "../../plan/replaceRules";

/** The resource types a project can adopt (`projectOverrides.<project>.adopt`). */
export type AdoptableType =
    | "databricks:index/job:Job"
    | "databricks:index/mlflowExperiment:MlflowExperiment"
    | "databricks:index/schema:Schema"
    | "databricks:index/registeredModel:RegisteredModel"
    | "databricks:index/volume:Volume"
    | "databricks:index/modelServing:ModelServing"
    | "databricks:index/qualityMonitor:QualityMonitor";

/**
 * The resource options that adopt a deployed object instead of creating it: Pulumi's `import`
 * option with the object's id, and `ignoreChanges` on the inputs whose change would replace it.
 *
 * Since pulumi/pulumi v3.174.0 (CHANGELOG: "the engine can now import and then update a resource
 * in a single deployment") an import no longer fails on inputs that differ from the object's: the
 * ImportStep reads the object, then the step generator diffs the program's inputs against what it
 * read and updates it at once (pkg/resource/deploy/step_generator.go, `continueStepsFromImport`).
 * So the adopting `pulumi up` both takes the object into the state and brings every other input
 * to what the program declares, undeclared properties included (a bundle job's `edit_mode`).
 * A diff that replaces the object is refused: "previously-imported resources that still specify
 * an ID may not be replaced" fails the `up` (a warning in a preview). Hence the ignored inputs:
 * exactly those the provider replaces on, declared or not (`adoptIgnoreChanges`), read from
 * plan/replace-rules.json. The importer adopts only objects whose names already match what the
 * program declares, so nothing the program means to change is held back.
 * Omitted id: no options, the object is created.
 */
export function adoptOptions(
    id: string | undefined,
    inputs: object,
    type: AdoptableType,
): pulumi.CustomResourceOptions {
    return id === undefined ? {} : { import: id, ignoreChanges: adoptIgnoreChanges(type, Object.keys(inputs)) };
}

/**
 * The `ignoreChanges` paths of an adopted resource: every input path whose change makes the
 * provider replace a resource of `type`, as a path the engine can hold at the imported value.
 * The engine resets an ignored path in the new inputs to the old value only where the path's
 * parent exists in the new inputs (sdk/go/common/resource/properties_path.go, `Reset`, which
 * creates no intermediate objects). So a path under an input the program does not declare is
 * held at that input (`providerConfig`), and a deeper one at its second level
 * (`config.autoCaptureConfig` below the declared `config`), which the program declares no
 * further. Sorted, without a path below another.
 */
export function adoptIgnoreChanges(type: string, declared: string[]): string[] {
    const rules = replaceRulesFor(type);
    if (!rules) throw new Error(`adoptIgnoreChanges: no replacement rules for ${type} in plan/replace-rules.json`);
    const held = rules.replaceOnChanges.map((p) => {
        const segments = p.split(".");
        return declared.includes(segments[0]) ? segments.slice(0, 2).join(".") : segments[0];
    });
    const unique = [...new Set(held)].sort();
    return unique.filter((p) => !unique.some((q) => p.startsWith(`${q}.`)));
}
