// The statistics verify and promote state their verdicts with: an exact two-sided binomial
// test (as R's binom.test: every outcome no more likely than the observed one) and the sample
// size that tells a share from its neighbours.

/** Significance of every statistical check: a healthy system fails one in a hundred runs. */
export const significance = 0.01;
/** A split check should tell the configured weight from one this many points away. */
export const neighbourDistance = 5;
/** Chance of noticing a split that is off by `neighbourDistance`. */
export const power = 0.9;

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
    for (let i = logFactorials.length; i <= n; i++) logFactorials[i] = logFactorials[i - 1] + Math.log(i);
    return logFactorials[n];
}

function logPmf(k: number, n: number, p: number): number {
    if (p === 0) return k === 0 ? 0 : -Infinity;
    if (p === 1) return k === n ? 0 : -Infinity;
    return logFactorial(n) - logFactorial(k) - logFactorial(n - k) + k * Math.log(p) + (n - k) * Math.log(1 - p);
}

/** p-value of seeing `k` successes in `n` tries when each succeeds with probability `p`. */
export function binomialPValue(k: number, n: number, p: number): number {
    const observed = logPmf(k, n, p);
    let total = 0;
    for (let i = 0; i <= n; i++) {
        const lp = logPmf(i, n, p);
        // The relative tolerance is binom.test's, so ties in floating point count as ties.
        if (lp <= observed + 1e-7) total += Math.exp(lp);
    }
    return Math.min(1, total);
}

export interface ShareTest {
    readonly successes: number;
    readonly trials: number;
    /** Expected share, 0–1. */
    readonly expected: number;
    readonly pValue: number;
    readonly pass: boolean;
}

export function testShare(successes: number, trials: number, expected: number): ShareTest {
    const pValue = binomialPValue(successes, trials, expected);
    return { successes, trials, expected, pValue, pass: pValue >= significance };
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
    const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
    const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
    const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
    const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
    if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
    const q = p - 0.5;
    const r = q * q;
    return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Requests needed to tell `weight` percent from the weights `neighbourDistance` points either
 * side at `significance` with `power` (normal approximation), never fewer than `floor`.
 */
export function splitSampleSize(weight: number, floor = 400): number {
    const zAlpha = normalQuantile(1 - significance / 2);
    const zBeta = normalQuantile(power);
    const p0 = weight / 100;
    let needed = floor;
    for (const neighbour of [weight - neighbourDistance, weight + neighbourDistance]) {
        if (neighbour < 0 || neighbour > 100) continue;
        const p1 = neighbour / 100;
        const n = ((zAlpha * Math.sqrt(p0 * (1 - p0)) + zBeta * Math.sqrt(p1 * (1 - p1))) / (neighbourDistance / 100)) ** 2;
        needed = Math.max(needed, Math.ceil(n));
    }
    return needed;
}
