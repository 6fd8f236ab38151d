import { type Command, CommanderError } from "commander";

/**
 * What every command of this repository (plan, promote, new-project, gen:replace-rules) does the
 * same way: bad usage exits 2 with the one relevant line and a pointer to `--help` (never the
 * whole help), bad input exits 2 with its message, an unexpected failure exits 1, and a reader
 * that goes away early (`| head -1`) is not an error.
 */

/** Exit status of bad usage or bad input: the command was told something it cannot do. */
export const EXIT_USAGE = 2;

/** A problem with what the user asked for (a flag, a name, a file): its message, exit 2, no stack trace. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/**
 * Makes a commander program report a usage error as one line, `error: <what>` and `(run <name>
 * --help for usage)`, and throw instead of exiting, so that the caller sets exit 2. `--help` and
 * `--version` still print and exit 0.
 */
export function strictUsage(cli: Command, invocation: string): Command {
    return cli
        .exitOverride()
        .showHelpAfterError(false)
        .configureOutput({
            outputError: (text, write) => write(`${text.trimEnd()}\n(run ${invocation} --help for usage)\n`),
        });
}

/**
 * Ignores a closed stdout: `... | head -1` closes the pipe after one line, and the writes that
 * follow fail with EPIPE (then ERR_STREAM_DESTROYED). What the command does (a file written) is
 * done all the same; the exit status is the command's own.
 */
export function tolerateClosedStdout(): void {
    process.stdout.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
    });
}

/**
 * Runs a command's main function and sets the exit status: its own result; 2 for bad usage and
 * for the input errors `isInputError` recognises (their message alone); 1, with the stack, for
 * anything unexpected. The status is set, never `process.exit`ed: a pipe takes stdout
 * asynchronously, and exiting at once would cut the output at the pipe's buffer.
 */
export function runMain(
    main: () => Promise<number>,
    isInputError: (err: unknown) => boolean = () => false,
    unexpected = "failed unexpectedly",
): void {
    tolerateClosedStdout();
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (err: unknown) => {
            if (err instanceof CommanderError) {
                // The message is already written (or the help, for --help).
                process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
                return;
            }
            if (err instanceof UsageError || isInputError(err)) {
                process.stderr.write(`error: ${(err as Error).message}\n`);
                process.exitCode = EXIT_USAGE;
                return;
            }
            process.stderr.write(
                `error: ${unexpected}:\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
            );
            process.exitCode = 1;
        },
    );
}
