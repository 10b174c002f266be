// Starts `amiable demo` on a free port with a fresh data directory, and
// speaks its JSON API to set up what a test needs (an order delivered two
// days ago, say). Everything else a test does goes through the browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');

/** The demo's fixed keys (printed by `amiable demo`; demo data only). */
export const OPERATOR_KEY = 'amk_de00000000000001_demo-operator-key';
export const MERCHANT_KEY = 'amk_de00000000000002_demo-merchant-key';
export const PASSWORD = 'amiable-demo';
export const LOGINS = {
  operator: 'admin@marche-demo.fr',
  mediator: 'mediation@marche-demo.fr',
  merchantAdmin: 'gerant@maison-colette.fr',
  merchantAgent: 'sav@maison-colette.fr',
};

function binary() {
  if (process.env.AMIABLE_BIN) return process.env.AMIABLE_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(root, 'target');
  return join(target, 'debug', 'amiable');
}

/** Starts the demo; resolves with its base URL once it listens. */
export async function startDemo() {
  const dataDir = mkdtempSync(join(tmpdir(), 'amiable-e2e-'));
  const child = spawn(binary(), ['demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AMIABLE_LOG: 'warn' },
  });
  let output = '';
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${output}`)), 120_000);
    const onData = (chunk) => {
      output += chunk.toString();
      const found = output.match(/listening on (http:\/\/[0-9.:]+)/);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the demo exited (${code}):\n${output}`)));
  });
  return {
    base,
    output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r).once('error', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function api(base, key, method, path, body) {
  const response = await fetch(base + '/api/v1' + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'accept-language': 'fr' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return json;
}

const days = (n) => new Date(Date.now() - n * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * An order of Maison Colette (the demo's first shop: 30 days, free returns,
 * store credit +10 %, automatic authorisation up to 150 €), delivered two days
 * ago: two merino jumpers at 89 € and an engraved candle (personalised).
 */
export async function createOrder(base, number, email) {
  const body = {
    order: {
      external_id: number,
      placed_at: days(6),
      currency: 'EUR',
      buyer: { name: 'Claire Martin', email, locale: 'fr' },
      lines: [
        { sku: 'PULL-MERINOS-M', title: 'Pull en laine mérinos', category: 'vêtements', quantity: 2, unit_price_minor: 8900 },
        { sku: 'BOUGIE-GRAVEE', title: 'Bougie gravée', category: 'maison', quantity: 1, unit_price_minor: 2400, flags: ['personalised'] },
      ],
      shipping_minor: 490,
      payment: { provider: 'stripe', transaction_id: `ch_${number}`, captured_minor: 20690 },
      shipping_address: { lines: ['8 rue des Lilas'], postal_code: '69003', city: 'Lyon', country: 'FR' },
      shipments: [{ carrier: 'Colissimo', shipped_at: days(6), delivered_at: days(2),
        lines: [{ line_id: '1', quantity: 2 }, { line_id: '2', quantity: 1 }] }],
    },
  };
  return (await api(base, MERCHANT_KEY, 'POST', '/orders', body)).order;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Where screenshots go (`e2e/screenshots`, kept out of git; a few are copied to docs/). */
export function screenshotPath(name) {
  const dir = join(root, 'e2e', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

/** Signs in to the console. */
export async function signIn(page, base, email) {
  await page.goto(base + '/console/login');
  await page.getByLabel(/Adresse e-mail|Email address/).fill(email);
  await page.getByLabel(/Mot de passe|Password/).fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/console(\?|$)/), page.getByRole('button', { name: /Se connecter|Sign in/ }).click()]);
}
