// Logs into the Aspire dashboard in headless Chromium and saves a PNG of one of its pages. No npm
// packages: Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: it reads
// commands on fd 3 and writes replies on fd 4, each message terminated by a NUL byte).
//
// usage: node docs/capture-dashboard.mjs <login-url> <output.png> <resource> [<resource> ...]
//        node docs/capture-dashboard.mjs <login-url> <output.png> --page <path> <text> [<text> ...]
// The first form captures the Resources page once every resource is listed as Running and none is
// unhealthy, starting or waiting; the second opens another page after the login (e.g. /traces) and
// captures it once all the texts are on it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [loginUrl, output, ...rest] = process.argv.slice(2);
const page = rest[0] === '--page' ? rest[1] : undefined;
const texts = page ? rest.slice(2) : rest;
if (!loginUrl || !output || texts.length === 0) {
  console.error('usage: node docs/capture-dashboard.mjs <login-url> <output.png> [--page <path>] <text> [...]');
  process.exit(2);
}

const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const timeoutMs = Number(process.env.CAPTURE_TIMEOUT_MS ?? 90000);
const profile = mkdtempSync(join(tmpdir(), 'engula-chromium-'));
// The flags known to work on these machines (headless as root, closed network).
const browser = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--hide-scrollbars', `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let stderr = '';
browser.stdio[2].on('data', d => { stderr += d; });

let nextId = 1;
const pending = new Map();
let buffer = '';
browser.stdio[4].on('data', chunk => {
  buffer += chunk.toString('utf8');
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    const waiter = message.id !== undefined && pending.get(message.id);
    if (waiter) {
      pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter.resolve(message.result);
    }
  }
});

function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  const message = { id, method, params, ...(sessionId ? { sessionId } : {}) };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, method });
    browser.stdio[3].write(JSON.stringify(message) + '\0');
  });
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function waitFor(sessionId, condition, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { result } = await send('Runtime.evaluate', { expression: 'document.body ? document.body.innerText : ""', returnByValue: true }, sessionId);
    const text = result.value ?? '';
    if (condition(text)) return;
    if (Date.now() > deadline) throw new Error(`the dashboard did not show ${what} within ${timeoutMs} ms; page text:\n${text}`);
    await sleep(500);
  }
}

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, sessionId);
  await send('Emulation.setDeviceMetricsOverride', { width: 1600, height: 800, deviceScaleFactor: 1, mobile: false }, sessionId);
  // The login URL sets the auth cookie and redirects to the Resources page.
  await send('Page.navigate', { url: loginUrl }, sessionId);
  if (page) {
    await waitFor(sessionId, text => text.includes('Resources'), 'the Resources page after the login');
    await send('Page.navigate', { url: new URL(page, loginUrl).toString() }, sessionId);
  }

  const ready = page
    ? text => texts.every(t => text.includes(t))
    : text => texts.every(t => text.includes(t))
      && (text.match(/\bRunning\b/g) ?? []).length >= texts.length
      && !/Unhealthy|Starting|Waiting/.test(text);
  await waitFor(sessionId, ready, page ? `${texts.join(', ')} on ${page}` : `${texts.join(', ')} running`);
  await sleep(1500); // let icons and the grid settle
  const { data } = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
  writeFileSync(output, Buffer.from(data, 'base64'));
  console.log(`saved ${output}`);
  await send('Browser.close').catch(() => {});
}

main()
  .catch(e => { console.error(e.message); if (stderr) console.error(stderr.slice(-2000)); process.exitCode = 1; })
  .finally(async () => {
    // Chromium keeps writing its profile until it has exited; remove the profile only after that.
    const exited = browser.exitCode !== null || browser.signalCode !== null
      ? Promise.resolve()
      : new Promise(resolve => browser.once('exit', resolve));
    browser.kill('SIGKILL');
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });
