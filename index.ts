import { withoutPromiseStacks } from "./declarationStacks";
import { program } from "./program";

// Before any resource is declared: no stack trace per output (see declarationStacks.ts).
withoutPromiseStacks();

// `pulumi up` loads this module (CommonJS) and runs the exported function; its result becomes
// the stack outputs. The offline plan loads this same module; the tests call `program` directly.
export = program;
