import type { ServiceModule } from "../runtime/service-module";
import { migrations } from "./migrations";
import { registerPaymentRoutes } from "./routes";

export const paymentService: ServiceModule = { name: "payment", migrations, registerRoutes: registerPaymentRoutes };
