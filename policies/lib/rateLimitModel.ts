// Envoy's HTTP local rate limit as an executable table: given the filter's typed_config, which
// requests of which clients one Envoy process lets through within one fill interval. The
// ingress-rate-limit policy and the tests share it. It lives in the pack, which imports nothing
// from the program so it can be published alone; components/builders/rateLimitModel.ts re-exports it.
//
// Semantics, from Envoy's source (source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc,
// LocalRateLimiterImpl::requestAllowed) and the API (api/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto):
// - each rate_limits entry turns a request into one descriptor; an action that does not apply
//   (a header_value_match whose result differs from expect_match) drops that whole descriptor;
// - a descriptor matches a configured one with the same keys in order; a configured entry without
//   a value is a wildcard that makes one bucket per distinct value, at most
//   `max_dynamic_descriptors` of them (default 20), least recently used evicted, and a bucket made
//   again starts full;
// - every matched bucket takes a token, and the request is refused at the first empty one;
// - the default `token_bucket` is also taken "if matched_results.empty() || always_consume_default_token_bucket_",
//   and always_consume_default_token_bucket defaults to true;
// - buckets live per Envoy process (local_rate_limit_per_downstream_connection false): N gateway pods, N budgets.

export interface ModelRequest {
    /** The address Envoy sees as remote_address (behind a Cluster traffic policy, a node's). */
    readonly client: string;
    readonly method: string;
}

interface Bucket {
    tokens: number;
}
interface Entry {
    key: string;
    value?: string;
}
interface Descriptor {
    entries: Entry[];
    maxTokens: number;
}
type Action = (request: ModelRequest) => Entry | undefined;

const object = (value: unknown): Record<string, any> => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, any>) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Envoy's default for `max_dynamic_descriptors` (local_rate_limit.proto: "defaults to 20"). */
export const defaultMaxDynamicDescriptors = 20;

function actionOf(raw: unknown, index: number): Action {
    const action = object(raw);
    if ("remote_address" in action) return (request) => ({ key: "remote_address", value: request.client });
    if ("header_value_match" in action) {
        const match = object(action.header_value_match);
        const headers = list(match.headers).map(object);
        const expect = match.expect_match !== false;
        const tests = headers.map((header) => {
            if (header.name !== ":method") throw new Error(`rate_limits action ${index}: the model reads only :method headers, not ${String(header.name)}`);
            const regex = object(object(header.string_match).safe_regex).regex;
            const exact = object(header.string_match).exact;
            // safe_regex is RE2 and matches the whole value (type/matcher/v3/regex.proto).
            const whole = typeof regex === "string" ? new RegExp(`^(?:${regex})$`) : undefined;
            return (method: string) => (whole ? whole.test(method) : method === exact);
        });
        const matches = (request: ModelRequest) => tests.every((test) => test(request.method));
        return (request) => (matches(request) === expect ? { key: String(match.descriptor_key ?? "header_match"), value: String(match.descriptor_value) } : undefined);
    }
    throw new Error(`rate_limits action ${index}: the model knows remote_address and header_value_match, not ${Object.keys(action).join(", ")}`);
}

/** One Envoy process's local rate limiter, built from the filter's typed_config. */
export class LocalRateLimitModel {
    private readonly rateLimits: Action[][];
    private readonly descriptors: Descriptor[];
    private readonly defaultBucket?: Bucket;
    private readonly alwaysConsumeDefault: boolean;
    private readonly maxDynamic: number;
    private readonly staticBuckets = new Map<string, Bucket>();
    /** Wildcard buckets, in least-recently-used order (a Map keeps insertion order). */
    private readonly dynamicBuckets = new Map<string, Bucket>();

