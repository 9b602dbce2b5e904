/**
 * Summarises a `node --cpu-prof` profile of Portico per request: where the CPU went (self time), in
 * microseconds per request the load generator counted, by area and by function.
 *
 *   node --import tsx bench/gateway/profile.ts bench/results/profile-….cpuprofile 1234567
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Which part of the stack a function belongs to, from its script's URL. */
function areaOf(url: string, name: string): string {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)') return 'native / runtime';
  if (url === '') return 'native / runtime';
  if (/server\/src\/gateway\//.test(url)) return 'Portico gateway';
  if (/server\/src\/telemetry\//.test(url)) return 'Portico telemetry (request log, metrics)';
  if (/server\/src\/(auth|limits)\//.test(url)) return 'Portico auth and limits';
  if (/server\/src\/actions\//.test(url)) return 'Portico actions';
  if (/server\/src\//.test(url)) return 'Portico other';
  if (/node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify)/.test(url)) return 'Fastify';
  if (/node_modules\/jose/.test(url)) return 'jose (JWT)';
  if (/node_modules\/(pg|pg-[a-z-]+|postgres-[a-z-]+)\//.test(url)) return 'node-postgres';
  if (/node_modules\/(better-sqlite3|better-sqlite3-napi|kysely)\//.test(url)) return 'SQLite / Kysely';
  if (/node_modules\/(undici)\//.test(url)) return 'undici (HTTP client)';
  if (/node_modules\/pino/.test(url)) return 'pino';
  if (/node_modules\//.test(url)) return `other packages (${/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]})`;
  if (/^node:internal\/(http|_http|streams|net|stream_base|timers|dns)|node:_http|node:net|node:stream/.test(url))
    return 'Node HTTP / net / streams';
  if (url.startsWith('node:')) return 'Node other';
  return 'other';
}

/**
 * `windows` (monotonic-clock microseconds, as the profile's timestamps) limits the summary to the measured
 * runs, leaving start-up, set-up and warm-up out; `requests` is the number served in them.
 */
export function summariseProfile(file: string, requests: number, windows: [number, number][] = [], top = 25): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  const inWindow = (t: number) => windows.length === 0 || windows.some(([from, to]) => t >= from && t <= to);
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (!inWindow(at)) continue;
    const id = profile.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + delta);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    if (area === 'idle') continue;
    busy += micros;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|server)\//, '$1/')}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + micros);
  }
  const per = (micros: number) => (micros / Math.max(requests, 1)).toFixed(2).padStart(7);
  const lines = [
    `  CPU profile ${file}: ${(busy / 1e6).toFixed(1)} s busy for ${requests} requests = ${per(busy).trim()} µs CPU per request`,
    '  by area (µs per request, self time):',
    ...[...areas]
      .filter(([a]) => a !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([a, m]) => `    ${per(m)}  ${((m / busy) * 100).toFixed(1).padStart(5)} %  ${a}`),
    `  top ${top} functions (µs per request, self time):`,
    ...[...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([f, m]) => `    ${per(m)}  ${((m / busy) * 100).toFixed(1).padStart(5)} %  ${f}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, requests] = process.argv.slice(2);
  if (!file || !requests) {
    console.error('usage: profile.ts FILE.cpuprofile REQUESTS');
    process.exit(2);
  }
  console.log(summariseProfile(file, Number(requests), [], 40));
}
