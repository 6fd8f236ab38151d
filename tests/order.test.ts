import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderSteps } from "../plan/plan";

interface Item {
    urn: string;
    parent?: string;
    dependencies: string[];
    provider?: string;
}

/** The quadratic order `orderSteps` replaced, kept as the reference it must match. */
function referenceOrder<T extends Item>(items: T[]): T[] {
    const byUrn = new Map(items.map((i) => [i.urn, i]));
    // Each item's needs, worked out once (the same list for every look at the item).
    const needs = new Map(
        items.map((i) => [
            i,
            [i.parent, ...i.dependencies, i.provider?.split("::").slice(0, -1).join("::")].filter(
                (u): u is string => !!u && byUrn.has(u) && u !== i.urn,
            ),
        ]),
    );
    const done = new Set<string>();
    const out: T[] = [];
    const pending = [...items].sort((a, b) => a.urn.localeCompare(b.urn));
    while (pending.length > 0) {
        const index = pending.findIndex((i) => (needs.get(i) as string[]).every((u) => done.has(u)));
        const next = pending.splice(index >= 0 ? index : 0, 1)[0];
        done.add(next.urn);
        out.push(next);
    }
    return out;
}

/** A small deterministic generator (mulberry32), so that the large graphs are the same every run. */
function random(seed: number): () => number {
    let a = seed;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * A plan-shaped graph: a stack, providers, and components whose children have parents,
 * dependencies and providers among the resources declared before them. URNs are shuffled
 * against the declaration order (mixed case, `$` and `-`, as real URNs have) so that URN order
 * and dependency order disagree.
 */
function planGraph(size: number, seed: number): Item[] {
    const next = random(seed);
    const pick = <V>(list: V[]) => list[Math.floor(next() * list.length)];
    const words = ["Job", "job", "Schema", "schema-perms", "Volume", "MlProject$Job", "a", "Z", "_x", "ml-project"];
    const items: Item[] = [{ urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", dependencies: [] }];
    const providers = [
        "urn:pulumi:dev::p::pulumi:providers:databricks::default",
        "urn:pulumi:dev::p::pulumi:providers:azure::default",
    ];
    for (const urn of providers) items.push({ urn, parent: items[0].urn, dependencies: [] });
    for (let i = items.length; i < size; i++) {
        const earlier = () => items[Math.floor(next() * items.length)].urn;
        const dependencies = next() < 0.5 ? [] : Array.from({ length: 1 + Math.floor(next() * 3) }, earlier);
        items.push({
            urn: `urn:pulumi:dev::p::${pick(words)}::${pick(words)}-${Math.floor(next() * size * 4).toString(36)}-${i}`,
            parent: next() < 0.9 ? earlier() : undefined,
            dependencies,
            provider: next() < 0.6 ? `${pick(providers)}::04da6b54` : undefined,
        });
    }
    return items;
}

/** Whether every item comes after its parent, dependencies and provider. */
function afterNeeds(order: Item[]): boolean {
    const position = new Map(order.map((item, i) => [item.urn, i]));
    return order.every((item, i) =>
        [item.parent, ...item.dependencies, item.provider?.split("::").slice(0, -1).join("::")].every(
            (u) => u === undefined || (position.get(u) ?? -1) < i,
        ),
    );
}

describe("step order (Kahn's algorithm, ready steps by URN)", () => {
    it("puts every resource after its parent, dependencies and provider, ties by URN", () => {
        const items = [
            { urn: "c", parent: "a", dependencies: ["b"] },
            { urn: "b", parent: "a", dependencies: [], provider: "p::id" },
            { urn: "a", dependencies: [] },
            { urn: "p", dependencies: [] },
        ];
        expect(orderSteps(items).map((i) => i.urn)).toEqual(["a", "p", "b", "c"]);
    });

    it.each([
        [500, 1],
        [2_000, 2],
        [3_000, 3],
    ])("gives the reference order on a plan-shaped graph of %i steps (seed %i)", (size, seed) => {
        const items = planGraph(size, seed);
        expect(orderSteps(items)).toEqual(referenceOrder(items));
    });

    it("gives the reference order on any small graph, cycles, missing needs and repeated URNs included", () => {
        const urn = fc.constantFrom("a", "B", "b", "a$b", "a-b", "ab", "A", "é", "e", "z", "1", "urn::x");
        const item = fc.record({
            urn,
            parent: fc.option(urn, { nil: undefined }),
            dependencies: fc.array(urn, { maxLength: 3 }),
            provider: fc.option(
                urn.map((u) => `${u}::id`),
                { nil: undefined },
            ),
        });
        fc.assert(
            fc.property(fc.array(item, { maxLength: 12 }), (items) => {
                expect(orderSteps(items)).toEqual(referenceOrder(items));
            }),
            { numRuns: 2_000 },
        );
    });

    it("orders 60,000 steps, each after what it needs", () => {
        const items = planGraph(60_000, 4);
        const order = orderSteps(items);
        expect(order).toHaveLength(items.length);
        expect(new Set(order)).toEqual(new Set(items));
        expect(afterNeeds(order)).toBe(true);
    });
});
