import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerShippingRoutes } from "./routes";

export const shippingService: ServiceModule = { name: "shipping", migrations, registerRoutes: registerShippingRoutes };
