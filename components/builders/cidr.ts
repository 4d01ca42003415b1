// IPv4 CIDR arithmetic for the address plan: enough to prove ranges nest and never overlap.

export interface Cidr {
    readonly first: number;
    readonly last: number;
}

export function parseCidr(text: string): Cidr {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    const octets = match?.slice(1, 5).map(Number) ?? [];
    const bits = Number(match?.[5]);
    if (!match || octets.some((o) => o > 255) || bits > 32) {
        throw new Error(`${text} is not an IPv4 CIDR such as 10.20.0.0/16`);
    }
    const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
    const size = 2 ** (32 - bits);
    if (address % size !== 0) {
        throw new Error(`${text} has host bits set: the network address is ${formatAddress(address - (address % size))}/${bits}`);
    }
    return { first: address, last: address + size - 1 };
}

export function parseAddress(text: string): number {
    return parseCidr(`${text}/32`).first;
}

function formatAddress(address: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

export const overlaps = (a: string, b: string): boolean => {
    const [x, y] = [parseCidr(a), parseCidr(b)];
    return x.first <= y.last && y.first <= x.last;
};

export const contains = (outer: string, inner: string): boolean => {
    const [x, y] = [parseCidr(outer), parseCidr(inner)];
    return x.first <= y.first && y.last <= x.last;
};
