import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerInventoryRoutes } from "./routes";

export const inventoryService: ServiceModule = { name: "inventory", migrations, registerRoutes: registerInventoryRoutes };
