/** A problem the developer can fix (missing binary, port in use, crashed child): print the message, no stack. */
export class DevError extends Error {
    override name = "DevError";
}

/** A bad command line: the CLI prints the message and its usage, and exits 2. */
export class UsageError extends Error {
    override name = "UsageError";
}
