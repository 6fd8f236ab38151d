/**
 * Which object a resource is, through renames. The engine keeps an object (and the id the
 * provider gave it) when a resource answers to its old URN through an alias, a project's
 * `previousNames` included; so the mocks key the ids they make up by that identity, not by the
 * resource's current name, and a rename changes no id that the engine would keep.
 */

/** The logical name at the end of a URN. */
export function urnName(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** The parent of a resource, by its current name and its identity. */
export interface ParentIdentity {
    name: string;
    identity: string;
}

/**
 * The name a resource had when its object was made: the name its first alias gives (a project's
 * first previous name: list them oldest first), else its own; then, when its parent answers to
 * an older name and the resource's name starts with the parent's, that start replaced by the
 * parent's old name, as the engine derives a child's alias from its parent's (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go, `inheritedChildAlias`).
 */
export function identityName(name: string, aliasNames: string[], parent?: ParentIdentity): string {
    const own = aliasNames[0] ?? name;
    if (parent && parent.identity !== parent.name && own.startsWith(parent.name)) {
        return parent.identity + own.slice(parent.name.length);
    }
    return own;
}

/**
 * The identity name of every resource of a plan, by URN, from the aliases and parents its steps
 * record (parents come before their children in a plan's order).
 */
export function identityNames(
    steps: { urn: string; newState: { parent?: string; aliases?: string[] } }[],
): Map<string, string> {
    const out = new Map<string, string>();
    for (const { urn, newState } of steps) {
        const parent = newState.parent;
        const parentIdentity = parent === undefined ? undefined : out.get(parent);
        out.set(
            urn,
            identityName(
                urnName(urn),
                (newState.aliases ?? []).map(urnName),
                parent !== undefined && parentIdentity !== undefined
                    ? { name: urnName(parent), identity: parentIdentity }
                    : undefined,
            ),
        );
    }
    return out;
}
