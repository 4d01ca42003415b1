import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerOrderRoutes } from "./routes";

export const orderService: ServiceModule = { name: "order", migrations, registerRoutes: registerOrderRoutes };
