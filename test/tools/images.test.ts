import { expect } from "chai";
import { buildArgs } from "../../tools/images/build";
import { ImagesError } from "../../tools/images/engine";
import { imageRef, parseImagesArgs, stackConfig } from "../../tools/images/main";

describe("npm run images: arguments and image names", () => {
    it("builds every service for the local stack by default", () => {
        expect(parseImagesArgs([])).to.deep.include({ stack: "local", services: ["product", "cart", "order", "payment", "user", "inventory", "shipping", "notification"] });
    });

    it("refuses an unknown service or flag with the allowed values", () => {
        expect(() => parseImagesArgs(["--service", "basket"])).to.throw(ImagesError, "--service basket: not a service; expected one of product, cart,");
        expect(() => parseImagesArgs(["--push"])).to.throw(ImagesError, "usage: npm run images");
    });

    it("tags each image <images.registry>/<service>:<images.tag> of the stack, the ACR by default", () => {
        expect(imageRef(stackConfig("local"), "cart")).to.equal("localhost:5001/cart:0.1.0");
        const dev = stackConfig("dev");
        expect(imageRef(dev, "cart")).to.equal(`${dev.registry.name!.toLowerCase()}.azurecr.io/cart:${dev.images.tag}`);
    });

    it("passes the service, version, revision and, when given, the base to the Dockerfile", () => {
        expect(buildArgs({ engine: "podman", service: "cart", ref: "r", version: "0.1.0", revision: "abc", nodeImage: "base:1" })).to.deep.equal([
            "--build-arg", "SERVICE=cart", "--build-arg", "VERSION=0.1.0", "--build-arg", "REVISION=abc", "--build-arg", "NODE_IMAGE=base:1",
        ]);
    });
});
