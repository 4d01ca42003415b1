import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerUserRoutes } from "./routes";

export const userService: ServiceModule = { name: "user", migrations, registerRoutes: registerUserRoutes };
