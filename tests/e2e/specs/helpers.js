// Starts the real server against a fresh database and opens headless Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const artifacts = join(root, 'tests', 'artifacts');
export const dist = join(root, 'dist');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function startServer() {
  const cluster = process.env.RAPPORT_TEST_DATABASE_URL;
  if (!cluster) throw new Error('RAPPORT_TEST_DATABASE_URL is not set');
  const db = `rapport_e2e_${process.pid}_${Date.now()}`;
  execFileSync('psql', [cluster, '-qc', `CREATE DATABASE ${db}`]);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'rapport-e2e-'));
  const server = spawn(join(root, 'target', 'debug', 'rapport_for_tests'), ['serve', '--demo'], {
    env: {
      ...process.env,
      DATABASE_URL: cluster.replace(/\/postgres$/, `/${db}`),
      RAPPORT_DATA_DIR: dataDir,
      RAPPORT_BIND: `127.0.0.1:${port}`,
      RAPPORT_STATIC_DIR: join(root, 'dist'),
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let i = 0; i < 600 && !ready; i++) {
    try {
      ready = (await fetch(`${base}/readyz`)).ok;
    } catch {}
    if (!ready) await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) throw new Error(`the server at ${base} did not become ready within 120 s`);
  return { base, dataDir, stop: () => server.kill('SIGTERM') };
}

/// Decodes one message written by the server without SMTP (an .eml file).
function messageText(raw) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  let body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    body = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
  } else if (/content-transfer-encoding:\s*base64/i.test(head)) {
    body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { head, body };
}

/// Waits for the newest mail to `to` among the server's mail files, and
/// returns the first link in it that matches `pattern`.
export async function linkInMail(server, to, pattern) {
  const dir = join(server.dataDir, 'mail');
  for (let i = 0; i < 100; i++) {
    let files = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    } catch {}
    const links = files
      .map((f) => messageText(readFileSync(join(dir, f), 'utf8')))
      .filter((m) => new RegExp(`^To: .*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(m.head))
      .map((m) => (m.body.match(/https?:\/\/\S+/g) || []).find((u) => pattern.test(u)))
      .filter(Boolean);
    if (links.length) return links[links.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} with a link like ${pattern} in ${dir}`);
}

/// Headless Chromium. Its contexts run without the app's service worker
/// (which keeps every file of the app for use offline) unless a test asks
/// for it with `serviceWorkers: 'allow'`: each test's pages come from the
/// server as it is built, and no context spends the machine on keeping
/// files it will not use.
export async function launch() {
  mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options = {}) => newContext({ serviceWorkers: 'block', ...options });
  return browser;
}

/// A page that records console errors and uncaught exceptions in `page.errors`.
export async function newPage(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  page.on('pageerror', (e) => page.errors.push(`${e} (at ${page.url()})`));
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

export function uniqueEmail(prefix) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';
export const DEMO_PASSWORD = 'rapport-demo-2026';

export async function signIn(page, base, email, password) {
  await page.goto(`${base}/signin`);
  await page.fill('#f-email', email);
  await page.fill('#f-password', password);
  await page.click('button[type=submit]');
}

/// Signs in through the API: `call(path, init)` sends a JSON request to
/// `/api/v1/<path>` as that user.
export async function apiAs(base, email, password) {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`${email} could not sign in: ${login.status}`);
  const { access_token: token } = await login.json();
  return (path, init = {}) => fetch(`${base}/api/v1/${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
}
