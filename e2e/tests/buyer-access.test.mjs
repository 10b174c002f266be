// The buyer portal only opens what the buyer proved they own, and its forms
// keep what was typed when they answer with an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, api, OPERATOR_KEY } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, submit, visit, mainText, findOrder, requestReturn, squash } from '../lib/browser.mjs';

let demo;
let browser;
let mine;
let theirs;
before(async () => {
  demo = await startDemo();
  browser = await launch();
  mine = await createOrder(demo.base, 'CMD-E2E-ACCES-1', 'claire.martin@exemple.fr');
  theirs = await createOrder(demo.base, 'CMD-E2E-ACCES-2', 'paul.durand@exemple.fr');
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function assertNotFound(page, url, secret) {
  const response = await page.goto(url);
  assert.equal(response.status(), 404, `${url} should answer 404, not ${response.status()}`);
  assert.equal(squash(await page.locator('h1').innerText()), 'Page introuvable', url);
  assert.match(await page.title(), /Page introuvable/);
  if (secret) assert.doesNotMatch(await page.content(), new RegExp(secret), `${url} should not leak ${secret}`);
}

test('changing the id in the URL does not open somebody else’s order or case', async () => {
  const base = demo.base;
  // Another buyer's case, on the other order.
  const other = await newPage(browser);
  await findOrder(other, base, 'CMD-E2E-ACCES-2', 'paul.durand@exemple.fr');
  const theirCase = await requestReturn(other);
  // And a case of the seeded demo data.
  const { items } = await api(base, OPERATOR_KEY, 'GET', '/cases?limit=1&kind=return');
  const demoCase = items[0];

  const page = await newPage(browser);
  await findOrder(page, base, 'CMD-E2E-ACCES-1', 'claire.martin@exemple.fr');
  await visit(page, `${base}/suivi/commande/${mine.id}`);
  assert.match(await mainText(page), /Commande CMD-E2E-ACCES-1/);

  await assertNotFound(page, `${base}/suivi/commande/${theirs.id}`, 'CMD-E2E-ACCES-2');
  await assertNotFound(page, `${base}/suivi/commande/${theirs.id}/retour`, 'CMD-E2E-ACCES-2');
  await assertNotFound(page, `${base}/suivi/dossier/${theirCase}`, 'CMD-E2E-ACCES-2');
  await assertNotFound(page, `${base}/suivi/dossier/${demoCase.case_id}`, demoCase.order_external_id);
  // An id that exists nowhere looks exactly the same.
  await assertNotFound(page, `${base}/suivi/commande/00000000-0000-4000-8000-000000000000`);

  // Posting to the other order's return form is refused as well, and creates nothing.
  const csrf = await page.goto(`${base}/suivi/commande/${mine.id}/retour`).then(() => page.locator('input[name=csrf]').first().inputValue());
  const posted = await page.request.post(`${base}/suivi/commande/${theirs.id}/retour`, {
    multipart: { csrf, qty_0: '1', reason_0: 'changed_mind' },
    maxRedirects: 0,
  });
  assert.equal(posted.status(), 404);
  const { items: theirCases } = await api(base, OPERATOR_KEY, 'GET', `/cases?order_id=${theirs.id}&limit=10`);
  assert.deepEqual(theirCases.map((c) => c.case_id), [theirCase]);

  // The buyer's own order still opens.
  await visit(page, `${base}/suivi/commande/${mine.id}`);
  assertNoProblems(other);
});

test('a wrong e-mail address does not open the order, and keeps the number typed', async () => {
  const base = demo.base;
  const page = await newPage(browser);
  await visit(page, base + '/suivi');
  await page.fill('#order_number', 'CMD-E2E-ACCES-2');
  await page.fill('#email', 'claire.martin@exemple.fr');
  const response = await submit(page, page.getByRole('button', { name: 'Accéder à ma commande' }));
  assert.equal(response.status(), 404);
  assert.match(page.url(), /\/suivi$/);
  assert.match(await mainText(page), /Aucune commande ne correspond/);
  assert.equal(await page.inputValue('#order_number'), 'CMD-E2E-ACCES-2');
  assert.equal(await page.inputValue('#email'), 'claire.martin@exemple.fr');
  // Without a session, the order page sends the buyer back to the lookup form.
  await visit(page, `${base}/suivi/commande/${theirs.id}`);
  assert.match(page.url(), /\/suivi\?acces=expire$/);
  assert.equal(squash(await page.locator('h1').innerText()), 'Suivre ma commande');
  assert.doesNotMatch(await mainText(page), /Pull en laine mérinos/);
  assertNoProblems(page);
});

test('the return form keeps what was typed when it is refused', async () => {
  const base = demo.base;
  const page = await newPage(browser);
  await findOrder(page, base, 'CMD-E2E-ACCES-1', 'claire.martin@exemple.fr');
  await submit(page, page.getByRole('link', { name: 'Retourner des articles' }));
  const comment = 'Les manches sont trop longues.\nJe voudrais un échange.';
  await page.selectOption('#reason_0', 'defective');
  await page.check('input[name=preferred][value=exchange]');
  await page.fill('#comment', comment);
  // No quantity chosen (the select stays at 0).
  assert.equal(await page.inputValue('#qty_0'), '0');

  const response = await submit(page, page.getByRole('button', { name: 'Envoyer ma demande' }));
  assert.equal(response.status(), 422);
  assert.equal(page.url(), `${base}/suivi/commande/${mine.id}/retour`);
  const summary = page.locator('#form-errors[role=alert]');
  assert.match(squash(await summary.innerText()), /Ce formulaire n'a pas pu être enregistré/);
  const message = 'Choisissez au moins un article à retourner.';
  assert.equal(squash(await summary.locator('li').innerText()), message);
  // The summary links to the field, and the field says the same thing beside it.
  assert.equal(await summary.locator('li a').getAttribute('href'), '#qty_0');
  assert.equal(squash(await page.locator('#qty_0-error').innerText()), message);
  assert.equal(await page.getAttribute('#qty_0', 'aria-invalid'), 'true');
  assert.equal(await page.getAttribute('#qty_0', 'aria-describedby'), 'qty_0-error');
  assert.equal(await page.inputValue('#comment'), comment, 'the comment should be kept');
  assert.equal(await page.inputValue('#reason_0'), 'defective', 'the reason should be kept');
  assert.equal(await page.isChecked('input[name=preferred][value=exchange]'), true, 'the preferred outcome should be kept');

  // Nothing was created: the order page lists no request.
  await visit(page, `${base}/suivi/commande/${mine.id}`);
  assert.equal(await page.locator('#cases-h').count(), 0, 'no case should have been opened');
  assertNoProblems(page);
});
