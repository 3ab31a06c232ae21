// A node:test suite against the standalone fake catalog platform. One fake
// serves the file; each test starts from a reset fake. Run from this folder:
// npm test (or node --test fake.test.js).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { call, startFake, stopFake } from './fake.js';

/** @typedef {import('./fake.js').Schemas} Schemas */

/** @type {import('./fake.js').Fake} */
let fake;
// On a fake clock that only the admin API moves, a queued job is held in
// processing for an hour of that clock.
before(async () => { fake = await startFake('--fake-clock', '--job-delay', '1h', '--rate-limit', 'off'); });
after(async () => { await stopFake(fake); });
beforeEach(async () => { await call(fake, 'post', '/_fake/reset', 200); });

/**
 * Imports products through the platform's direct import endpoint.
 * @param {Schemas['Product'][]} products
 */
function importProducts(...products) {
  return call(fake, 'post', '/api/b2b/pim/import/api', 200,
    { body: { source_id: fake.source_id, merge_mode: 'replace', products } });
}

test('an import is stored and recorded, its secret redacted', async () => {
  const { body: answer } = await importProducts(
    { entity_code: 'JS-1', name: 'Brass valve', pricing: { list: 12.5 } },
    { entity_code: 'JS-2', name: 'Pump' });
  assert.equal(answer.success, true);
  assert.equal(answer.summary.successful, 2);
  const { body: stored } = await call(fake, 'get', '/_fake/products/{entityCode}', 200, { path: { entityCode: 'JS-1' } });
  assert.equal(stored.product.version, 1);
  assert.deepEqual(stored.product.data.pricing, { list: 12.5 });
  const { body: recorded } = await call(fake, 'get', '/_fake/requests', 200);
  assert.equal(recorded.requests.length, 1);
  assert.equal(recorded.requests[0].path, '/api/b2b/pim/import/api');
  assert.deepEqual(recorded.requests[0].header['X-Api-Secret'], ['[redacted]']);
});

test('a queued job runs to its end when the fake clock moves', async () => {
  const { body: start } = await call(fake, 'get', '/_fake/clock', 200);
  assert.equal(start.fake, true);
  const { body: queued } = await call(fake, 'post', '/api/b2b/pim/import/queue', 202,
    { body: { source_id: fake.source_id, products: [{ entity_code: 'JS-Q1', name: 'Queued valve' }] } });
  const job = { path: { jobId: queued.job_id }, query: { timeout_ms: 0 } };
  await call(fake, 'get', '/_fake/jobs/{jobId}/wait', 408, job); // the clock has not moved: not ended
  await call(fake, 'get', '/_fake/products/{entityCode}', 404, { path: { entityCode: 'JS-Q1' } });
  // timeout_ms bounds the real time it may take, ample on a loaded machine
  // (and under fetch's 300 s wait for an answer).
  const { body: idle } = await call(fake, 'post', '/_fake/clock/advance-until-idle', 200, { query: { timeout_ms: 240_000 } });
  assert.ok(Date.parse(idle.now) - Date.parse(start.now) >= 3600_000, `the job delay: ${start.now} to ${idle.now}`);
  const { body: ended } = await call(fake, 'get', '/_fake/jobs/{jobId}/wait', 200, job);
  assert.equal(ended.job.status, 'completed');
  const { body: stored } = await call(fake, 'get', '/_fake/products/{entityCode}', 200, { path: { entityCode: 'JS-Q1' } });
  assert.deepEqual(stored.product.data.name, { en: 'Queued valve' });
});

test('a fault answers 503 with Retry-After once, applying nothing', async () => {
  /** @type {Schemas['FakeFault']} */
  const fault = { kind: 'status', op: 'OpImportAPI', nth: 1, status: 503, retry_after_ms: 2000 };
  await call(fake, 'post', '/_fake/faults', 201, { body: fault });
  const body = { source_id: fake.source_id, merge_mode: /** @type {const} */ ('replace'), products: [{ entity_code: 'JS-1' }] };
  const { body: refused, headers } = await call(fake, 'post', '/api/b2b/pim/import/api', 503, { body });
  assert.equal(refused.code, 'SERVICE_UNAVAILABLE');
  assert.equal(headers.get('retry-after'), '2');
  assert.equal((await call(fake, 'get', '/_fake/state', 200)).body.products, 0);
  await importProducts({ entity_code: 'JS-1' }); // the retry: only the first request was faulted
  assert.equal((await call(fake, 'get', '/_fake/faults', 200)).body.fired, 1);
  assert.equal((await call(fake, 'get', '/_fake/state', 200)).body.products, 1);
});

test('a stub answers for the platform, once', async () => {
  /** @type {Schemas['Job']} */
  const job = { job_id: 'queue_import_stubbed', status: 'completed', total_rows: 3, processed_rows: 3 };
  await call(fake, 'post', '/_fake/stubs', 201, { body: { op: 'OpGetJob', times: 1, body: { job } } });
  const path = { jobId: 'queue_import_stubbed' };
  assert.deepEqual((await call(fake, 'get', '/api/b2b/pim/jobs/{jobId}', 200, { path })).body, { job });
  await call(fake, 'get', '/api/b2b/pim/jobs/{jobId}', 404, { path }); // used up: no such job
  const { body: recorded } = await call(fake, 'get', '/_fake/requests', 200);
  assert.deepEqual(recorded.requests.map((r) => r.stubbed), [true, false]);
});

test('a reset forgets products, requests, faults and stubs', async () => {
  await importProducts({ entity_code: 'JS-1' });
  await call(fake, 'post', '/_fake/faults', 201, { body: { kind: 'status', op: 'OpImportAPI', status: 500 } });
  await call(fake, 'post', '/_fake/stubs', 201, { body: { op: 'OpGetJob', status: 404 } });
  const { body: before } = await call(fake, 'get', '/_fake/state', 200);
  assert.deepEqual([before.products, before.faults, before.stubs], [1, 1, 1]);
  await call(fake, 'post', '/_fake/reset', 200);
  const { body: state } = await call(fake, 'get', '/_fake/state', 200);
  for (const count of /** @type {const} */ (['products', 'versions', 'jobs', 'requests', 'faults', 'stubs'])) {
    assert.equal(state[count], 0, count);
  }
  await call(fake, 'get', '/_fake/products/{entityCode}', 404, { path: { entityCode: 'JS-1' } });
  await importProducts({ entity_code: 'JS-1' }); // the fault went with the reset
});
