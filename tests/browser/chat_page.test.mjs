// chat_page.test.mjs — grove-chat's web page in headless Chromium, beside a
// raw TCP client, all three in one room of the real server.
//
//   node --test chat_page.test.mjs            (GROVE_CHAT=/path/to/grove-chat)
//   node chat_page.test.mjs /path/to/grove-chat
//
// It starts grove-chat on port 0 for both listeners (parsing the
// "grove-chat: tcp|http listening on HOST:PORT" lines), seeds the room's
// backlog from the TCP client, opens two pages (Debian's /usr/bin/chromium
// driven by playwright-core; no browser is ever downloaded), and checks:
// the backlog shown on join, an error shown for a taken nick, every client
// seeing every live message in the same order, and the reconnect notice
// when the server goes away (it must exit 0 on SIGTERM). Traffic stays on
// 127.0.0.1; every wait is bounded (WAIT_MS), and so is the whole test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const WAIT_MS = 10_000;
const TEST_MS = 60_000;
const HOST = '127.0.0.1';
const ROOM = 'lobby';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const chatBinary = process.env.GROVE_CHAT || process.argv[2];

// withTimeout(promise, what) rejects after WAIT_MS, naming what it waited for.
function withTimeout(promise, what, ms = WAIT_MS) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

// startServer() runs grove-chat on port 0 and resolves with its ports once
// both listening lines have been printed.
function startServer() {
  const child = spawn(chatBinary, ['--host', HOST, '--port', '0', '--http-port', '0', '--backlog', '25'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ports = new Promise((resolve, reject) => {
    const found = {};
    let pending = '';
    const scan = (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        output.push(line);
        const m = /(tcp|http) listening on ([\d.]+):(\d+)/.exec(line);
        if (m) found[m[1]] = Number(m[3]);
        if (found.tcp && found.http) resolve(found);
      }
    };
    child.stdout.setEncoding('utf8').on('data', scan);
    child.stderr.setEncoding('utf8').on('data', (d) => output.push(...d.split('\n').filter(Boolean)));
    child.on('error', reject);
    exited.then(({ code, signal }) =>
      reject(new Error(`grove-chat exited early (code ${code}, signal ${signal}):\n${output.join('\n')}`)));
  });
  return { child, exited, output, ports: withTimeout(ports, 'grove-chat to print its listening lines') };
}

// TcpClient speaks the line protocol; waitFor(pred) resolves with the first
// line (old or new) that satisfies pred.
class TcpClient {
  constructor(port) {
    this.lines = [];
    this.waiters = [];
    this.socket = net.connect({ host: HOST, port });
    this.socket.setEncoding('utf8');
    let pending = '';
    this.socket.on('data', (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        this.push(pending.slice(0, nl).replace(/\r$/, ''));
        pending = pending.slice(nl + 1);
      }
    });
    this.socket.on('error', () => {});
    this.connected = withTimeout(new Promise((r) => this.socket.once('connect', r)), 'the TCP connection');
  }
  push(line) {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => !(w.pred(line) && (w.resolve(line), true)));
  }
  send(line) {
    this.socket.write(line + '\n');
  }
  waitFor(pred, what) {
    const old = this.lines.find(pred);
    if (old !== undefined) return Promise.resolve(old);
    return withTimeout(new Promise((resolve) => this.waiters.push({ pred, resolve })), `TCP line: ${what}`);
  }
  // chat() is every "[ROOM] NAME: TEXT" line received so far, in order.
  chat() {
    return this.lines.filter((l) => l.startsWith(`[${ROOM}] `));
  }
  close() {
    this.socket.destroy();
  }
}

async function openPage(context, httpPort) {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://${HOST}:${httpPort}/`, { timeout: WAIT_MS });
  await page.waitForSelector('#status[data-state="open"]');
  return { page, errors };
}

async function setNick(page, nick) {
  await page.fill('#nick', nick);
  await page.click('#nick-btn');
}

async function join(page, room) {
  await page.fill('#room', room);
  await page.click('#join-btn');
  await page.waitForFunction((r) => document.getElementById('current-room').textContent === r, room);
  await page.waitForSelector('#send-btn:not([disabled])');
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.click('#send-btn');
}

// pageChat() is the page's chat lines "[ROOM] NAME: TEXT", live or backlog.
function pageChat(page, { backlog }) {
  const selector = backlog ? '#messages li.chat.backlog' : '#messages li.chat:not(.backlog)';
  return page.$$eval(selector, (items) => items.map((li) => li.textContent));
}

async function pageSeqs(page) {
  return page.$$eval('#messages li.chat:not(.backlog)', (items) => items.map((li) => Number(li.dataset.seq)));
}

