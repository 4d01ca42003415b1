// How `npm run promote` moves any service's canary unless its stack says otherwise: the testing
// guide's steps and thresholds. The schema applies these per key (services.<name>.canary.*).
export const canaryRollout = {
    steps: [10, 25, 50, 100],
    analysis: { interval: "1m", successRate: 99, maxP99: "500ms", minRequests: 100 },
} as const;
