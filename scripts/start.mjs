// `npm start`: build, start a local development gateway (simulated attestation), and open
// Chromium with the extension loaded. Without a display, prints how to load dist-dev/ by hand.
// Arguments after `--` go to the gateway, e.g. answers from a local model server:
//   npm start -- --upstream http://127.0.0.1:8080     (llama.cpp's llama-server, or any OpenAI-compatible server)
// Ollama at 127.0.0.1:11434 is used by itself; `--builtin` keeps the built-in quoter.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

// dist-dev/ is the store build with the local development gateway pre-filled in Settings.
const port = process.env.CONFIDANT_GATEWAY_PORT ?? '8787';
process.env.CONFIDANT_DEV_GATEWAY = `http://127.0.0.1:${port}`;
run('npx', ['vite', 'build', '--mode', 'development', '--logLevel', 'warn']);

const children = [];
const stopAll = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', () => { stopAll(); process.exit(0); });
process.on('SIGTERM', () => { stopAll(); process.exit(0); });

if (existsSync(join(root, 'gateway', 'main.ts'))) {
  const gw = spawn('npx', ['tsx', 'gateway/main.ts', '--simulated', '--port', port, '--api-key', 'dev-key', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  children.push(gw);
  console.log(`Development gateway (simulated attestation): http://127.0.0.1:${port}  API key: dev-key`);
  console.log('In Confidant\'s settings turn on "Trust a development gateway": simulated evidence never passes the production policy.');
}

const chrome = process.env.CHROME_PATH ?? ['/usr/bin/chromium', '/usr/bin/google-chrome'].find(existsSync);
const dist = join(root, 'dist-dev');
const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
if (!chrome || headless) {
  console.log(`
No ${chrome ? 'display' : 'Chrome or Chromium'} found, so no browser was opened. To load Confidant by hand:
  1. Open chrome://extensions in Chrome or Chromium (version 116 or newer).
  2. Turn on "Developer mode" (top right).
  3. Click "Load unpacked" and choose: ${dist}
  4. Click the Confidant button in the toolbar (or press Alt+Shift+C) to open the side panel.`);
} else {
  const profile = join(root, '.cache', 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  const browser = spawn(chrome, [`--user-data-dir=${profile}`, `--disable-extensions-except=${dist}`, `--load-extension=${dist}`, '--no-first-run', 'about:blank'], { stdio: 'ignore' });
  children.push(browser);
  browser.on('exit', () => { stopAll(); process.exit(0); });
  console.log(`Chromium is open with Confidant loaded from ${dist}. Close it (or press Ctrl+C) to stop.`);
}
if (children.length === 0) process.exit(0);