async function waitForCount(read, count, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = await read();
    if (got.length >= count) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: have ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('grove-chat page: two browsers and a TCP client in one room', { timeout: TEST_MS }, async (t) => {
  assert.ok(chatBinary, 'pass the grove-chat binary as argument or GROVE_CHAT');
  assert.ok(fs.existsSync(chatBinary), `no grove-chat at ${chatBinary}`);
  assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (bash scripts/install-deps.sh)`);

  const server = startServer();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grove-chat-chromium-'));
  let context;
  let tcp;
  t.after(async () => {
    if (tcp) tcp.close();
    if (context) await context.close().catch(() => {});
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  const { tcp: tcpPort, http: httpPort } = await server.ports;

  // The TCP client joins first and leaves two messages in the backlog.
  tcp = new TcpClient(tcpPort);
  await tcp.connected;
  await tcp.waitFor((l) => l.startsWith('* welcome'), 'welcome');
  tcp.send('/nick carol');
  await tcp.waitFor((l) => l === '* you are carol', 'nick ack');
  tcp.send(`/join ${ROOM}`);
  await tcp.waitFor((l) => l === `* joined ${ROOM}`, 'join ack');
  const seeded = [`[${ROOM}] carol: before one`, `[${ROOM}] carol: before two`];
  tcp.send('before one');
  tcp.send('before two');
  await tcp.waitFor((l) => l === seeded[1], 'its own second message');

  context = await withTimeout(
    chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: WAIT_MS,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    }),
    'Chromium to start');
  // Nothing but the server on 127.0.0.1 may be fetched.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    return url.hostname === HOST ? route.continue() : route.abort();
  });

  const alice = await openPage(context, httpPort);
  const bob = await openPage(context, httpPort);

  await t.test('a nick is acknowledged and the backlog is shown on join', async () => {
    await setNick(alice.page, 'alice');
    await alice.page.waitForFunction(() => document.getElementById('me').textContent === 'alice');
    await join(alice.page, ROOM);
    assert.deepEqual(await pageChat(alice.page, { backlog: true }), seeded);
  });

  await t.test('a taken nick shows an error', async () => {
    await setNick(bob.page, 'carol');
    await bob.page.waitForSelector('#error:not([hidden])');
    const shown = (await bob.page.textContent('#error')).trim();
    assert.ok(shown.length > 0, 'the error banner is empty');
    assert.notEqual(await bob.page.textContent('#me'), 'carol');
    await setNick(bob.page, 'bob');
    await bob.page.waitForFunction(() => document.getElementById('me').textContent === 'bob');
    await bob.page.waitForSelector('#error', { state: 'hidden' });
    await join(bob.page, ROOM);
    assert.deepEqual(await pageChat(bob.page, { backlog: true }), seeded);
  });

  await t.test('every client sees every message in the same order', async () => {
    const before = tcp.chat().length;
    // Three senders, sent without waiting for each other: the server decides
    // the order, and everyone must see that same order.
    const texts = [];
    for (let round = 1; round <= 3; ++round) {
      texts.push(`[${ROOM}] alice: a${round}`, `[${ROOM}] bob: b${round}`, `[${ROOM}] carol: c${round}`);
      await Promise.all([say(alice.page, `a${round}`), say(bob.page, `b${round}`), tcp.send(`c${round}`)]);
    }
    const n = texts.length;
    const fromTcp = (await waitForCount(async () => tcp.chat().slice(before), n, 'TCP client messages')).slice(0, n);
    const fromAlice = await waitForCount(() => pageChat(alice.page, { backlog: false }), n, "alice's messages");
    const fromBob = await waitForCount(() => pageChat(bob.page, { backlog: false }), n, "bob's messages");
    assert.deepEqual([...fromTcp].sort(), [...texts].sort(), 'the TCP client got every message once');
    assert.deepEqual(fromAlice, fromTcp, 'alice saw the order the TCP client saw');
    assert.deepEqual(fromBob, fromTcp, 'bob saw the order the TCP client saw');
    // Each sender's own messages keep the order it sent them in.
    for (const who of ['alice', 'bob', 'carol']) {
      const own = fromTcp.filter((l) => l.startsWith(`[${ROOM}] ${who}: `));
      assert.deepEqual(own, texts.filter((l) => l.startsWith(`[${ROOM}] ${who}: `)));
    }
    const seqs = await pageSeqs(alice.page);
    for (let i = 1; i < seqs.length; ++i) assert.ok(seqs[i] > seqs[i - 1], `seq increases: ${seqs}`);
    assert.deepEqual(await pageSeqs(bob.page), seqs, 'both pages saw the same seq numbers');
  });

  await t.test('the page says so when the server goes away; the server exits 0', async () => {
    server.child.kill('SIGTERM');
    const { code, signal } = await withTimeout(server.exited, 'grove-chat to exit after SIGTERM');
    assert.equal(signal, null, `grove-chat died of ${signal}`);
    assert.equal(code, 0, `grove-chat exit code:\n${server.output.join('\n')}`);
    for (const { page } of [alice, bob]) {
      await page.waitForSelector('#status[data-state="closed"]');
      await page.waitForSelector('#messages li.notice');
    }
    assert.deepEqual(alice.errors, [], 'no script errors in alice\'s page');
    assert.deepEqual(bob.errors, [], 'no script errors in bob\'s page');
  });
});
