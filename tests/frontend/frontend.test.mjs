// Unit tests of the example frontend that need no browser:
// the sign-in URL and setting display rules of src/app.js, and the build script.
// Run: node --test tests/frontend/
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const frontend = resolve(here, '..', '..', 'frontend');
const app = createRequire(import.meta.url)(join(frontend, 'src', 'app.js'));
const { build } = await import(join(frontend, 'scripts', 'build.mjs'));

// What an env.js file sets window.env to, run the way a browser would run it.
function loadEnv(name) {
  const sandbox = { window: {} };
  vm.runInNewContext(readFileSync(join(here, name), 'utf8'), sandbox);
  return sandbox.window.env;
}

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'frontend-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function readTree(dir) {
  return Object.fromEntries(readdirSync(dir, { recursive: true }).sort()
    .map((path) => [path, readFileSync(join(dir, path)).toString('hex')]));
}

test('the sample env.js gives an authorization-code link with encoded client id and redirect URI', () => {
  const link = app.signInLink(loadEnv('env.sample.js'));
  assert.equal(link.href,
    'https://idp.example.test/realms/workbench/authorize' +
    '?client_id=bench%20web%2Bclient' +
    '&redirect_uri=https%3A%2F%2Fa1b2c3d4e5.execute-api.eu-central-1.amazonaws.com%2FProd%2F' +
    '&response_type=code&scope=openid');
});

test('a trailing slash on OIDC_URL does not double the slash', () => {
  const link = app.signInLink({
    OIDC_URL: 'https://idp.example.test/', OIDC_CLIENT_NAME: 'c', OIDC_REDIRECT_URI: 'https://app.example.test/',
  });
  assert.ok(link.href.startsWith('https://idp.example.test/authorize?client_id=c&'), link.href);
});

test('the redirect URI falls back to the API endpoint, as the deployment does', () => {
  const link = app.signInLink({
    OIDC_URL: 'https://idp.example.test', OIDC_CLIENT_NAME: 'c', LAMBDA_ENDPOINT: 'https://api.example.test/Prod/',
  });
  assert.equal(link.redirectUri, 'https://api.example.test/Prod/');
});

test('sign-in is refused, with the reason, when a setting is missing or unsafe', () => {
  assert.equal(app.signInLink(loadEnv('env.empty-oidc.js')).problem, 'OIDC_URL is not configured');
  assert.equal(app.signInLink(loadEnv('env.hostile.js')).problem, 'OIDC_URL is not an http(s) URL');
  assert.equal(app.signInLink(null).problem, 'OIDC_URL is not configured');
  assert.equal(app.signInLink({ OIDC_URL: 'https://idp.example.test', OIDC_CLIENT_NAME: ' ' }).problem,
    'OIDC_CLIENT_NAME is not configured');
  assert.match(app.signInLink({ OIDC_URL: 'https://idp.example.test', OIDC_CLIENT_NAME: 'c',
    LAMBDA_ENDPOINT: 'data:text/html,x' }).problem, /OIDC_REDIRECT_URI/);
});

test('only absolute http(s) URLs count as URLs', () => {
  assert.equal(app.httpUrl(' https://a.example.test/x '), 'https://a.example.test/x');
  assert.equal(app.httpUrl('HTTPS://A.example.test/'), 'HTTPS://A.example.test/');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative', '', 42, undefined]) {
    assert.equal(app.httpUrl(bad), null, String(bad));
  }
});

test('settings show as text; empty and missing ones as null', () => {
  const env = { A: 'x', B: '', C: '  ', D: true, E: 0, F: null, G: ['y'] };
  assert.deepEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map((key) => app.settingText(env, key)),
    ['x', null, null, 'true', '0', null, '["y"]', null]);
});

test('the page shows every key the sample env.js carries, and only those', () => {
  const shown = app.SETTINGS.map((entry) => entry[0]).sort();
  assert.deepEqual(shown, Object.keys(loadEnv('env.sample.js')).sort());
});

test('sign-in uses the discovered authorization endpoint when the provider publishes one', async () => {
  const link = app.signInLink(loadEnv('env.sample.js'));
  const asked = [];
  const fetchOk = (url) => {
    asked.push(url);
    return Promise.resolve({ ok: true, json: () => Promise.resolve({
      authorization_endpoint: 'https://idp.example.test/realms/workbench/protocol/openid-connect/auth',
    }) });
  };
  const href = await app.discoveredSignInHref(link, fetchOk);
  assert.deepEqual(asked, ['https://idp.example.test/realms/workbench/.well-known/openid-configuration']);
  assert.equal(href, 'https://idp.example.test/realms/workbench/protocol/openid-connect/auth?' +
    link.href.split('?')[1]);
  const unsafe = () => Promise.resolve({ ok: true, json: () => Promise.resolve({
    authorization_endpoint: 'javascript:alert(1)' }) });
  assert.equal(await app.discoveredSignInHref(link, unsafe), null);
  assert.equal(await app.discoveredSignInHref(link, () => Promise.reject(new Error('offline'))), null);
  assert.equal(await app.discoveredSignInHref(link, () => Promise.resolve({ ok: false })), null);
});

test('the build is deterministic and its manifest matches the files', (t) => {
  const dir = tempDir(t);
  const src = join(frontend, 'src');
  const first = build({ src, out: join(dir, 'a') });
  build({ src, out: join(dir, 'b') });
  assert.deepEqual(readTree(join(dir, 'a')), readTree(join(dir, 'b')));
  const files = readdirSync(join(dir, 'a')).sort();
  assert.deepEqual(files, [...first.files.map((file) => file.path), 'build-manifest.json'].sort());
  for (const file of first.files) {
    const bytes = readFileSync(join(dir, 'a', file.path));
    assert.equal(file.bytes, bytes.length, file.path);
    assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'), file.path);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'a', 'build-manifest.json'), 'utf8')), first);
});

test('the build output does not depend on line endings or stale files', (t) => {
  const dir = tempDir(t);
  const crlf = join(dir, 'src-crlf');
  cpSync(join(frontend, 'src'), crlf, { recursive: true });
  for (const name of readdirSync(crlf)) {
    const path = join(crlf, name);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n/g, '\r\n'));
  }
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(join(out, 'stale.txt'), 'left over');
  build({ src: crlf, out });
  build({ src: join(frontend, 'src'), out: join(dir, 'lf') });
  assert.deepEqual(readTree(out), readTree(join(dir, 'lf')));
});

test('the minified script still loads and exposes the same functions', (t) => {
  const dir = tempDir(t);
  build({ src: join(frontend, 'src'), out: dir });
  const built = createRequire(import.meta.url)(join(dir, 'app.js'));
  const env = loadEnv('env.sample.js');
  assert.deepEqual(built.signInLink(env), app.signInLink(env));
});

test('the build refuses sources its minify cannot handle, naming the file', (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'index.html'), '<p>x</p>\n');
  writeFileSync(join(src, 'bad.js'), 'var a = `x\ny`;\n');
  assert.throws(() => build({ src, out: join(dir, 'out') }), /src\/bad\.js: template literals/);
  rmSync(join(src, 'bad.js'));
  writeFileSync(join(src, 'env.js'), 'window.env = {}');
  assert.throws(() => build({ src, out: join(dir, 'out') }), /env\.js are written by/);
});
