// Validates rendered Kubernetes objects against the published schemas.
//
// Why kubernetes-models (+ @kubernetes-models/istio): they are the maintained npm packages that
// ship the upstream Kubernetes OpenAPI schemas and Istio's CRD schemas (networking.istio.io,
// security.istio.io and telemetry.istio.io at v1, the versions the program uses) compiled
// into validators, with no network access or binary download at run time, and TypeScript
// declarations generated from the same schemas. Their validators check types, enums, formats
// and required fields but accept unknown fields (the upstream schemas leave
// additionalProperties open), so strictFields.ts adds the pass that rejects those.
import { cnpgClusterProblems } from "./cnpgSchema";
import { objectLabel, type KubeObject } from "./model";
import { type ModelType, StrictFieldChecker } from "./strictFields";

export interface SchemaError {
    /** `VirtualService ecommerce/product` */
    object: string;
    file: string;
    /** JSON pointer into the object, "" for the object itself. */
    path: string;
    message: string;
}

interface AjvError {
    instancePath?: string;
    keyword?: string;
    message?: string;
    params?: Record<string, unknown>;
}

type ModelClass = new (data: unknown) => { validate(): void };

/** The npm module and interface that hold the schema of an apiVersion/kind. */
export function schemaModule(apiVersion: string, kind: string): ModelType | undefined {
    if (!/^[A-Za-z0-9]+$/.test(kind)) {
        return undefined;
    }
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
    if (!/^[a-z0-9.-]*$/.test(group) || !/^v\d+((alpha|beta)\d+)?$/.test(version ?? "")) {
        return undefined;
    }
    const module = group.endsWith(".istio.io")
        ? `@kubernetes-models/istio/${group}/${version}/${kind}`
        : group === "monitoring.coreos.com"
          ? `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
          : group === "cert-manager.io"
            ? `@kubernetes-models/cert-manager/${group}/${version}/${kind}`
            : `kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`;
    return { module, interfaceName: `I${kind}` };
}

export class SchemaValidator {
    private constructor(
        private readonly models: Map<string, ModelClass>,
        private readonly strict: StrictFieldChecker,
    ) {}

    /** Loads the schemas of every apiVersion/kind among `objects` (ESM packages: import()). */
    static async create(objects: Pick<KubeObject, "apiVersion" | "kind">[], projectDir: string): Promise<SchemaValidator> {
        const models = new Map<string, ModelClass>();
        const found: ModelType[] = [];
        for (const { apiVersion, kind } of objects) {
            const key = `${apiVersion}/${kind}`;
            const target = schemaModule(apiVersion, kind);
            if (models.has(key) || !target) {
                continue;
            }
            try {
                const loaded = (await import(target.module)) as Record<string, ModelClass>;
                if (typeof loaded[kind] === "function") {
                    models.set(key, loaded[kind]);
                    found.push(target);
                }
            } catch {
                // no published schema: reported per object by validate()
            }
        }
        return new SchemaValidator(models, new StrictFieldChecker(found, projectDir));
    }

    validate(object: KubeObject): SchemaError[] {
        const at = (path: string, message: string): SchemaError => ({ object: objectLabel(object), file: object.file, path, message });
        if (object.apiVersion === "postgresql.cnpg.io/v1" && object.kind === "Cluster") {
            return cnpgClusterProblems(object.manifest).map(({ path, message }) => at(path, message));
        }
        const Model = this.models.get(`${object.apiVersion}/${object.kind}`);
        if (!Model) {
            return [at("", `no published schema for apiVersion ${object.apiVersion} kind ${object.kind} (a typo, or a CRD kubernetes-models does not ship)`)];
        }
        const errors: SchemaError[] = [];
        try {
            new Model(object.manifest).validate();
        } catch (error) {
            const details = (error as { errors?: AjvError[] }).errors;
            if (!Array.isArray(details)) {
                throw error;
            }
            for (const detail of dedupe(details)) {
                errors.push(at(detail.instancePath ?? "", describe(detail)));
            }
        }
        for (const unknown of this.strict.unknownFields(schemaModule(object.apiVersion, object.kind)!, object.manifest)) {
            errors.push(at(unknown.path, "is not a field of the schema (unknown fields are rejected)"));
        }
        return errors.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
}

// Loading the schemas and the declarations costs a few hundred ms: `npm run check` and the
// tests render several stacks with the same kinds in one process, so reuse a validator.
const validators = new Map<string, Promise<SchemaValidator>>();

// The kinds the program renders on some stack: loaded up front, so stacks with different
// subsets (HPAs only in prod, a Secret only in local) share one validator.
const commonKinds: Pick<KubeObject, "apiVersion" | "kind">[] = [
    ...["Namespace", "ServiceAccount", "Secret", "ConfigMap", "Service"].map((kind) => ({ apiVersion: "v1", kind })),
    { apiVersion: "apps/v1", kind: "Deployment" },
    { apiVersion: "policy/v1", kind: "PodDisruptionBudget" },
    { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" },
    ...["PeerAuthentication", "AuthorizationPolicy"].map((kind) => ({ apiVersion: "security.istio.io/v1", kind })),
    { apiVersion: "telemetry.istio.io/v1", kind: "Telemetry" },
    { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule" },
    ...["Gateway", "DestinationRule", "VirtualService"].map((kind) => ({ apiVersion: "networking.istio.io/v1", kind })),
];

/** Validates every object; errors in object order, then path order. */
export async function validateObjects(objects: KubeObject[], projectDir: string): Promise<SchemaError[]> {
    const kinds = [...commonKinds, ...objects];
    const key = `${projectDir}\n${[...new Set(kinds.map((o) => `${o.apiVersion}/${o.kind}`))].sort().join("\n")}`;
    if (!validators.has(key)) {
        validators.set(key, SchemaValidator.create(kinds, projectDir));
    }
    const validator = await validators.get(key)!;
    return objects.flatMap((object) => validator.validate(object));
}

function describe(error: AjvError): string {
    const params = error.params ?? {};
    if (error.keyword === "enum" && Array.isArray(params.allowedValues)) {
        return `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
    }
    if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
        return `has unknown field ${params.additionalProperty}`;
    }
    return error.message ?? error.keyword ?? "is invalid";
}

/** oneOf/anyOf failures repeat the same message per branch; keep one of each. */
function dedupe(errors: AjvError[]): AjvError[] {
    const seen = new Set<string>();
    return errors.filter((e) => {
        const key = `${e.instancePath} ${describe(e)}`;
        return !seen.has(key) && (seen.add(key), true);
    });
}
