// `import { defineAction, response, errors } from '@portico/server'`: the same copy of the library the
// server runs (compiled or sources, bin/entry.js decides), so errors thrown by custom actions are Portico's.
import { importEntry } from './bin/entry.js';

const library = await importEntry('index');

export const { defineAction, response, errors, PorticoError } = library;
