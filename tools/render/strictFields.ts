// Strict pass: finds fields the published schema does not know. kubernetes-models' compiled
// validators check types, enums and required fields but let unknown fields through (the
// Kubernetes OpenAPI and Istio CRD schemas leave additionalProperties open), while the API
// server with field validation Strict, and `istioctl validate`, reject them. The packages'
// .d.ts interfaces are generated from those same schemas, one property per schema property
// and an index signature for additionalProperties, so this walks each object against its
// declared type with the TypeScript checker and reports every key the type has no room for.
// The checker's view of the types is derived once and cached as plain data (see Shape).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type TS from "typescript";

// The compiler is loaded only when the shapes are not cached yet: requiring it alone takes
// longer than a whole cached schema pass.
let compiler: typeof TS | undefined;
const ts = (): typeof TS => (compiler ??= require("typescript") as typeof TS);

export interface UnknownField {
    /** JSON-pointer-ish path, e.g. /spec/http/0/route/0/destination/bogus. */
    path: string;
}

export interface ModelType {
    /** Module specifier of the model, e.g. kubernetes-models/apps/v1/Deployment. */
    module: string;
    /** Interface name exported by it, e.g. IDeployment. */
    interfaceName: string;
}

/**
 * What the walk needs to know of a declared type, as plain data: `free` (anything goes),
 * the element shape of an array, and the fields of an object (with the shape of its index
 * signature, if any; `open` for `{}`). Shapes refer to each other by index, so recursive
 * types stay finite.
 */
interface Shape {
    free?: true;
    elements?: number;
    open?: true;
    props?: Record<string, number>;
    index?: number;
}

interface ShapeFile {
    roots: Record<string, number>;
    shapes: Shape[];
}

const keyOf = (m: ModelType) => `${m.module}#${m.interfaceName}`;

/**
 * Field shapes of the model declarations. Reading them takes the TypeScript checker over the
 * packages' .d.ts (seconds), so they are derived once per set of kinds and package versions
 * and kept in node_modules/.cache; later renders read a JSON file.
 */
export class StrictFieldChecker {
    private readonly file: ShapeFile;

    constructor(models: ModelType[], projectDir: string) {
        const unique = [...new Map(models.map((m) => [keyOf(m), m])).values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
        const cacheFile = shapeCacheFile(unique, projectDir);
        this.file = readCache(cacheFile) ?? writeCache(cacheFile, new ShapeBuilder(unique, projectDir).file);
    }

    /** Every key of `value` (at any depth) that the declared type does not allow. */
    unknownFields(model: ModelType, value: unknown): UnknownField[] {
        const root = this.file.roots[keyOf(model)];
        if (root === undefined) {
            throw new Error(`${model.interfaceName} was not loaded`);
        }
        const found: UnknownField[] = [];
        this.walk(value, root, "", found);
        return found;
    }

    private walk(value: unknown, shapeIndex: number | undefined, at: string, found: UnknownField[]): void {
        const shape = shapeIndex === undefined ? undefined : this.file.shapes[shapeIndex];
        if (!shape || shape.free) {
            return; // free-form (x-kubernetes-preserve-unknown-fields) or no type to check against
        }
        if (Array.isArray(value)) {
            value.forEach((item, i) => this.walk(item, shape.elements, `${at}/${i}`, found));
            return;
        }
        if (typeof value !== "object" || value === null || !shape.props || shape.open) {
            return; // scalars are the compiled validator's job; `{}` lists no fields, so any goes
        }
        for (const [key, child] of Object.entries(value)) {
            const next = Object.hasOwn(shape.props, key) ? shape.props[key] : shape.index;
            if (next === undefined) {
                found.push({ path: `${at}/${escapePointer(key)}` });
                continue;
            }
            this.walk(child, next, `${at}/${escapePointer(key)}`, found);
        }
    }
}

function shapeCacheFile(models: ModelType[], projectDir: string): string {
    const hash = createHash("sha256");
    hash.update(readFileSync(__filename));
    for (const pkg of ["typescript", "kubernetes-models", "@kubernetes-models/istio", "@kubernetes-models/cert-manager"]) {
        try {
            hash.update(`${pkg}@${(JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [projectDir] }), "utf8")) as { version: string }).version}`);
        } catch {
            hash.update(`${pkg}@?`);
        }
    }
    hash.update(models.map(keyOf).join("\n"));
    return path.join(projectDir, "node_modules", ".cache", "ecommerce-mesh-render", `strict-fields-${hash.digest("hex").slice(0, 16)}.json`);
}

function readCache(file: string): ShapeFile | undefined {
    try {
        return JSON.parse(readFileSync(file, "utf8")) as ShapeFile;
    } catch {
        return undefined;
    }
}

function writeCache(file: string, shapes: ShapeFile): ShapeFile {
    try {
        mkdirSync(path.dirname(file), { recursive: true });
        // Write then rename: a render running at the same time never reads half a file.
        const partial = `${file}.${process.pid}.tmp`;
        writeFileSync(partial, JSON.stringify(shapes));
        renameSync(partial, file);
    } catch {
        // a read-only install still validates, it only derives the shapes every time
    }
    return shapes;
}

/** One TypeScript program over the model declarations needed, walked into shapes. */
class ShapeBuilder {
    readonly file: ShapeFile = { roots: {}, shapes: [] };
    private readonly checker: TS.TypeChecker;
    private readonly typeIds = new Map<TS.Type, number>();
    private readonly byTypes = new Map<string, number>();

