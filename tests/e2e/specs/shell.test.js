import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, artifacts } from './helpers.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('the app loads, lists the templates and logs no console errors', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.base + '/');
  await page.getByRole('heading', { name: 'Rapport' }).waitFor();
  await page.locator('ul.templates li').nth(4).waitFor();
  assert.equal(await page.locator('ul.templates li').count(), 5);
  await page.screenshot({ path: join(artifacts, 'home.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('a deep link reloads into the app', async () => {
  const page = await browser.newPage();
  const res = await page.goto(server.base + '/some/deep/link');
  assert.equal(res.status(), 200);
  await page.getByRole('heading', { name: 'Rapport' }).waitFor();
});

test('the API documentation opens', async () => {
  const page = await browser.newPage();
  await page.goto(server.base + '/api-docs/');
  await page.getByText('Rapport API').first().waitFor({ timeout: 15000 });
  await page.screenshot({ path: join(artifacts, 'api-docs.png') });
});