    constructor(typedConfig: unknown) {
        const config = object(typedConfig);
        this.rateLimits = list(config.rate_limits).map((limit, i) => list(object(limit).actions).map((action) => actionOf(action, i)));
        this.descriptors = list(config.descriptors).map((raw) => {
            const descriptor = object(raw);
            return { entries: list(descriptor.entries).map(object) as Entry[], maxTokens: Number(object(descriptor.token_bucket).max_tokens) };
        });
        const bucket = object(config.token_bucket);
        if ("max_tokens" in bucket) this.defaultBucket = { tokens: Number(bucket.max_tokens) };
        this.alwaysConsumeDefault = config.always_consume_default_token_bucket !== false;
        this.maxDynamic = Number(config.max_dynamic_descriptors ?? defaultMaxDynamicDescriptors);
    }

    /** The budget the descriptors promise one client for such a request (the smallest matched bucket); undefined when none matches. */
    budgetOf(request: ModelRequest): number | undefined {
        const sizes = this.descriptorsOf(request).map((descriptor) => this.descriptors[descriptor.index].maxTokens);
        return sizes.length > 0 ? Math.min(...sizes) : undefined;
    }

    /** Whether this process lets the request through (and takes its tokens). */
    allows(request: ModelRequest): boolean {
        const matched = this.descriptorsOf(request).map(({ index, entries }) => this.bucketFor(index, entries));
        for (const bucket of matched) {
            if (bucket.tokens <= 0) return false;
            bucket.tokens--;
        }
        if ((matched.length === 0 || this.alwaysConsumeDefault) && this.defaultBucket) {
            if (this.defaultBucket.tokens <= 0) return false;
            this.defaultBucket.tokens--;
        }
        return true;
    }

    /** The configured descriptors the request's descriptors match, with the request's entries. */
    private descriptorsOf(request: ModelRequest): { index: number; entries: Entry[] }[] {
        const found: { index: number; entries: Entry[] }[] = [];
        for (const actions of this.rateLimits) {
            const entries = actions.map((action) => action(request));
            if (entries.some((entry) => !entry)) continue;
            const index = this.descriptors.findIndex(
                (d) => d.entries.length === entries.length && d.entries.every((e, i) => e.key === entries[i]!.key && (e.value === undefined || e.value === entries[i]!.value)),
            );
            if (index >= 0) found.push({ index, entries: entries as Entry[] });
        }
        return found;
    }

    private bucketFor(index: number, entries: Entry[]): Bucket {
        const descriptor = this.descriptors[index];
        const key = `${index}|${entries.map((e) => e.value).join("|")}`;
        if (descriptor.entries.every((e) => e.value !== undefined)) {
            if (!this.staticBuckets.has(key)) this.staticBuckets.set(key, { tokens: descriptor.maxTokens });
            return this.staticBuckets.get(key)!;
        }
        let bucket = this.dynamicBuckets.get(key);
        if (bucket) this.dynamicBuckets.delete(key);
        else bucket = { tokens: descriptor.maxTokens };
        this.dynamicBuckets.set(key, bucket);
        if (this.dynamicBuckets.size > this.maxDynamic) this.dynamicBuckets.delete(this.dynamicBuckets.keys().next().value!);
        return bucket;
    }
}

/**
 * What `clients` clients, each sending `perClient` (interleaved, one round at a time, all within one
 * fill interval), get through one gateway pod: the number each client got through.
 */
export function passedPerClient(typedConfig: unknown, clients: number, perClient: readonly ModelRequest["method"][]): number[] {
    const model = new LocalRateLimitModel(typedConfig);
    const passed = new Array<number>(clients).fill(0);
    for (const method of perClient) {
        for (let c = 0; c < clients; c++) if (model.allows({ client: `203.0.113.${c}`, method })) passed[c]++;
    }
    return passed;
}

/**
 * The address the gateway's Envoy sees as remote_address for a client outside the cluster.
 * Kubernetes: with externalTrafficPolicy Cluster a node may SNAT the packet ("obscures the client
 * source IP"), with Local it keeps the client's address (kubernetes.io, "Create an External Load
 * Balancer: Preserving the client source IP"). Istio's gateway trusts no X-Forwarded-For hop.
 */
export function remoteAddressSeen(externalTrafficPolicy: string | undefined, clientAddress: string, nodeAddress: string): string {
    return externalTrafficPolicy === "Local" ? clientAddress : nodeAddress;
}
