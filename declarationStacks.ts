/**
 * The SDK's promise bookkeeping without a stack trace per output.
 *
 * `@pulumi/pulumi` wraps every promise it makes for an output (several per resource property) in
 * `debuggablePromise`, which formats `new Error().stack` at once and keeps it, only to print it
 * when `PULUMI_DEBUG_PROMISE_LEAKS` is set. Formatting a stack is dear, and dearer still with
 * source maps (the language host's ts-node and tsx both map stacks): at a few hundred projects it
 * is most of the time spent declaring resources, and the strings stay on the heap. So, unless
 * that variable asks for them, the stacks are captured with no frames.
 *
 * What the SDK records on purpose is untouched: a resource's source position and stack trace
 * (sent to the engine with its registration) come from `Resource.callsites`, which sets its own
 * unbounded `Error.stackTraceLimit`. So are the stacks of errors: the limit is lowered only for
 * the one `new Error()` inside `debuggablePromise`, never while program code runs.
 */
interface Debuggable {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
    debugPromiseLeaks: boolean;
}

let installed = false;

/** Makes the SDK's per-promise debug stacks empty (once per process); see the module comment. */
export function withoutPromiseStacks(): void {
    if (installed) return;
    installed = true;
    // The SDK's modules call it through this module object (`debuggable_1.debuggablePromise`).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;
    if (debuggable.debugPromiseLeaks) return;
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = function <T>(p: Promise<T>, ctx: unknown): Promise<T> {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}
