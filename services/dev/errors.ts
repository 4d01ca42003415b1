/** A problem the developer can fix (missing binary, port in use, crashed child): print the message, no stack. */
export class DevError extends Error {
    override name = "DevError";
}
