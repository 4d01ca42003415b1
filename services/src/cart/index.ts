import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerCartRoutes } from "./routes";

export const cartService: ServiceModule = { name: "cart", migrations, registerRoutes: registerCartRoutes };
