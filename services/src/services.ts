// Which module implements which service.
import { cartService } from "./cart";
import { inventoryService } from "./inventory";
import { notificationService } from "./notification";
import { orderService } from "./order";
import { paymentService } from "./payment";
import { productService } from "./product";
import type { ServiceModule } from "./runtime/service-module";
import type { ServiceName } from "./runtime/service-names";
import { shippingService } from "./shipping";
import { userService } from "./user";

export const serviceModules: Readonly<Record<ServiceName, ServiceModule>> = {
    product: productService,
    cart: cartService,
    order: orderService,
    payment: paymentService,
    user: userService,
    inventory: inventoryService,
    shipping: shippingService,
    notification: notificationService,
};
