import type { Gate } from '@promotion-pipeline/backstage-plugin-promotion-node';

/** The gates pipelines may require, by name. */
export class GateRegistry {
  private readonly gates = new Map<string, Gate>();

  /** Adds a gate; a second gate with the same name is a wiring error. */
  add(gate: Gate): void {
    if (this.gates.has(gate.name)) {
      throw new Error(
        `A promotion gate named '${gate.name}' is already registered`,
      );
    }
    this.gates.set(gate.name, gate);
  }

  get(name: string): Gate | undefined {
    return this.gates.get(name);
  }

  names(): string[] {
    return [...this.gates.keys()];
  }
}
