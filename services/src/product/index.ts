import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerProductRoutes } from "./routes";

export const productService: ServiceModule = { name: "product", migrations, registerRoutes: registerProductRoutes };
