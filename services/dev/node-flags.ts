// The Node.js flags every service process runs with: in the image (the Dockerfile's
// NODE_OPTIONS, kept equal to this by a test) and under `npm run dev` and `npm run bench`.
// --max-semi-space-size=2: V8's young generation grows to 16 MiB per semi-space while the
//   modules load and does not shrink back; capped at 2 MiB an idle service holds about 5 MB
//   less, with no throughput change that `npm run bench` can tell from its noise.
// --enable-source-maps: stack traces in the logs name the TypeScript lines.
export const serviceNodeFlags: readonly string[] = ["--enable-source-maps", "--max-semi-space-size=2"];
