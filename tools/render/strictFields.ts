// Strict pass: finds fields the published schema does not know. kubernetes-models' compiled
// validators check types, enums and required fields but let unknown fields through (the
// Kubernetes OpenAPI and Istio CRD schemas leave additionalProperties open), while the API
// server with field validation Strict, and `istioctl validate`, reject them. The packages'
// .d.ts interfaces are generated from those same schemas, one property per schema property
// and an index signature for additionalProperties, so this walks each object against its
// declared type with the TypeScript checker and reports every key the type has no room for.
import * as path from "node:path";
import ts from "typescript";

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

/** One TypeScript program over the model declarations needed; built once per process. */
export class StrictFieldChecker {
    private readonly checker: ts.TypeChecker;
    private readonly types = new Map<string, ts.Type>();

    constructor(models: ModelType[], projectDir: string) {
        const unique = [...new Map(models.map((m) => [`${m.module}#${m.interfaceName}`, m])).values()];
        const fileName = path.join(projectDir, "__render_strict_models__.ts");
        const libName = path.join(projectDir, "__render_strict_lib__.d.ts");
        const files: Record<string, string> = { [libName]: minimalLib };
        files[fileName] = unique.map((m, i) => `import type { ${m.interfaceName} as T${i} } from "${m.module}";\nexport declare const v${i}: T${i};\n`).join("") + "export {};\n";
        const options: ts.CompilerOptions = {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.ESNext,
            moduleResolution: ts.ModuleResolutionKind.Bundler,
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: [],
            // The declarations need only Array and the primitive wrappers: a few lines instead of
            // the standard library, which would double the start-up time.
            noLib: true,
        };
        const host = ts.createCompilerHost(options);
        const readFile = host.readFile.bind(host);
        const fileExists = host.fileExists.bind(host);
        host.readFile = (f) => files[f] ?? readFile(f);
        host.fileExists = (f) => f in files || fileExists(f);
        const getSourceFile = host.getSourceFile.bind(host);
        host.getSourceFile = (f, lang, onError, create) => (f in files ? ts.createSourceFile(f, files[f], lang) : getSourceFile(f, lang, onError, create));
        const program = ts.createProgram([libName, fileName], options, host);
        this.checker = program.getTypeChecker();
        const file = program.getSourceFile(fileName)!;
        const moduleSymbol = this.checker.getSymbolAtLocation(file)!;
        const exports = this.checker.getExportsOfModule(moduleSymbol);
        unique.forEach((m, i) => {
            const symbol = exports.find((s) => s.name === `v${i}`);
            const type = symbol && this.checker.getTypeOfSymbol(symbol);
            if (!type || type.flags & ts.TypeFlags.Any) {
                throw new Error(`cannot load the declared type ${m.interfaceName} from ${m.module}`);
            }
            this.types.set(`${m.module}#${m.interfaceName}`, type);
        });
    }

    /** Every key of `value` (at any depth) that the declared type does not allow. */
    unknownFields(model: ModelType, value: unknown): UnknownField[] {
        const type = this.types.get(`${model.module}#${model.interfaceName}`);
        if (!type) {
            throw new Error(`${model.interfaceName} was not loaded`);
        }
        const found: UnknownField[] = [];
        this.walk(value, [type], "", found);
        return found;
    }

    private walk(value: unknown, types: ts.Type[], at: string, found: UnknownField[]): void {
        const flat = this.flatten(types);
        if (flat.length === 0 || flat.some((t) => t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) {
            return; // free-form (x-kubernetes-preserve-unknown-fields) or no type to check against
        }
        if (Array.isArray(value)) {
            const elements = flat.flatMap((t) => (this.checker.isArrayType(t) || this.checker.isTupleType(t) ? this.checker.getTypeArguments(t as ts.TypeReference) : []));
            value.forEach((item, i) => this.walk(item, [...elements], `${at}/${i}`, found));
            return;
        }
        if (typeof value !== "object" || value === null) {
            return; // scalars: types are the compiled validator's job
        }
        const objects = flat.filter((t) => t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection) && !this.checker.isArrayType(t) && !this.checker.isTupleType(t));
        if (objects.length === 0) {
            return;
        }
        const indexTypes = objects.flatMap((t) => this.checker.getIndexInfosOfType(t).map((info) => info.type));
        if (indexTypes.length === 0 && objects.every((t) => this.checker.getPropertiesOfType(t).length === 0)) {
            return; // `{}`: a schema that lists no fields (preserve-unknown-fields), so any goes
        }
        for (const [key, child] of Object.entries(value)) {
            const propertyTypes = objects.flatMap((t) => {
                const property = t.getProperty(key);
                return property ? [this.checker.getTypeOfSymbol(property)] : [];
            });
            if (propertyTypes.length === 0 && indexTypes.length === 0) {
                found.push({ path: `${at}/${escapePointer(key)}` });
                continue;
            }
            this.walk(child, propertyTypes.length ? propertyTypes : indexTypes, `${at}/${escapePointer(key)}`, found);
        }
    }

    /** Unions and intersections to their members, aliases resolved, `undefined`/`null` dropped. */
    private flatten(types: ts.Type[]): ts.Type[] {
        const out: ts.Type[] = [];
        const visit = (t: ts.Type) => {
            if (t.isUnion()) {
                t.types.forEach(visit);
            } else if (t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Never)) {
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