    constructor(unique: ModelType[], projectDir: string) {
        const fileName = path.join(projectDir, "__render_strict_models__.ts");
        const libName = path.join(projectDir, "__render_strict_lib__.d.ts");
        const files: Record<string, string> = { [libName]: minimalLib };
        files[fileName] = unique.map((m, i) => `import type { ${m.interfaceName} as T${i} } from "${m.module}";\nexport declare const v${i}: T${i};\n`).join("") + "export {};\n";
        const options: TS.CompilerOptions = {
            target: ts().ScriptTarget.ES2022,
            module: ts().ModuleKind.ESNext,
            moduleResolution: ts().ModuleResolutionKind.Bundler,
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
            // The declarations need only Array and the primitive wrappers: a few lines instead of
            // the standard library, which would double the start-up time.
            noLib: true,
        };
        const host = ts().createCompilerHost(options);
        const readFile = host.readFile.bind(host);
        const fileExists = host.fileExists.bind(host);
        host.readFile = (f) => files[f] ?? readFile(f);
        host.fileExists = (f) => f in files || fileExists(f);
        const getSourceFile = host.getSourceFile.bind(host);
        host.getSourceFile = (f, lang, onError, create) => (f in files ? ts().createSourceFile(f, files[f], lang) : getSourceFile(f, lang, onError, create));
        const program = ts().createProgram([libName, fileName], options, host);
        this.checker = program.getTypeChecker();
        const file = program.getSourceFile(fileName)!;
        const moduleSymbol = this.checker.getSymbolAtLocation(file)!;
        const exports = this.checker.getExportsOfModule(moduleSymbol);
        unique.forEach((m, i) => {
            const symbol = exports.find((s) => s.name === `v${i}`);
            const type = symbol && this.checker.getTypeOfSymbol(symbol);
            if (!type || type.flags & ts().TypeFlags.Any) {
                throw new Error(`cannot load the declared type ${m.interfaceName} from ${m.module}`);
            }
            this.file.roots[keyOf(m)] = this.shape([type]);
        });
    }

    /** The shape a value must fit when it may be any of `types`. */
    private shape(types: TS.Type[]): number {
        const flat = this.flatten(types);
        const key = [...new Set(flat.map((t) => this.typeId(t)))].sort((a, b) => a - b).join(",");
        const known = this.byTypes.get(key);
        if (known !== undefined) {
            return known;
        }
        const index = this.file.shapes.length;
        const shape: Shape = {};
        this.file.shapes.push(shape);
        this.byTypes.set(key, index);
        if (flat.length === 0 || flat.some((t) => t.flags & (ts().TypeFlags.Any | ts().TypeFlags.Unknown))) {
            shape.free = true;
            return index;
        }
        const elements = flat.flatMap((t) => (this.checker.isArrayType(t) || this.checker.isTupleType(t) ? this.checker.getTypeArguments(t as TS.TypeReference) : []));
        shape.elements = this.shape([...elements]);
        const objects = flat.filter((t) => t.flags & (ts().TypeFlags.Object | ts().TypeFlags.Intersection) && !this.checker.isArrayType(t) && !this.checker.isTupleType(t));
        if (objects.length === 0) {
            return index;
        }
        const indexTypes = objects.flatMap((t) => this.checker.getIndexInfosOfType(t).map((info) => info.type));
        if (indexTypes.length === 0 && objects.every((t) => this.checker.getPropertiesOfType(t).length === 0)) {
            shape.open = true;
            shape.props = {};
            return index;
        }
        const names = [...new Set(objects.flatMap((t) => this.checker.getPropertiesOfType(t).map((p) => p.name)))];
        const props: Record<string, number> = {};
        for (const name of names) {
            const propertyTypes = objects.flatMap((t) => {
                const property = t.getProperty(name);
                return property ? [this.checker.getTypeOfSymbol(property)] : [];
            });
            props[name] = this.shape(propertyTypes);
        }
        shape.props = props;
        if (indexTypes.length > 0) {
            shape.index = this.shape(indexTypes);
        }
        return index;
    }

    private typeId(type: TS.Type): number {
        let id = this.typeIds.get(type);
        if (id === undefined) {
            id = this.typeIds.size;
            this.typeIds.set(type, id);
        }
        return id;
    }

    /** Unions and intersections to their members, aliases resolved, `undefined`/`null` dropped. */
    private flatten(types: TS.Type[]): TS.Type[] {
        const out: TS.Type[] = [];
        const visit = (t: TS.Type) => {
            if (t.isUnion()) {
                t.types.forEach(visit);
            } else if (t.flags & (ts().TypeFlags.Undefined | ts().TypeFlags.Null | ts().TypeFlags.Never)) {
                return;
            } else {
                out.push(t);
            }
        };
        types.forEach(visit);
        return out;
    }
}

const minimalLib = `
interface Array<T> { length: number; [n: number]: T; }
interface ReadonlyArray<T> { readonly length: number; readonly [n: number]: T; }
interface Boolean {}
interface Function {}
interface CallableFunction extends Function {}
interface NewableFunction extends Function {}
interface IArguments {}
interface Number {}
interface Object {}
interface RegExp {}
interface String {}
type Exclude<T, U> = T extends U ? never : T;
type Extract<T, U> = T extends U ? T : never;
type Omit<T, K extends keyof any> = { [P in Exclude<keyof T, K>]: T[P] };
type Pick<T, K extends keyof T> = { [P in K]: T[P] };
type Partial<T> = { [P in keyof T]?: T[P] };
type Required<T> = { [P in keyof T]-?: T[P] };
type Record<K extends keyof any, T> = { [P in K]: T };
`;

function escapePointer(key: string): string {
    return key.replace(/~/g, "~0").replace(/\//g, "~1");
}
