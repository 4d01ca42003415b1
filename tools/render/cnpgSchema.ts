// kubernetes-models ships no CloudNativePG schema, so the render checks a postgresql.cnpg.io/v1
// Cluster against the ClusterSpec fields the program writes, named as in CloudNativePG's API
// reference (cloudnative-pg.io/documentation, "API Reference", Cluster and ClusterSpec).
// Strict: a misspelt field is an error, as for every other kind.
import { z } from "zod";

const quantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/);

const clusterSpec = z.strictObject({
    instances: z.int().min(1),
    imageName: z.string().min(1).optional(),
    enableSuperuserAccess: z.boolean().optional(),
    storage: z.strictObject({ size: quantity, storageClass: z.string().optional() }),
    postgresql: z.strictObject({ parameters: z.record(z.string(), z.string()) }).optional(),
    bootstrap: z.strictObject({ initdb: z.strictObject({ database: z.string(), owner: z.string() }) }).optional(),
    affinity: z.strictObject({ enablePodAntiAffinity: z.boolean().optional(), topologyKey: z.string().optional() }).optional(),
});

const cluster = z.strictObject({
    apiVersion: z.literal("postgresql.cnpg.io/v1"),
    kind: z.literal("Cluster"),
    metadata: z.looseObject({ name: z.string().min(1) }),
    spec: clusterSpec,
});

/** Problems with a CloudNativePG Cluster manifest, each as a JSON pointer and a message. */
export function cnpgClusterProblems(manifest: unknown): { path: string; message: string }[] {
    const result = cluster.safeParse(manifest);
    if (result.success) return [];
    return result.error.issues.flatMap((issue) => {
        const path = `/${issue.path.map(String).join("/")}`;
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => ({ path: `${path === "/" ? "" : path}/${key}`, message: "is not a field of the schema (unknown fields are rejected)" }));
        }
        return [{ path, message: issue.message }];
    });
}
