// Supported versions (Istio, AKS, PostgreSQL, pinned charts) for the program and its tools. The
// table and its logic live in the policy pack, which must load on its own: see policies/lib/support.ts.
export * from "../policies/lib/support";
