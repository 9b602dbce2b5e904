import type { SystemHandlerLookup } from '../gateway/compile.js';
import type { Exchange } from '../gateway/types.js';
import type { Platform } from './platform.js';
import type { SystemOperation } from './system-operation.js';

/**
 * The platform's own operations, found by name by the operation compiler. Their handlers run with the
 * platform, which is built after the gateway that compiles them: `bind` hands it over once, before the
 * first compile, and a handler used before that is a programming error, said as such.
 */
export class SystemOperationRegistry implements SystemHandlerLookup {
  private readonly definitions: ReadonlyMap<string, SystemOperation>;
  private platform: Platform | null = null;

  constructor(definitions: readonly SystemOperation[]) {
    this.definitions = new Map(definitions.map((op) => [op.name, op]));
  }

  bind(platform: Platform): void {
    this.platform = platform;
  }

  private bound(): Platform {
    if (!this.platform) throw new Error('a platform operation ran before the platform was built');
    return this.platform;
  }

  handler(name: string): ((exchange: Exchange) => unknown) | undefined {
    const definition = this.definitions.get(name);
    if (!definition) return undefined;
    return (exchange) => definition.handler({ ...exchange, platform: this.bound() });
  }

  incoming(name: string) {
    return this.definitions.get(name)?.incoming;
  }

  auditBody(name: string): ((body: unknown) => unknown) | undefined {
    const redact = this.definitions.get(name)?.auditBody;
    return redact ? (body) => redact(body, this.bound()) : undefined;
  }
}
