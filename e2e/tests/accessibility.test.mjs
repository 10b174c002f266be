// axe-core on every main page of the portal and the console (and on the
// pages showing form errors): no serious or critical violation. The console
// pages are photographed on the way (the buyer pages are in return-flow).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, api, LOGINS, OPERATOR_KEY } from '../lib/amiable.mjs';
import {
  newPage, assertNoProblems, submit, visit, assertAccessible, shot, findOrder, requestReturn, staffPage, act, PNG,
} from '../lib/browser.mjs';

// The pages forbid inline scripts (CSP script-src 'self'): axe is injected
// into contexts that bypass it; the first test checks the policy is there.
const A11Y = { bypassCSP: true };

let demo;
let browser;
let buyer;
let operator;
let orderId;
let caseId;
before(async () => {
  demo = await startDemo();
  browser = await launch();
  const order = await createOrder(demo.base, 'CMD-E2E-A11Y-1', 'claire.martin@exemple.fr');
  orderId = order.id;
  buyer = await newPage(browser, A11Y);
  await findOrder(buyer, demo.base, 'CMD-E2E-A11Y-1', 'claire.martin@exemple.fr');
  caseId = await requestReturn(buyer, { photo: true, comment: 'Trop grands.' });
  // Accepted by the merchant, so the buyer's case page shows the label too.
  const merchant = await staffPage(browser, demo.base, LOGINS.merchantAdmin);
  await visit(merchant, `${demo.base}/console/cases/${caseId}`);
  await act(merchant, 'Accepter le retour');
  // The shop's inbox, as its manager sees it (for the README).
  await visit(merchant, `${demo.base}/console`);
  await shot(merchant, 'console-inbox-merchant', { fullPage: false });
  await merchant.context().close();
  operator = await staffPage(browser, demo.base, LOGINS.operator, A11Y);
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('pages are served with a strict Content-Security-Policy', async () => {
  for (const path of ['/suivi', '/console/login']) {
    const response = await fetch(demo.base + path);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/, `${path}: ${csp}`);
    assert.match(csp, /frame-ancestors 'none'/, `${path}: ${csp}`);
  }
});

test('the check itself catches a real violation', async () => {
  const page = await newPage(browser, A11Y);
  await visit(page, demo.base + '/suivi');
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'text';
    document.querySelector('main').append(input); // a field without a label: critical
  });
  await assert.rejects(assertAccessible(page, 'the lookup page with an unlabelled field'), /\[critical\] label:/);
  await page.context().close();
});

test('buyer: order lookup', async () => {
  const page = await newPage(browser, A11Y);
  await visit(page, demo.base + '/suivi');
  await assertAccessible(page, 'the lookup page');
  // With its errors shown.
  const response = await submit(page, page.getByRole('button', { name: 'Accéder à ma commande' }));
  assert.equal(response.status(), 422);
  assert.equal(await page.locator('#form-errors').count(), 1);
  await assertAccessible(page, 'the lookup page with errors');
  assertNoProblems(page);
  await page.context().close();
});

test('buyer: order lookup in English', async () => {
  const page = await newPage(browser, { ...A11Y, locale: 'en-GB' });
  await visit(page, demo.base + '/langue/en?next=/suivi');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await assertAccessible(page, 'the English lookup page');
  await page.context().close();
});

test('buyer: order page', async () => {
  await visit(buyer, `${demo.base}/suivi/commande/${orderId}`);
  await assertAccessible(buyer, 'the buyer order page');
});

test('buyer: return form, with a photo preview and with errors', async () => {
  // The other order line (the candle) is not returnable, and both jumpers are
  // already asked for: use a second order for a form that can be filled.
  const order = await createOrder(demo.base, 'CMD-E2E-A11Y-2', 'claire.martin@exemple.fr');
  const page = await newPage(browser, A11Y);
  await findOrder(page, demo.base, 'CMD-E2E-A11Y-2', 'claire.martin@exemple.fr');
  await visit(page, `${demo.base}/suivi/commande/${order.id}/retour`);
  await assertAccessible(page, 'the return form');
  await page.setInputFiles('#photos', { name: 'pulls.png', mimeType: 'image/png', buffer: PNG });
  await page.locator('#photos-previews img').waitFor();
  await assertAccessible(page, 'the return form with a photo preview');
  const response = await submit(page, page.getByRole('button', { name: 'Envoyer ma demande' }));
  assert.equal(response.status(), 422);
  await assertAccessible(page, 'the return form with errors');
  assertNoProblems(page);
  await page.context().close();
});

test('buyer: case page with the label', async () => {
  await visit(buyer, `${demo.base}/suivi/dossier/${caseId}`);
  assert.equal(await buyer.getByRole('link', { name: "Télécharger l'étiquette (A6)" }).count(), 1);
  await assertAccessible(buyer, 'the buyer case page');
  // The escalation form opened.
  await buyer.locator('summary', { hasText: /^Faire appel au / }).click();
  await assertAccessible(buyer, 'the buyer case page with the escalation form open');
  assertNoProblems(buyer);
});

