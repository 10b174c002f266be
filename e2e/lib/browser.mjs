// Browser helpers shared by the tests: pages that record script errors,
// form submission that waits for the answer, the axe-core pass, screenshots,
// and the buyer/console steps most tests go through.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { crc32, deflateSync } from 'node:zlib';
import { screenshotPath, signIn } from './amiable.mjs';

const require = createRequire(import.meta.url);
export const AXE_PATH = join(require.resolve('axe-core/package.json'), '..', 'axe.min.js');

export const DESKTOP = { width: 1280, height: 900 };
export const MOBILE = { width: 390, height: 844 };

/** Builds a real PNG (8-bit RGB, one colour) of `width`×`height` pixels. */
export function png(width, height, [r, g, b] = [40, 90, 200]) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, no filter, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3).fill(Buffer.from([r, g, b]))]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The photo the buyer attaches: a small 64×48 PNG. */
export const PNG = png(64, 48);

/** Collapses the no-break spaces used by French number formatting, and runs of white space. */
export const squash = (text) => text.replace(/[\u00a0\u202f\s]+/g, ' ').trim();

/**
 * A new browser context and page. Script errors and failed same-origin
 * sub-resources are recorded in `page.problems`; `assertNoProblems(page)`
 * checks there were none.
 */
export async function newPage(browser, { viewport = DESKTOP, locale = 'fr-FR', storageState, isMobile = false, bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport, locale, storageState, isMobile, hasTouch: isMobile, acceptDownloads: true, bypassCSP });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`script error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (404|422)/.test(m.text())) {
      page.problems.push(`console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    const type = r.request().resourceType();
    if (['stylesheet', 'script', 'image', 'font'].includes(type) && r.status() >= 400) {
      page.problems.push(`${type} ${r.url()} answered ${r.status()}`);
    }
  });
  return page;
}

export function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], 'the page had script errors or broken sub-resources');
}

/** Clicks something that submits a form or follows a link; resolves with the final main response. */
export async function submit(page, locator) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
  return response;
}

/** Visits a URL and asserts the status. */
export async function visit(page, url, status = 200) {
  const response = await page.goto(url, { waitUntil: 'load' });
  assert.equal(response.status(), status, `GET ${url} answered ${response.status()}, expected ${status}`);
  return response;
}

/**
 * Runs axe-core on the current page; fails listing every serious or critical
 * violation. The server's Content-Security-Policy (script-src 'self') forbids
 * the injected script, so the page must come from `newPage(browser, { bypassCSP: true })`.
 */
export async function assertAccessible(page, what) {
  await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return {
      checked: r.passes.length + r.violations.length + r.incomplete.length,
      violations: r.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`),
      })),
    };
  });
  assert.ok(result.checked > 10, `axe checked only ${result.checked} rules on ${what}: did it run?`);
  if (process.env.AXE_REPORT) console.log(what, JSON.stringify(result.violations, null, 1));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const text = bad
      .map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.targets.slice(0, 8).map((t) => `      ${t}`).join('\n')}`)
      .join('\n');
    assert.fail(`${what} (${page.url()}) has ${bad.length} serious/critical accessibility violation(s):\n${text}`);
  }
  return result.violations;
}

/** A full-page screenshot in e2e/screenshots/ (`{ fullPage: false }`: what the window shows). */
export async function shot(page, name, { fullPage = true } = {}) {
  // Let images (photo thumbnails) finish before the picture is taken.
  await page.waitForFunction(() => Array.from(document.images).every((i) => i.complete));
  await page.screenshot({ path: screenshotPath(name), fullPage });
}

/** Text of the main element, with white space collapsed. */
export async function mainText(page) {
  return squash(await page.locator('main').innerText());
}

// ------------------------------------------------------------- buyer steps

/** Finds an order through the lookup form; lands on the order page. */
export async function findOrder(page, base, number, email) {
  await visit(page, base + '/suivi');
  await page.fill('#order_number', number);
  await page.fill('#email', email);
  const response = await submit(page, page.getByRole('button', { name: /Accéder à ma commande|Find my order|Access my order/ }));
  assert.equal(response.status(), 200);
  assert.match(page.url(), /\/suivi\/commande\/[0-9a-f-]{36}$/, 'the lookup should land on the order page');
}

/**
 * From the order page: asks to return both jumpers. Resolves with the case id.
 * `photo` adds the PNG above; `comment` types a comment.
 */
export async function requestReturn(page, { photo = false, comment = '' } = {}) {
  await submit(page, page.getByRole('link', { name: /Retourner des articles|Return items/ }));
  await page.selectOption('#qty_0', '2');
  await page.selectOption('#reason_0', 'changed_mind');
  if (comment) await page.fill('#comment', comment);
  if (photo) await page.setInputFiles('#photos', { name: 'pulls.png', mimeType: 'image/png', buffer: PNG });
  const response = await submit(page, page.getByRole('button', { name: /Envoyer ma demande|Send my request/ }));
  assert.equal(response.status(), 200);
  const found = page.url().match(/\/suivi\/dossier\/([0-9a-f-]{36})\?fait=return-requested$/);
  assert.ok(found, `the return form should land on the case page, not ${page.url()}`);
  return found[1];
}

// ----------------------------------------------------------- console steps

export async function staffPage(browser, base, email, options = {}) {
  const page = await newPage(browser, options);
  await signIn(page, base, email);
  return page;
}

/**
 * Opens the <details class="action"> whose summary is `summary`, lets `fill`
 * fill it, and submits its form. Resolves with the response.
 */
export async function act(page, summary, fill) {
  const details = page.locator('details.action').filter({ has: page.locator('summary', { hasText: summary }) });
  assert.equal(await details.count(), 1, `exactly one action "${summary}" should be offered on ${page.url()}`);
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  if (fill) await fill(details);
  return submit(page, details.locator('button[type=submit]').last());
}

/** The notice shown after a successful command. */
export async function notice(page) {
  return squash(await page.locator('.notice.ok[role=status]').innerText());
}
