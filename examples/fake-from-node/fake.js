// Start, stop and call the standalone fake catalog platform (catalogctl
// fake-server) from Node, with no dependencies. The request and answer types
// come from the contract: openapi.d.ts is generated from api/openapi.yaml
// (npm run types), and tsc checks this file and the suite against it
// (npm run check).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** @typedef {import('./openapi.js').paths} Paths */
/** @typedef {import('./openapi.js').components['schemas']} Schemas */

/**
 * The running fake: its process and its ready line (URL and TEST credentials).
 * @typedef {{proc: import('node:child_process').ChildProcess, url: string,
 *   api_key_id: string, api_secret: string, source_id: string}} Fake
 */

const repo = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts the fake on a free port, once it listens.
 * @param {...string} flags more fake-server flags
 * @returns {Promise<Fake>}
 */
export async function startFake(...flags) {
  const [cmd, ...args] = (process.env.CATALOGCTL ?? 'go run ./cmd/catalogctl').split(' ');
  const proc = spawn(cmd, [...args, 'fake-server', '--addr', '127.0.0.1:0', '--json', ...flags],
    { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  for await (const line of createInterface({ input: proc.stdout })) return { proc, ...JSON.parse(line) };
  throw new Error(`the fake server exited before it was ready (exit ${proc.exitCode})`);
}

/**
 * Stops the fake and, under go run, the program it built: they share a process group.
 * @param {Fake} fake
 */
export async function stopFake(fake) {
  process.kill(-(fake.proc.pid ?? 0), 'SIGTERM');
  if (fake.proc.exitCode === null && fake.proc.signalCode === null) await once(fake.proc, 'exit');
}

// The types below read an operation's parameters, request body and answers
// out of the generated paths, so that `call` takes only what the contract has.

/**
 * The methods the contract has for path P.
 * @template {keyof Paths} P
 * @typedef {{[M in keyof Paths[P]]-?: Paths[P][M] extends {responses: object} ? M : never}[keyof Paths[P]]} Method
 */
/**
 * @template {keyof Paths} P
 * @template {Method<P>} M
 * @typedef {Extract<Paths[P][M], {parameters: object, requestBody?: unknown, responses: object}>} Operation
 */
/**
 * The statuses the contract declares for an operation.
 * @template {keyof Paths} P
 * @template {Method<P>} M
 * @typedef {Extract<keyof Operation<P, M>['responses'], number>} Status
 */
/**
 * The JSON body of an operation's answer with status S (null when it has none).
 * @template {keyof Paths} P
 * @template {Method<P>} M
 * @template {Status<P, M>} S
 * @typedef {Operation<P, M>['responses'][S] extends {content: {'application/json': infer B}} ? B : null} Body
 */
/**
 * The JSON body of a request body's type T; never when T is never (no body).
 * @template T
 * @typedef {[T] extends [never] ? never : T extends {content: {'application/json': infer B}} ? B : never} JSONOf
 */
/**
 * What an operation takes: path parameters, query parameters, JSON body.
 * @template {keyof Paths} P
 * @template {Method<P>} M
 * @typedef {{
 *   path?: Operation<P, M>['parameters'] extends {path: infer X} ? X : never,
 *   query?: Operation<P, M>['parameters'] extends {query?: infer Q} ? Q : never,
 *   body?: JSONOf<NonNullable<Operation<P, M>['requestBody']>>,
 * }} Input
 */

/**
 * Calls one operation of the contract with the fake's test API key, and
 * returns the answer's JSON, typed for `want`; fails, with the answer's
 * body, when its status is not `want`.
 * @template {keyof Paths} P
 * @template {Method<P>} M
 * @template {Status<P, M>} S
 * @param {Fake} fake
 * @param {M} method lower case, as the generated types have it
 * @param {P} route the contract's path, with {parameters}
 * @param {S} want
 * @param {Input<P, M>} [input]
 * @returns {Promise<{body: Body<P, M, S>, headers: Headers}>}
 */
export async function call(fake, method, route, want, input = {}) {
  const params = /** @type {Record<string, string>} */ (input.path ?? {});
  const url = new URL(String(route).replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name])), fake.url);
  for (const [name, value] of Object.entries(input.query ?? {})) {
    for (const one of [value].flat()) url.searchParams.append(name, String(one));
  }
  const res = await fetch(url, {
    method: String(method).toUpperCase(),
    headers: { 'content-type': 'application/json', 'x-auth-method': 'api-key',
      'x-api-key-id': fake.api_key_id, 'x-api-secret': fake.api_secret },
    body: input.body === undefined ? undefined : JSON.stringify(input.body),
  });
  const text = await res.text();
  assert.equal(res.status, want, `${String(method).toUpperCase()} ${url.pathname}: ${text}`);
  return { body: text ? JSON.parse(text) : null, headers: res.headers };
}
