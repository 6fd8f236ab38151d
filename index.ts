import { program } from "./program";

// `pulumi up` loads this module (CommonJS) and runs the exported function; its result becomes
// the stack outputs. The offline plan loads this same module; the tests call `program` directly.
export = program;
