import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerNotificationRoutes } from "./routes";

export const notificationService: ServiceModule = { name: "notification", migrations, registerRoutes: registerNotificationRoutes };
