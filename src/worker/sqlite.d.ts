// Minimal types for the parts of the @sqlite.org/sqlite-wasm API we use; the
// sqlite-vec-wasm-demo build exposes the same API but ships no declarations.
declare module 'sqlite-vec-wasm-demo' {
  export interface BindableArray extends ReadonlyArray<string | number | bigint | null | Uint8Array> {}
  export interface ExecOptions {
    bind?: BindableArray | Record<string, unknown>;
    rowMode?: 'array' | 'object';
    returnValue?: 'resultRows' | 'this';
    resultRows?: unknown[];
  }
  export interface PreparedStatement {
    bind(values: BindableArray): PreparedStatement;
    step(): boolean;
    get(index: number): unknown;
    get(arr: unknown[]): unknown[];
    reset(clearBindings?: boolean): PreparedStatement;
    finalize(): void;
    columnCount: number;
  }
  export interface Database {
    exec(sql: string, opts?: ExecOptions): Database;
    exec(opts: ExecOptions & { sql: string }): Database;
    selectValue(sql: string, bind?: BindableArray): unknown;
    selectArrays(sql: string, bind?: BindableArray): unknown[][];
    selectObjects(sql: string, bind?: BindableArray): Record<string, unknown>[];
    prepare(sql: string): PreparedStatement;
    transaction<T>(fn: (db: Database) => T): T;
    transaction<T>(qualifier: string, fn: (db: Database) => T): T;
    changes(): number;
    close(): void;
    filename: string;
  }
  export interface SAHPoolUtil {
    OpfsSAHPoolDb: new (filename: string) => Database;
    getCapacity(): number;
    addCapacity(n: number): Promise<number>;
    getFileNames(): string[];
    wipeFiles(): Promise<void>;
    vfsName: string;
  }
  export interface Sqlite3Static {
    version: { libVersion: string; sourceId: string };
    installOpfsSAHPoolVfs(opts?: { name?: string; directory?: string; initialCapacity?: number; clearOnInit?: boolean }): Promise<SAHPoolUtil>;
    oo1: { DB: new (filename?: string, flags?: string) => Database };
    capi: Record<string, unknown>;
  }
  export default function sqlite3InitModule(opts?: { print?: (...a: unknown[]) => void; printErr?: (...a: unknown[]) => void }): Promise<Sqlite3Static>;
}
