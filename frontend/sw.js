// Rapport's service worker: the app opens without a connection, and what
// the user last saw of their sessions (today's, this week's, the home page)
// is there to read and log. The app's own files are kept when it is
// installed; a module's page the first time it is opened. Logs made offline are kept by the app itself
// (IndexedDB) and sent when the connection is back; this worker only keeps
// files and reads.
//
// The build writes BUILD and FILES below (frontend/tools/split.sh): a new
// build is a new worker, which keeps the new files and drops the old.
const BUILD = 'dev';
const FILES = [];

const SHELL = `rapport-shell-${BUILD}`;
// API reads kept for use offline; forgotten when the user signs out.
const DATA = 'rapport-data';
const KEPT = [
  /^\/api\/v1\/me$/,
  /^\/api\/v1\/dashboards\/tutoring$/,
  /^\/api\/v1\/sessions$/,
  /^\/api\/v1\/sessions\/[0-9a-f-]{36}(\/attendance)?$/,
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    // The page itself, under '/', for every address of the app.
    const page = await fetch('/', { cache: 'no-cache' });
    if (!page.ok) throw new Error(`the app's page answered ${page.status}`);
    await cache.put('/', page);
    // The app's own files; each module's page is kept the first time it
    // is opened (see `file` below), so the first visit downloads no more.
    const queue = FILES.filter((f) => f !== 'index.html' && !/^(split|chunk)_/.test(f)).map((f) => `/${f}`);
    const worker = async () => {
      for (let url = queue.shift(); url; url = queue.shift()) {
        const have = await cache.match(url, { ignoreVary: true });
        if (!have) await cache.add(url);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith('rapport-shell-') && n !== SHELL).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

// A read of the API: the server's answer, kept; without a connection, the
// last answer kept (or a network error, as the app expects offline).
async function networkFirst(request) {
  const key = new URL(request.url).href;
  try {
    const answer = await fetch(request);
    // Only a signed-in person's answers are kept.
    if (answer.ok && request.headers.has('authorization')) {
      const cache = await caches.open(DATA);
      await cache.put(key, answer.clone());
    }
    return answer;
  } catch (e) {
    const kept = await (await caches.open(DATA)).match(key, { ignoreVary: true });
    if (kept) return kept;
    throw e;
  }
}

// A page of the app: the server's, else the one kept.
async function page(request) {
  try {
    return await fetch(request);
  } catch (e) {
    const kept = await (await caches.open(SHELL)).match('/', { ignoreVary: true });
    if (kept) return kept;
    throw e;
  }
}

// A file of the build: named by its hash, so the one kept is the one.
async function file(request) {
  const cache = await caches.open(SHELL);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  const answer = await fetch(request);
  if (answer.ok) await cache.put(request, answer.clone());
  return answer;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) {
    if (KEPT.some((r) => r.test(url.pathname))) event.respondWith(networkFirst(request));
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(page(request));
    return;
  }
  if (FILES.includes(url.pathname.slice(1))) event.respondWith(file(request));
});
