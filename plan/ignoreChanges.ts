/**
 * The engine's `ignoreChanges`, offline: each path's value in the new inputs is reset to the old
 * inputs' (removed where the old inputs have none), nested paths included, before the two are
 * compared (pulumi/pulumi `pkg/resource/deploy/step_generator.go`, processIgnoreChanges, with
 * `sdk/go/common/resource/properties_path.go`, PropertyPath.Reset). Paths are dotted keys with
 * optional `[n]` indices (`config.trafficConfig`, `tags[0]`); a path whose parent is missing on
 * either side resets nothing, as the engine's does for a leaf it cannot reach.
 */
export function resetIgnored(
    oldInputs: Record<string, unknown>,
    newInputs: Record<string, unknown>,
    paths: string[],
): Record<string, unknown> {
    const out = structuredClone(newInputs);
    for (const p of paths) {
        const keys = parsePath(p);
        let from: unknown = oldInputs;
        let to: unknown = out;
        for (const key of keys.slice(0, -1)) {
            from = child(from, key);
            to = child(to, key);
        }
        const leaf = keys[keys.length - 1];
        if (!isContainer(to)) continue;
        const old = child(from, leaf);
        if (old === undefined) {
            if (Array.isArray(to)) continue;
            delete (to as Record<string, unknown>)[leaf as string];
        } else {
            (to as Record<string | number, unknown>)[leaf] = structuredClone(old);
        }
    }
    return out;
}

function parsePath(p: string): (string | number)[] {
    return [...p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

function isContainer(v: unknown): v is object {
    return v !== null && typeof v === "object";
}

function child(v: unknown, key: string | number): unknown {
    return isContainer(v) ? (v as Record<string | number, unknown>)[key] : undefined;
}
