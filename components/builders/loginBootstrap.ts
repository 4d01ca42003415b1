// The Job that gives each service its own PostgreSQL login on a private server the Pulumi
// engine cannot reach: it runs in the cluster, next to the services, from the services' image.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { adminUrlVariable, databaseUrlKey } from "../../services/src/bootstrap/logins";
import { serviceNames } from "../../stacks";
import { appUid, restrictedContainer } from "./workload";

export interface LoginBootstrapTarget {
    image: pulumi.Input<string>;
    /** Secret with the admin URL (key DATABASE_ADMIN_URL). */
    adminSecret: string;
    /** Secret with every service's URL (keys DATABASE_URL_<SERVICE>). */
    loginsSecret: string;
    /** Changes with a password rotation: a new value replaces the Job, so it runs again. */
    rotation: string;
}

export function loginBootstrapJobSpec(target: LoginBootstrapTarget): k8s.types.input.batch.v1.JobSpec {
    const fromSecret = (name: string, secret: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key: name } } });
    return {
        backoffLimit: 6,
        // Kept while Pulumi owns the Job; a rotation replaces it.
        template: {
            metadata: {
                labels: { app: "database-bootstrap" },
                annotations: {
                    "ecommerce-mesh/credentials-rotation": target.rotation,
                    // Start the app only once the sidecar routes traffic.
                    "proxy.istio.io/config": '{"holdApplicationUntilProxyStarts": true}',
                },
            },
            spec: {
                restartPolicy: "OnFailure",
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, runAsUser: appUid, runAsGroup: appUid, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        name: "bootstrap-logins",
                        image: target.image,
                        imagePullPolicy: "IfNotPresent",
                        command: ["node", "dist/main.js", "bootstrap-logins"],
                        env: [
                            fromSecret(adminUrlVariable, target.adminSecret),
                            ...serviceNames.map((service) => fromSecret(databaseUrlKey(service), target.loginsSecret)),
                            { name: "SIDECAR_QUIT_URL", value: "http://127.0.0.1:15020/quitquitquit" },
                        ],
                        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
                        securityContext: restrictedContainer,
                    },
                ],
            },
        },
    };
}
