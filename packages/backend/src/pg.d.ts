// The pg driver ships no types of its own; the replica test uses only this much of it.
declare module 'pg' {
  export class Client {
    constructor(config: { connectionString?: string });
    connect(): Promise<void>;
    query(sql: string, values?: unknown[]): Promise<{ rows: any[] }>;
    end(): Promise<void>;
  }
}
