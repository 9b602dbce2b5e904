#!/usr/bin/env node
// The `portico` command: the compiled CLI when a fresh build exists, else the sources (bin/entry.js says which).
import { importEntry } from './entry.js';

await importEntry('main');
