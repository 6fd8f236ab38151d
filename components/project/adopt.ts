import type * as pulumi from "@pulumi/pulumi";

/**
 * The resource options that adopt a deployed object instead of creating it: Pulumi's `import`
 * option with the object's id. The first `pulumi up` reads the object, checks that the declared
 * inputs match it and takes it into the state; later runs manage it as if Pulumi had created it.
 * Omitted id: no options, the object is created.
 */
export function adoptOptions(id: string | undefined): pulumi.CustomResourceOptions {
    return id === undefined ? {} : { import: id };
}
