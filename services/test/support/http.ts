// Small JSON client for tests: returns status, headers and the parsed body.
export interface Answer<Body = any> {
    status: number;
    headers: Headers;
    body: Body;
}

export interface SendOptions {
    headers?: Record<string, string>;
    /** Sent as is, e.g. malformed JSON; otherwise `json` is serialised. */
    raw?: string;
    json?: unknown;
}

export async function send<Body = any>(method: string, url: string, options: SendOptions = {}): Promise<Answer<Body>> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.raw !== undefined || options.json !== undefined) {
        headers["content-type"] ??= "application/json";
        body = options.raw ?? JSON.stringify(options.json);
    }
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
        parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
        // Not JSON (e.g. /metrics): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as Body };
}

export const get = <Body = any>(url: string, headers?: Record<string, string>) => send<Body>("GET", url, { headers });
export const post = <Body = any>(url: string, json: unknown, headers?: Record<string, string>) => send<Body>("POST", url, { json, headers });
export const del = <Body = any>(url: string, headers?: Record<string, string>) => send<Body>("DELETE", url, { headers });

/** The verified subject as the gateway (or the router) hands it to a service: this customer's calls. */
export const asUser = (id: string): Record<string, string> => ({ "x-auth-subject": id });
