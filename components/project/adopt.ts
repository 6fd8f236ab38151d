import type * as pulumi from "@pulumi/pulumi";

/**
 * The resource options that adopt a deployed object instead of creating it: Pulumi's `import`
 * option with the object's id, and `ignoreChanges` on every input the program declares.
 *
 * An import fails when the declared inputs differ from the object's (pulumi/pulumi
 * pkg/resource/deploy/step.go, ImportStep: "inputs to import do not match the existing
 * resource"), and an object a bundle deployed always differs somewhat (its notebook paths, its
 * parameters, its tags). With the inputs ignored the first `pulumi up` only takes the object into
 * the state, as it is; once the id leaves the config, the next `pulumi up` updates it in place to
 * what the program declares, and `pulumi preview` (or the offline `--base` diff) shows that
 * change first. Names that identify an object (a schema's, a model's) are checked by the
 * importer before it proposes an id, so that second step never replaces one.
 * Omitted id: no options, the object is created.
 */
export function adoptOptions(id: string | undefined, inputs: object): pulumi.CustomResourceOptions {
    return id === undefined ? {} : { import: id, ignoreChanges: Object.keys(inputs).sort() };
}
