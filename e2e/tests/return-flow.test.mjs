// A whole return, in the browser: the buyer finds the order and asks to
// return two jumpers with a photo; the merchant accepts; the buyer downloads
// the label; the merchant records the carrier scan, the receipt, the
// inspection and the refund (a first try without confirming is refused);
// the buyer sees the refund. Screenshots of each buyer page are taken on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startDemo, createOrder, launch, api, LOGINS, OPERATOR_KEY } from '../lib/amiable.mjs';
import {
  newPage, assertNoProblems, submit, visit, shot, mainText, findOrder, staffPage, act, notice, squash, PNG, MOBILE,
} from '../lib/browser.mjs';

let demo;
let browser;
before(async () => {
  demo = await startDemo();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('a return from the request to the refund', async (t) => {
  const base = demo.base;
  const number = 'CMD-E2E-RETOUR-1';
  const email = 'claire.martin@exemple.fr';
  const order = await createOrder(base, number, email);
  const buyer = await newPage(browser);
  let caseId;

  await t.test('the buyer finds the order', async () => {
    await visit(buyer, base + '/suivi');
    assert.equal(await buyer.locator('h1').innerText(), 'Suivre ma commande');
    await shot(buyer, 'buyer-lookup');
    await findOrder(buyer, base, number, email);
    assert.equal(buyer.url(), `${base}/suivi/commande/${order.id}`);
    const text = await mainText(buyer);
    assert.match(text, new RegExp(`Commande ${number}`));
    assert.match(text, /Pull en laine mérinos/);
    assert.match(text, /Bougie gravée/);
    assert.match(text, /89,00 €/);
    await shot(buyer, 'buyer-order');
  });

  await t.test('the order page fits a phone screen', async () => {
    const phone = await newPage(browser, { viewport: MOBILE, isMobile: true, storageState: await buyer.context().storageState() });
    await visit(phone, `${base}/suivi/commande/${order.id}`);
    const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
    assert.ok(widths.page <= widths.screen, `the page is ${widths.page}px wide on a ${widths.screen}px screen`);
    await assert.doesNotReject(phone.getByRole('link', { name: 'Retourner des articles' }).waitFor({ state: 'visible' }));
    await shot(phone, 'buyer-order-mobile');
    assertNoProblems(phone);
    await phone.context().close();
  });

  await t.test('the buyer asks for a return with a photo', async () => {
    await submit(buyer, buyer.getByRole('link', { name: 'Retourner des articles' }));
    assert.equal(buyer.url(), `${base}/suivi/commande/${order.id}/retour`);
    // The engraved candle is personalised: it cannot be returned, so it has no quantity field.
    assert.equal(await buyer.locator('#qty_1').count(), 0, 'the personalised candle should not be returnable');
    await buyer.selectOption('#qty_0', '2');
    await buyer.selectOption('#reason_0', 'changed_mind');
    await buyer.check('input[name=preferred][value=return_and_refund]');
    await buyer.fill('#comment', 'Trop grands, je préfère un remboursement.');
    await buyer.setInputFiles('#photos', { name: 'pulls.png', mimeType: 'image/png', buffer: PNG });
    const preview = buyer.locator('#photos-previews figure');
    await preview.waitFor();
    assert.equal(await preview.count(), 1);
    assert.equal(squash(await preview.locator('figcaption').innerText()), 'pulls.png');
    const img = preview.locator('img');
    assert.equal(await img.getAttribute('alt'), 'pulls.png');
    await buyer.waitForFunction(() => document.querySelector('#photos-previews img')?.naturalWidth === 64);
    assert.equal(await buyer.locator('#photos-client-error').isHidden(), true, 'a valid PNG should raise no client-side error');
    await shot(buyer, 'buyer-return');

    const response = await submit(buyer, buyer.getByRole('button', { name: 'Envoyer ma demande' }));
    assert.equal(response.status(), 200);
    const found = buyer.url().match(/\/suivi\/dossier\/([0-9a-f-]{36})\?fait=return-requested$/);
    assert.ok(found, `should land on the case page, not ${buyer.url()}`);
    caseId = found[1];
    assert.match(await notice(buyer), /\S/);
    const text = await mainText(buyer);
    assert.match(text, /Trop grands, je préfère un remboursement\./, 'the comment should be on the timeline');
    // Above the shop's 150 € automatic authorisation: no label yet.
    assert.equal(await buyer.getByRole('link', { name: "Télécharger l'étiquette (A6)" }).count(), 0);
    // The photo was stored and is served back to the buyer.
    const photo = buyer.locator('.timeline a.file img[alt="pulls.png"]');
    assert.equal(await photo.count(), 1, 'the photo should appear on the timeline');
    const src = await photo.getAttribute('src');
    const served = await buyer.request.get(new URL(src, base).href);
    assert.equal(served.status(), 200);
    assert.match(served.headers()['content-type'], /^image\/png/);
    assert.deepEqual(await served.body(), PNG, 'the stored photo should be the uploaded bytes');
  });

  const merchant = await staffPage(browser, base, LOGINS.merchantAdmin);

  await t.test('the merchant accepts the return', async () => {
    await visit(merchant, `${base}/console/cases/${caseId}`);
    assert.match(await mainText(merchant), new RegExp(number));
    await shot(merchant, 'console-case');
    const response = await act(merchant, 'Accepter le retour');
    assert.equal(response.status(), 200);
    assert.match(merchant.url(), /\?fait=authorised$/);
    assert.equal(await notice(merchant), 'Retour accepté.');
    assert.equal(await merchant.locator('summary', { hasText: 'Accepter le retour' }).count(), 0, 'accepting twice should no longer be offered');
  });

  await t.test('the buyer downloads the label', async () => {
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const a6 = buyer.getByRole('link', { name: "Télécharger l'étiquette (A6)" });
    assert.equal(await a6.getAttribute('href'), `/suivi/dossier/${caseId}/etiquette`);
    const a4 = buyer.locator(`a[href="/suivi/dossier/${caseId}/etiquette?format=a4"]`);
    assert.equal(await a4.count(), 1);
    await shot(buyer, 'buyer-case');

    const [download] = await Promise.all([buyer.waitForEvent('download'), a6.click()]);
    assert.match(download.suggestedFilename(), /\.pdf$/);
    const pdf = await readFile(await download.path());
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');

    for (const href of [`/suivi/dossier/${caseId}/etiquette`, `/suivi/dossier/${caseId}/etiquette?format=a4`]) {
      const label = await buyer.request.get(base + href);
      assert.equal(label.status(), 200, href);
      assert.match(label.headers()['content-type'], /^application\/pdf/, href);
      assert.equal((await label.body()).subarray(0, 5).toString('latin1'), '%PDF-', href);
    }
    // Another browser (no buyer session) cannot fetch it.
    const stranger = await browser.newContext();
    const refused = await stranger.request.get(`${base}/suivi/dossier/${caseId}/etiquette`, { maxRedirects: 0 });
    assert.equal(refused.status(), 303, 'without the buyer session, the label should be refused');
    assert.match(refused.headers().location, /^\/suivi\?/, 'and the stranger sent to the lookup form');
    await stranger.close();
  });

  await t.test('the merchant records the parcel, receives and inspects it', async () => {
    let response = await act(merchant, 'Enregistrer un suivi transporteur', async (form) => {
      await form.locator('select[name=status]').selectOption('in_transit');
      await form.locator('input[name=location]').fill('Lyon CTC');
    });
    assert.equal(response.status(), 200);
    assert.equal(await notice(merchant), 'Suivi enregistré.');
    response = await act(merchant, 'Réception du colis');
    assert.equal(response.status(), 200);
    assert.equal(await notice(merchant), 'Réception enregistrée.');
    response = await act(merchant, 'Contrôle des articles');
    assert.equal(response.status(), 200);
    assert.equal(await notice(merchant), 'Contrôle enregistré.');
  });

  await t.test('a refund is refused until the merchant confirms it', async () => {
    const { case: before } = await api(base, OPERATOR_KEY, 'GET', `/cases/${caseId}`);
    assert.equal(typeof before.version, 'number');
    assert.deepEqual(before.refunds ?? [], []);
    const response = await act(merchant, 'Rembourser');
    assert.equal(response.status(), 422);
    const details = merchant.locator('details.action.money').filter({ has: merchant.locator('summary', { hasText: 'Rembourser' }) });
    assert.equal(await details.evaluate((d) => d.open), true, 'the refund form should stay open');
    const field = details.locator('.field.confirm');
    assert.equal(squash(await field.locator('.error').innerText()), 'Cochez la case pour confirmer.');
    assert.equal(await field.locator('input[name=confirm]').getAttribute('aria-invalid'), 'true');
    const { case: after } = await api(base, OPERATOR_KEY, 'GET', `/cases/${caseId}`);
    assert.equal(after.version, before.version, 'nothing should have been recorded');
    assert.deepEqual(after.refunds ?? [], []);
    assert.equal(after.status, 'open');
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    assert.equal(await buyer.getByRole('heading', { name: 'Vos remboursements' }).count(), 0, 'the buyer should see no refund yet');
  });

  await t.test('the merchant refunds', async () => {
    const response = await act(merchant, 'Rembourser', async (form) => {
      await form.locator('input[name=confirm]').check();
    });
    assert.equal(response.status(), 200);
    assert.match(merchant.url(), /\?fait=refunded$/);
    assert.equal(await notice(merchant), 'Remboursement enregistré.');
    const { case: refunded } = await api(base, OPERATOR_KEY, 'GET', `/cases/${caseId}`);
    assert.deepEqual(refunded.refunds.map((r) => r.amount), [{ amount_minor: 17800, currency: 'EUR' }]);
  });

  await t.test('the buyer sees the refund', async () => {
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const section = buyer.locator('section', { has: buyer.getByRole('heading', { name: 'Vos remboursements' }) });
    assert.equal(await section.count(), 1);
    assert.match(squash(await section.innerText()), /Remboursement de 178,00 € — effectué/);
    assert.equal(squash(await buyer.locator('.page-head .badge').first().innerText()), 'Réglé');
    const steps = await buyer.locator('ol.steps li').evaluateAll((ls) => ls.map((l) => l.className));
    assert.equal(steps.length, 7);
    assert.ok(steps.every((c) => c === 'done'), `every step should be done: ${steps}`);
    await shot(buyer, 'buyer-case-refunded');
  });

  assertNoProblems(buyer);
  assertNoProblems(merchant);
});
