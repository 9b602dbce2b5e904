import type { ConnectionType } from '../plugins/connection.js';
import { PluginRegistry } from '../plugins/registry.js';

/** The connection types this Portico knows (SQL, HTTP, brokers, …). */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds connection types of every config shape
export class ConnectionRegistry extends PluginRegistry<ConnectionType<any, any>> {
  constructor() {
    super('Connection');
  }
}