test('the page-not-found page', async () => {
  const page = await newPage(browser, A11Y);
  const response = await page.goto(`${demo.base}/suivi/nulle-part`);
  assert.equal(response.status(), 404);
  await assertAccessible(page, 'the 404 page');
  await page.context().close();
});

test('console: sign-in page', async () => {
  const page = await newPage(browser, A11Y);
  await visit(page, demo.base + '/console/login');
  await assertAccessible(page, 'the console sign-in page');
  await page.fill('#email', LOGINS.operator);
  await page.fill('#password', 'pas-le-bon');
  const response = await submit(page, page.getByRole('button', { name: 'Se connecter' }));
  assert.ok(response.status() >= 400, 'a wrong password should be refused');
  await assertAccessible(page, 'the console sign-in page with an error');
  await page.context().close();
});

test('console: inbox', async () => {
  await visit(operator, demo.base + '/console');
  assert.ok((await operator.locator('#results tr[data-href]').count()) > 10);
  await assertAccessible(operator, 'the inbox');
  await shot(operator, 'console-inbox', { fullPage: false });
});

test('console: case page', async () => {
  await visit(operator, `${demo.base}/console/cases/${caseId}`);
  await assertAccessible(operator, 'the console case page');
  // Every action form opened at once.
  await operator.locator('details.action').evaluateAll((ds) => ds.forEach((d) => { d.open = true; }));
  await assertAccessible(operator, 'the console case page with every action open');
});

test('console: a case from the demo data, in mediation', async () => {
  await visit(operator, `${demo.base}/console?kind=dispute&status=open`);
  const href = await operator.locator('#results tr[data-href]').first().getAttribute('data-href');
  assert.ok(href);
  await visit(operator, demo.base + href);
  await assertAccessible(operator, `the console case page ${href}`);
});

test('console and portal: an incident in arbitration, with the ladder’s forms', async () => {
  const order = await createOrder(demo.base, 'CMD-E2E-A11Y-3', 'claire.martin@exemple.fr');
  const { case_id: id } = await api(demo.base, OPERATOR_KEY, 'POST', '/cases', {
    order_id: order.id, kind: 'incident', reason: 'damaged_in_transit',
    items: [{ line_id: '1', quantity: 1 }], description: 'Le pull est arrivé déchiré.',
  });
  await api(demo.base, OPERATOR_KEY, 'POST', `/cases/${id}/escalate`, { to: 'arbitration', reason: 'Pas d’accord entre les parties' });
  await visit(operator, `${demo.base}/console/cases/${id}`);
  // Responsibility, replacement, carrier claim, private message, request, decision…, all open.
  await operator.locator('details.action').evaluateAll((ds) => ds.forEach((d) => { d.open = true; }));
  assert.ok((await operator.locator('details.action[open]').count()) >= 8);
  await assertAccessible(operator, 'an incident in arbitration with every form open');
  const page = await newPage(browser, A11Y);
  await findOrder(page, demo.base, 'CMD-E2E-A11Y-3', 'claire.martin@exemple.fr');
  await visit(page, `${demo.base}/suivi/dossier/${id}`);
  assert.equal(await page.locator('#mediateur form').count(), 1, 'the private channel with the mediator');
  await assertAccessible(page, 'the buyer case page in arbitration, with the private channel');
  assertNoProblems(page);
  await page.context().close();
});

test('console: the shop’s and the marketplace’s settings', async () => {
  await visit(operator, `${demo.base}/console/settings/marketplace`);
  assert.equal(await operator.locator('#escalation_window_days').count(), 1);
  await assertAccessible(operator, 'the marketplace settings');
  const order = await createOrder(demo.base, 'CMD-E2E-A11Y-4', 'claire.martin@exemple.fr');
  await visit(operator, `${demo.base}/console/settings/shop?merchant=${order.merchant_id}`);
  assert.equal(await operator.locator('#goodwill_monthly').count(), 1);
  await assertAccessible(operator, 'a shop’s settings');
});

test('console: merchants and a merchant', async () => {
  await visit(operator, demo.base + '/console/merchants');
  const links = operator.locator('main table a.case-link');
  assert.equal(await links.count(), 4, 'the demo has four shops');
  await assertAccessible(operator, 'the merchants page');
  await shot(operator, 'console-merchants');
  await submit(operator, links.first());
  assert.match(operator.url(), /\/console\/merchants\/[0-9a-f-]{36}$/);
  await assertAccessible(operator, 'a merchant page');
});

test('console: settings', async () => {
  await visit(operator, demo.base + '/console/settings');
  await assertAccessible(operator, 'the settings page');
  await shot(operator, 'console-settings');
});

test('console: policy editor', async () => {
  await visit(operator, demo.base + '/console/policy');
  assert.ok((await operator.locator('main form').count()) >= 1, 'the policy page should be an editor');
  await assertAccessible(operator, 'the policy editor');
  await shot(operator, 'console-policy');
  assertNoProblems(operator);
});
