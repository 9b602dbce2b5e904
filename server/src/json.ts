/** Deeper JSON than this is refused: validating, logging or echoing it would exhaust the stack. */
export const maxJsonDepth = 64;

/** Whether JSON text nests objects and arrays deeper than `max` (strings are skipped). */
export function nestsDeeperThan(text: string, max: number = maxJsonDepth): boolean {
  // each level takes at least two characters: a short text cannot be too deep
  if (text.length <= max * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export class JsonTooDeep extends SyntaxError {
  constructor() {
    super(`JSON is nested too deeply: at most ${maxJsonDepth} levels`);
    this.name = 'JsonTooDeep';
  }
}

/** JSON.parse for text from outside (configs, upstreams): too deep is a SyntaxError like bad JSON. */
export function parseJsonText(text: string): unknown {
  if (nestsDeeperThan(text)) throw new JsonTooDeep();
  return JSON.parse(text);
}
