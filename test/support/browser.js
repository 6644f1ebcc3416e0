// Headless Chromium driven over its DevTools protocol on a pipe (--remote-debugging-pipe): the browser
// reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4. Node built-ins only.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Headless, no sandbox (CI runs as root), and nothing that reaches the network or a GPU. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--remote-debugging-pipe',
];

/** The Chromium binary to use ($CHROMIUM, else the first of chromium, chromium-browser on PATH), or undefined. */
export function findChromium() {
  const candidates = process.env.CHROMIUM ? [process.env.CHROMIUM] : ['chromium', 'chromium-browser'];
  return candidates.find((bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0);
}

/** Starts Chromium with a fresh profile; `close()` ends it and removes the profile. */
export async function launchBrowser(binary) {
  const profile = mkdtempSync(join(tmpdir(), 'pinn-chromium-'));
  const proc = spawn(binary, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const cdp = new Cdp(proc.stdio[3], proc.stdio[4]);
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  exited.then((code) => cdp.failAll(new Error(`chromium exited (${code}): ${stderr}`)));
  await cdp.send('Browser.getVersion');
  return {
    cdp,
    close: async () => {
      if (proc.exitCode === null) {
        cdp.send('Browser.close').catch(() => {});
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One DevTools protocol connection: commands by id, events to listeners, sessions by sessionId. */
class Cdp {
  constructor(input, output) {
    this.input = input;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    let buffer = '';
    output.setEncoding('utf8');
    output.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\0')) >= 0) {
        this.dispatch(JSON.parse(buffer.slice(0, end)));
        buffer = buffer.slice(end + 1);
      }
    });
  }

  dispatch(message) {
    const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
    if (waiting) {
      this.pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`${waiting.method}: ${message.error.message}`));
      else waiting.resolve(message.result);
      return;
    }
    for (const listener of this.listeners) listener(message);
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => this.pending.set(id, { method, resolve, reject }));
  }

  /** The next event `method` of session `sessionId`. */
  once(method, sessionId) {
    return new Promise((resolve) => {
      const listener = (m) => {
        if (m.method === method && m.sessionId === sessionId) {
          this.listeners.delete(listener);
          resolve(m.params);
        }
      };
      this.listeners.add(listener);
    });
  }

  failAll(error) {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/**
 * Opens `url` in a new tab whose window is `width` x `height` CSS pixels with `media` ('screen' or
 * 'print') emulated, waits for its load event, and returns the tab: evaluate(expression) gives the
 * expression's JSON value, screenshot(clip) a PNG buffer, close() closes the tab.
 */
export async function openPage(cdp, url, { width, height, media }) {
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const send = (method, params) => cdp.send(method, params, sessionId);
  await send('Page.enable');
  await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
  await send('Emulation.setEmulatedMedia', { media });
  const loaded = cdp.once('Page.loadEventFired', sessionId);
  await send('Page.navigate', { url });
  await loaded;
  return {
    evaluate: async (expression) => {
      const { result, exceptionDetails } = await send('Runtime.evaluate', {
        expression,
        returnByValue: true,
        awaitPromise: true,
      });
      if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? 'error'}`);
      return result.value;
    },
    screenshot: async (clip) => {
      const { data } = await send('Page.captureScreenshot', { format: 'png', clip, captureBeyondViewport: true });
      return Buffer.from(data, 'base64');
    },
    close: () => cdp.send('Target.closeTarget', { targetId }),
  };
}
