// A binding decision that calls for a refund is not a settlement: the case
// waits for the shop's payment, says so to every party, stays in the shop's
// inbox, and is settled only once the shop refunds. The mediator decides but
// is never offered to move money.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, api, LOGINS, OPERATOR_KEY } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, visit, mainText, findOrder, staffPage, act, notice, squash } from '../lib/browser.mjs';

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

test('a decision for a refund waits for the shop to pay it', async (t) => {
  const base = demo.base;
  const number = 'CMD-E2E-DECISION-1';
  const order = await createOrder(base, number, 'claire.martin@exemple.fr');
  // A damaged parcel the shop and the buyer could not agree on: the marketplace arbitrates.
  const opened = await api(base, OPERATOR_KEY, 'POST', '/cases', {
    order_id: order.id, kind: 'incident', reason: 'damaged_in_transit',
    items: [{ line_id: '1', quantity: 1 }], description: 'Le pull est arrivé déchiré.',
  });
  const caseId = opened.case_id;
  await api(base, OPERATOR_KEY, 'POST', `/cases/${caseId}/escalate`, { to: 'arbitration', reason: 'Pas d’accord entre les parties' });
  const caseUrl = `${base}/console/cases/${caseId}`;
  const mediator = await staffPage(browser, base, LOGINS.mediator);
  const shop = await staffPage(browser, base, LOGINS.merchantAdmin);
  const buyer = await newPage(browser);

  await t.test('the mediator decides a full refund, and is offered no way to pay it', async () => {
    await visit(mediator, caseUrl);
    for (const money of ['Rembourser', 'Émettre un avoir', 'Geste commercial']) {
      const offered = mediator.locator('details.action summary', { hasText: money });
      assert.equal(await offered.count(), 0, `the mediator should not be offered "${money}"`);
    }
    const response = await act(mediator, "Rendre une décision d'arbitrage", async (form) => {
      await form.locator('select[name=outcome]').selectOption('buyer_favoured');
      await form.locator('select[name=kind]').selectOption('full_refund');
      await form.locator('textarea[name=rationale]').fill('Les photos montrent un article déchiré à la livraison.\n\nLa boutique rembourse la commande.');
      await form.locator('input[name=confirm]').check();
    });
    assert.equal(response.status(), 200);
    assert.equal(squash(await mediator.locator('.page-head .badge').first().innerText()), 'En attente de paiement');
    assert.match(await mainText(mediator), /À verser par la boutique avant le \d+ \S+ \d{4} : Remboursement intégral/);
  });

  await t.test('the buyer is told what is owed and by when, not that it is settled', async () => {
    await findOrder(buyer, base, number, 'claire.martin@exemple.fr');
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const next = squash(await buyer.locator('.next-step').innerText());
    assert.match(next, /la boutique doit vous le verser au plus tard le \d+ \S+ \d{4}/);
    assert.doesNotMatch(next, /Dossier réglé/);
  });

  await t.test('the case stays in the shop’s inbox, with the payment as its deadline', async () => {
    await visit(shop, `${base}/console`);
    const row = shop.locator('tr', { has: shop.locator(`a[href="/console/cases/${caseId}"]`) });
    assert.equal(await row.count(), 1, 'the awaited payment should be in the shop’s inbox');
  });

  await t.test('the shop pays, and only then is the case settled', async () => {
    await visit(shop, caseUrl);
    assert.equal(squash(await shop.locator('.page-head .badge').first().innerText()), 'En attente de paiement');
    const response = await act(shop, 'Rembourser', async (form) => {
      await form.locator('input[name=confirm]').check();
    });
    assert.equal(response.status(), 200);
    assert.match(await notice(shop), /\S/);
    assert.equal(squash(await shop.locator('.page-head .badge').first().innerText()), 'Réglé');
    const { case: paid } = await api(base, OPERATOR_KEY, 'GET', `/cases/${caseId}`);
    assert.equal(paid.status, 'resolved');
    assert.equal(paid.resolution.kind, 'full_refund');
    assert.equal(paid.refunds.length, 1);
  });

  assertNoProblems(mediator);
  assertNoProblems(shop);
  assertNoProblems(buyer);
});
