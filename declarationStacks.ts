/**
 * Declaring resources without the SDK's per-output debugging cost.
 *
 * `@pulumi/pulumi` wraps every promise it makes for a resource's outputs (four per property, some
 * sixty per resource) in `debuggablePromise`, which formats `new Error().stack` at once and keeps
 * it, with a description built from the property's value, only to print them when
 * `PULUMI_DEBUG_PROMISE_LEAKS` is set. Formatting a stack is dear, and dearer still with source
 * maps (the language host's ts-node and tsx both map stacks): at a few hundred projects it is
 * most of the time spent declaring resources, and the strings stay on the heap until the
 * promises settle. So, unless that variable asks for them, the stacks are captured with no
 * frames and the descriptions are dropped.
 *
 * What the SDK records on purpose is untouched: a resource's source position and stack trace
 * (sent to the engine with its registration) come from `Resource.callsites`, which sets its own
 * unbounded `Error.stackTraceLimit`; the promise-leak check at exit still sees every promise. So
 * are the stacks of errors: the limit is lowered only for the one `new Error()` inside
 * `debuggablePromise`, never while program code runs.
 */
interface Debuggable {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
    debugPromiseLeaks: boolean;
}

interface ResourceClass {
    callsites(): unknown[];
}

let installed: "promise stacks" | "offline plan" | undefined;

function debuggable(): Debuggable {
    // The SDK's modules call it through this module object (`debuggable_1.debuggablePromise`),
    // so replacing the export replaces it for all of them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/pulumi/runtime/debuggable") as Debuggable;
}

/** Makes the SDK's per-promise debug stacks and descriptions empty (once per process); see above. */
export function withoutPromiseStacks(): void {
    if (installed) return;
    installed = "promise stacks";
    const sdk = debuggable();
    if (sdk.debugPromiseLeaks) return;
    const original = sdk.debuggablePromise;
    sdk.debuggablePromise = function <T>(p: Promise<T>): Promise<T> {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, "");
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}

/**
 * For the offline plan only, which has no engine: no promise bookkeeping at all and no source
 * positions. `debuggablePromise` hands the promise back as it is (the plan waits for every
 * registration itself, and a real `pulumi up` still runs the SDK's leak check), and
 * `Resource.callsites` finds no frames: the positions and stack traces go to the engine with each
 * registration, and the mocks drop them. Call it before the program is loaded; a no-op when
 * `PULUMI_DEBUG_PROMISE_LEAKS` asks for the SDK's debugging.
 */
export function forOfflinePlan(): void {
    if (installed) return;
    installed = "offline plan";
    const sdk = debuggable();
    if (sdk.debugPromiseLeaks) return;
    sdk.debuggablePromise = <T>(p: Promise<T>): Promise<T> => p;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Resource } = require("@pulumi/pulumi/resource") as { Resource: ResourceClass };
    Resource.callsites = () => [];
}
