import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { catalog } from "../stacks";
import { serviceLabels } from "./builders/labels";
import { httpRoutes, type RouteTarget } from "./builders/routing";

export interface EdgeGatewayArgs {
    namespace: pulumi.Input<string>;
    namespaceName: string;
    /** Hosts the gateway answers for ("*" for any). */
    hosts: string[];
    /** TLS Secret (in the ingress gateway's namespace) that turns on HTTPS with an HTTP redirect. */
    tlsCredentialName?: string;
    /** Label value of the ingress gateway pods (`istio: <selector>`). */
    gatewaySelector: string;
    /** Every service reachable from outside, with its config. */
    services: RouteTarget[];
}

/**
 * The way in: an Istio Gateway on the ingress gateway pods and one gateway-bound
 * VirtualService that sends each `/api/...` prefix to its service. Its routes are the
 * services' own mesh routes scoped to their prefix, because a subset split on a
 * mesh-only VirtualService does not apply to traffic entering through a gateway.
 */
export class EdgeGateway extends pulumi.ComponentResource {
    public readonly gatewayName: string;

    constructor(name: string, args: EdgeGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:mesh:EdgeGateway", name, {}, opts);
        this.gatewayName = name;
        const metadata = { name, namespace: args.namespace, labels: serviceLabels(name) };

        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "networking.istio.io/v1",
                kind: "Gateway",
                metadata,
                spec: {
                    selector: { istio: args.gatewaySelector },
                    servers: gatewayServers(args.hosts, args.tlsCredentialName),
                },
            },
            { parent: this, dependsOn: opts?.dependsOn },
        );

        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                metadata,
                spec: {
                    hosts: args.hosts,
                    gateways: [`${args.namespaceName}/${name}`],
                    http: args.services.flatMap((target) => httpRoutes(target, catalog[target.service].routePrefix)),
                },
            },
            { parent: this, dependsOn: opts?.dependsOn },
        );

        this.registerOutputs({ gatewayName: this.gatewayName });
    }
}

function gatewayServers(hosts: string[], tlsCredentialName?: string) {
    const http = { port: { number: 80, name: "http", protocol: "HTTP" }, hosts };
    if (!tlsCredentialName) {
        return [http];
    }
    return [
        { ...http, tls: { httpsRedirect: true } },
        { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts, tls: { mode: "SIMPLE", credentialName: tlsCredentialName } },
    ];
}
