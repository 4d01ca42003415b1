// Request paths as Envoy sees them under Istio's default path normalisation (meshConfig
// pathNormalization BASE, Envoy's normalize_path): percent-encoded unreserved characters are
// decoded (%2e is a dot), backslashes become slashes, dot segments are removed (RFC 3986
// §5.2.4), and %00 is refused. Slashes are not merged and %2F stays encoded, as in BASE.
// The router routes on the result and forwards the result, so `..` cannot step out of a
// route prefix into /metrics or /health.

export type NormalisedPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

// RFC 3986 §2.3: decoding these never changes what a URI means.
const unreserved = /^[A-Za-z0-9\-._~]$/;

export function normalisePath(target: string): NormalisedPath {
    const queryAt = target.indexOf("?");
    const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
    const query = queryAt < 0 ? "" : target.slice(queryAt);
    if (!rawPath.startsWith("/") && !rawPath.startsWith("\\")) return { ok: false, reason: "the request path must start with /" };
    if (/%(?![0-9A-Fa-f]{2})/.test(rawPath)) return { ok: false, reason: "the request path has a % that is not a percent-encoding" };
    if (/%00/.test(rawPath)) return { ok: false, reason: "the request path contains %00" };
    const decoded = rawPath.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
        const char = String.fromCharCode(parseInt(hex, 16));
        return unreserved.test(char) ? char : `%${hex.toUpperCase()}`;
    });
    return { ok: true, path: removeDotSegments(decoded.replace(/\\/g, "/")) + query };
}

/** RFC 3986 §5.2.4 on an absolute path: `.` segments go, `..` removes the segment before it. */
function removeDotSegments(path: string): string {
    const output: string[] = [];
    const segments = path.split("/").slice(1);
    for (const [index, segment] of segments.entries()) {
        const last = index === segments.length - 1;
        if (segment === ".") {
            if (last) output.push("");
        } else if (segment === "..") {
            output.pop();
            if (last) output.push("");
        } else {
            output.push(segment);
        }
    }
    return `/${output.join("/")}`;
}
