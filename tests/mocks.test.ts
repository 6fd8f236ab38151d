import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { structValue } from "../plan/mocks";

// The real conversion the mock monitor made: google-protobuf's Struct, as @pulumi/pulumi ships it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(value: unknown): { toJavaScript(): unknown } };
};

function roundTrip(value: unknown): unknown {
    return Struct.fromJavaScript(value).toJavaScript();
}

/** The value with the order of every object's keys: JSON.stringify keeps insertion order. */
function ordered(value: unknown): string {
    return JSON.stringify(value, (_, v: unknown) => (Object.is(v, -0) ? "-0" : v));
}

/** Objects such as serializeProperties makes: JSON values, with secrets' and outputs' special keys. */
const state = fc.dictionary(
    fc.oneof(fc.string(), fc.constantFrom("4dabf18193072939515e22adb298388d", "10", "2", "value", "a b", "Z", "_")),
    fc.oneof(fc.jsonValue(), fc.constant(-0), fc.double()),
);

describe("structValue: what the response's protobuf Struct gave the SDK", () => {
    it("equals Struct.fromJavaScript(...).toJavaScript(), the order of keys included", () => {
        fc.assert(
            fc.property(state, (value) => {
                expect(ordered(structValue(value))).toBe(ordered(roundTrip(value)));
            }),
            { numRuns: 500 },
        );
    });

    it("keeps what the SDK reads back (secrets, unknowns, nested lists and objects)", () => {
        const value = {
            name: "job",
            settings: [{ b: 2, a: 1, list: [null, true, 1.5, "04da6b54-80e4-46f7-96ec-b56ff0331ba9"] }],
            token: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cr3t" },
            "1": {},
        };
        expect(ordered(structValue(value))).toBe(ordered(roundTrip(value)));
    });

    it.each([
        ["undefined", { a: undefined }],
        ["a function", { a: () => 1 }],
        // eslint-disable-next-line no-sparse-arrays
        ["a hole in a list", { a: [1, , 3] }],
    ])("fails on %s, as the conversion does", (_, value) => {
        expect(() => roundTrip(value)).toThrow("Unexpected struct type.");
        expect(() => structValue(value)).toThrow("Unexpected struct type.");
    });
});
