// debug_page.test.mjs — grove-chat's GET /debug/ page (observe/page/debug.html,
// issue 14 §5) in headless Chromium, while a TCP client chats.
//
//   node debug_page.test.mjs /path/to/grove-chat       (run_debug_page.sh)
//
// It starts grove-chat on port 0 with --fiber-timing 1, has a TCP client
// join a room and talk, opens /debug/ in Debian's /usr/bin/chromium (driven
// by playwright-core, installed beside tests/browser; no browser is ever
// downloaded), and checks what the page shows: the hub, the room's actor
// with its mailbox, the fibers; that it refreshes by itself (the loop-turn
// count moves); that clicking a column heading sorts by it; and a
// screenshot of the rendered page. Traffic stays on 127.0.0.1; every wait
// is bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const WAIT_MS = 10_000;
const HOST = '127.0.0.1';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const chatBinary = process.env.GROVE_CHAT || process.argv[2];

function startServer() {
  const child = spawn(chatBinary, ['--host', HOST, '--port', '0', '--http-port', '0', '--fiber-timing', '1',
                                   '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const ports = new Promise((resolve, reject) => {
    const found = {};
    let text = '';
    const timer = setTimeout(() => reject(new Error('grove-chat did not start: ' + text)), WAIT_MS);
    child.stdout.on('data', (chunk) => {
      text += chunk;
      for (const m of text.matchAll(/(tcp|http) listening on [\d.]+:(\d+)/g)) found[m[1]] = Number(m[2]);
      if (found.tcp && found.http) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.on('exit', (code) => reject(new Error(`grove-chat exited (${code}): ${text}`)));
  });
  return { child, ports };
}

test('GET /debug/ shows the chat\'s hubs, actors and fibers, refreshed and sortable', { timeout: 60_000 }, async (t) => {
  assert.ok(fs.existsSync(chatBinary ?? ''), `no grove-chat at ${chatBinary}`);
  const server = startServer();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grove-debug-chromium-'));
  let context;
  let tcp;
  let talker;
  t.after(async () => {
    clearInterval(talker);
    if (tcp) tcp.destroy();
    if (context) await context.close().catch(() => {});
    server.child.kill('SIGKILL');
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });
  const { tcp: tcpPort, http: httpPort } = await server.ports;

  // A TCP client in room "lobby" says a line every 20 ms.
  tcp = net.connect(tcpPort, HOST);
  tcp.on('data', () => {});
  await new Promise((resolve, reject) => tcp.once('connect', resolve).once('error', reject));
  tcp.write('/nick carol\n/join lobby\n');
  let n = 0;
  talker = setInterval(() => tcp.write(`line ${++n}\n`), 20);

  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, timeout: WAIT_MS,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  await context.route('**/*', (route) =>
    new URL(route.request().url()).hostname === HOST ? route.continue() : route.abort());
  const page = await context.newPage();
  await page.setViewportSize({ width: 1400, height: 900 });
  await page.goto(`http://${HOST}:${httpPort}/debug/`, { timeout: WAIT_MS });

  // The room's actor appears in the actors table, with a mailbox column.
  const actorRow = page.locator('#actors tr', { hasText: 'room:lobby#1' });
  await actorRow.first().waitFor({ timeout: WAIT_MS });
  const actorCells = await actorRow.first().locator('td').allTextContents();
  assert.equal(actorCells[0], 'room:lobby#1');
  assert.match(actorCells[4], /^\d+$/, 'mailbox depth is a number');

  // The hub, and the fibers (main, the room, the client's session).
  const hubCells = await page.locator('#hubs tr').nth(1).locator('td').allTextContents();
  assert.equal(hubCells[0], '0');
  assert.equal(hubCells[2], 'true');
  const fibers = await page.locator('#fibers').innerText();
  for (const name of ['main', 'room:lobby#1', 'chat tcp writer', 'grove-chat rooms'])
    assert.ok(fibers.includes(name), `fiber ${name} not shown:\n${fibers}`);
  assert.match(await page.locator('#status').innerText(), /1 hubs, \d+ fibers, 1 actors .*grove\.fibers\/1/);

  // It refreshes by itself: hub 0's loop turns move while carol talks.
  const turns = async () => Number(await page.locator('#hubs tr').nth(1).locator('td').nth(3).innerText());
  const before = await turns();
  await page.waitForFunction((b) => Number(document.querySelectorAll('#hubs tr')[1].cells[3].textContent) > b,
    before, { timeout: WAIT_MS });

  // Clicking "wakes" sorts the fibers by wakes, largest first.
  await page.locator('#fibers th', { hasText: 'wakes' }).click();
  await page.locator('#fibers th.sorted', { hasText: 'wakes' }).waitFor({ timeout: WAIT_MS });
  const wakes = (await page.locator('#fibers tr td:nth-child(9)').allTextContents()).map(Number);
  assert.ok(wakes.length >= 5, 'fiber rows');
  for (let i = 1; i < wakes.length; ++i) assert.ok(wakes[i] <= wakes[i - 1], `wakes not sorted: ${wakes}`);

  // A screenshot of what a person sees: rendered, and not blank.
  const shot = path.join(userDataDir, 'debug-page.png');
  const png = await page.screenshot({ path: shot, fullPage: true });
  assert.ok(png.length > 10_000, `screenshot of ${png.length} bytes`);
  if (process.env.GROVE_SCREENSHOT) fs.copyFileSync(shot, process.env.GROVE_SCREENSHOT);
});
