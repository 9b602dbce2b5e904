#!/usr/bin/env node
// Measures server/src's structure from its imports: file circles, and rooms (top-level folders) that
// import each other in a loop — where some import must run from a lower floor up to a higher one.
// Usage: node scripts/structure.mjs [--list]
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../server/src');
const list = process.argv.includes('--list');
const files = [];
(function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(full);
  }
})(root);

const importPattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g;
const edges = new Map();
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  const targets = new Set();
  for (const m of text.matchAll(importPattern)) {
    const target = path.resolve(path.dirname(file), m[1].replace(/\.js$/, '.ts'));
    if (fs.existsSync(target)) targets.add(target);
  }
  edges.set(file, targets);
}

/** Tarjan's strongly connected components. */
function components(nodes, next) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const out = [];
  const visit = (v) => {
    info.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of next(v)) {
      if (!info.has(w)) {
        visit(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).onStack) info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
    }
    if (info.get(v).low === info.get(v).index) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).onStack = false;
        group.push(w);
      } while (w !== v);
      if (group.length > 1) out.push(group);
    }
  };
  for (const v of nodes) if (!info.has(v)) visit(v);
  return out;
}

const rel = (f) => path.relative(root, f);
const roomOf = (f) => rel(f).split(path.sep)[0];
const fileCircles = components(files, (f) => edges.get(f) ?? []);
const roomEdges = new Map();
const why = new Map();
for (const [from, targets] of edges) {
  for (const to of targets) {
    const [a, b] = [roomOf(from), roomOf(to)];
    if (a === b) continue;
    if (!roomEdges.has(a)) roomEdges.set(a, new Set());
    roomEdges.get(a).add(b);
    const key = `${a} -> ${b}`;
    if (!why.has(key)) why.set(key, []);
    why.get(key).push(`${rel(from)} -> ${rel(to)}`);
  }
}
const rooms = [...new Set(files.map(roomOf))];
const weight = (a, b) => why.get(`${a} -> ${b}`)?.length ?? 0;

/**
 * Floors: rooms in an order where as few imports as possible run from a later (lower) room to an
 * earlier (higher) one — the greedy ordering of Eades, Lin and Smyth for a small feedback arc set.
 * Those imports are the ones that run up a floor.
 */
function floorsTopDown() {
  const left = new Set(rooms);
  const inWeight = (r) => [...left].reduce((n, o) => n + (o !== r ? weight(o, r) : 0), 0);
  const outWeight = (r) => [...left].reduce((n, o) => n + (o !== r ? weight(r, o) : 0), 0);
  const head = [];
  const tail = [];
  while (left.size > 0) {
    let changed = true;
    while (changed) {
      changed = false;
      for (const r of [...left]) {
        if (outWeight(r) === 0) {
          tail.unshift(r);
          left.delete(r);
          changed = true;
        } else if (inWeight(r) === 0) {
          head.push(r);
          left.delete(r);
          changed = true;
        }
      }
    }
    if (left.size === 0) break;
    const best = [...left].sort(
      (a, b) => outWeight(b) - inWeight(b) - (outWeight(a) - inWeight(a)) || a.localeCompare(b),
    )[0];
    head.push(best);
    left.delete(best);
  }
  return [...head, ...tail];
}
const order = floorsTopDown();
const position = new Map(order.map((r, i) => [r, i]));
const upward = [];
for (const [key, list] of why) {
  const [a, b] = key.split(' -> ');
  if (position.get(a) > position.get(b)) upward.push({ edge: key, files: list });
}
const upwardCount = upward.reduce((n, u) => n + u.files.length, 0);
console.log(`files: ${files.length}, rooms: ${rooms.length}`);
console.log(`file circles: ${fileCircles.length}`);
for (const c of fileCircles) console.log(`  circle: ${c.map(rel).join(', ')}`);
console.log(`rooms from the top floor down: ${order.join(' > ')}`);
console.log(`imports that run up a floor: ${upwardCount}`);
if (list)
  for (const u of upward.sort((x, y) => x.edge.localeCompare(y.edge)))
    console.log(`  ${u.edge}\n    ${u.files.join('\n    ')}`);
