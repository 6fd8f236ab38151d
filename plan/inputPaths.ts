/**
 * The dotted input paths of a value as the rule tables spell them (plan/replace-rules.json,
 * plan/readback-rules.json): lists transparent, no indices, not descending into the type's
 * free-form maps (`tags`, `sparkConf`), whose keys are values, not properties.
 */
export function inputPaths(value: unknown, maps: Set<string>, prefix = "", out = new Set<string>()): Set<string> {
    if (Array.isArray(value)) {
        for (const v of value) inputPaths(v, maps, prefix, out);
        return out;
    }
    if (value === null || typeof value !== "object") return out;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const p = prefix ? `${prefix}.${k}` : k;
        out.add(p);
        if (!maps.has(p)) inputPaths(v, maps, p, out);
    }
    return out;
}
