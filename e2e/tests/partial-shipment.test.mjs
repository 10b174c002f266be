// An order shipped in part, in the browser: each line says where it is, in one
// sentence with the law on demand; the reasons offered fit each product; the
// line never shipped is cancelled, not returned; the buyer who pays the return
// sends the parcel their own way and declares it with a photo of the receipt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, api, OPERATOR_KEY } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, submit, visit, mainText, findOrder, notice, PNG } from '../lib/browser.mjs';

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

const days = (n) => new Date(Date.now() - n * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');

test('an order shipped in part', async (t) => {
  const base = demo.base;
  const number = 'CMD-E2E-PARTIEL-1';
  const email = 'claire.martin@exemple.fr';
  // Le Grenier de Louise: the buyer pays returns.
  const merchants = await api(base, OPERATOR_KEY, 'GET', '/merchants');
  const shop = (merchants.items ?? merchants).find((m) => m.slug === 'grenier-de-louise');
  assert.ok(shop, 'the demo has the Grenier de Louise');
  const { order } = await api(base, OPERATOR_KEY, 'POST', '/orders', {
    merchant_id: shop.id,
    order: {
      external_id: number,
      placed_at: days(6),
      currency: 'EUR',
      buyer: { name: 'Claire Martin', email, locale: 'fr' },
      lines: [
        { sku: 'VASE-GRES', title: 'Vase en grès émaillé', category: 'décoration', quantity: 1, unit_price_minor: 4200 },
        { sku: 'NAPPE-LIN', title: 'Nappe en lin lavé', category: 'linge de maison', quantity: 1, unit_price_minor: 6900 },
      ],
      shipping_minor: 590,
      payment: { provider: 'stripe', transaction_id: `ch_${number}`, captured_minor: 11690 },
      shipping_address: { lines: ['8 rue des Lilas'], postal_code: '69003', city: 'Lyon', country: 'FR' },
      shipments: [{ carrier: 'Colissimo', shipped_at: days(5), delivered_at: days(2), lines: [{ line_id: '1', quantity: 1 }] }],
    },
  });
  const buyer = await newPage(browser);

  await t.test('each line says where it is, in one sentence', async () => {
    await findOrder(buyer, base, number, email);
    const text = await mainText(buyer);
    assert.match(text, /Un article n'est pas encore expédié/);
    assert.match(text, /livré le/);
    assert.match(text, /pas encore expédié/);
    assert.match(text, /Pas encore expédié : vous pouvez l'annuler, sans rien renvoyer\./);
    assert.doesNotMatch(text, /Livrée par/);
    assert.equal(await buyer.locator('p.verdict').count(), 2, 'one sentence per line');
    // The articles on demand.
    const why = buyer.locator('details.why').nth(1);
    assert.equal(await why.locator('p').first().isVisible(), false);
    await why.locator('summary').click();
    assert.match(await why.innerText(), /L221-24/);
    assertNoProblems(buyer);
  });

  await t.test('the return form offers reasons that fit each product', async () => {
    await submit(buyer, buyer.getByRole('link', { name: 'Retourner des articles' }));
    const vase = await buyer.locator('#reason_0 option').evaluateAll((o) => o.map((x) => x.value));
    assert.ok(vase.includes('damaged_in_transit.broken') && !vase.includes('defective.battery'), vase.join(' '));
    assert.ok(vase.includes('other'));
    const tablecloth = await buyer.locator('#reason_1 option').evaluateAll((o) => o.map((x) => x.value));
    assert.deepEqual(tablecloth, ['changed_mind'], 'a line not shipped can only be cancelled');
  });

  await t.test('the tablecloth never shipped is cancelled, with nothing to send', async () => {
    await buyer.selectOption('#qty_1', '1');
    const response = await submit(buyer, buyer.getByRole('button', { name: 'Envoyer ma demande' }));
    assert.equal(response.status(), 200);
    assert.match(buyer.url(), /\/suivi\/dossier\/[0-9a-f-]{36}\?fait=return-requested$/);
    const text = await mainText(buyer);
    assert.doesNotMatch(text, /Vous renvoyez le colis vous-même/);
    assert.equal(await buyer.getByRole('link', { name: "Télécharger l'étiquette (A6)" }).count(), 0);
  });

  await t.test('the buyer sends the vase back and declares the parcel', async () => {
    await visit(buyer, `${base}/suivi/commande/${order.id}/retour`);
    await buyer.selectOption('#qty_0', '1');
    await buyer.selectOption('#reason_0', 'changed_mind');
    await submit(buyer, buyer.getByRole('button', { name: 'Envoyer ma demande' }));
    const caseId = buyer.url().match(/\/suivi\/dossier\/([0-9a-f-]{36})/)[1];
    await api(base, OPERATOR_KEY, 'POST', `/cases/${caseId}/return/authorise`, {});
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const text = await mainText(buyer);
    assert.match(text, /envoyez le colis à vos frais/);
    assert.match(text, /Vous renvoyez le colis vous-même/);
    assert.match(text, /RMA-/);
    await buyer.fill('#carrier', 'Mondial Relay');
    await buyer.fill('#tracking_number', 'MR-45127788');
    await buyer.setInputFiles('#receipt', { name: 'recu-depot.png', mimeType: 'image/png', buffer: PNG });
    await submit(buyer, buyer.getByRole('button', { name: "J’ai envoyé mon colis" }));
    assert.equal(await notice(buyer), 'Envoi enregistré : la boutique est prévenue.');
    const after = await mainText(buyer);
    assert.match(after, /Vous avez envoyé le colis/);
    assert.match(after, /MR-45127788/);
    assert.match(after, /Votre colis est en route vers la boutique\./);
    const state = await api(base, OPERATOR_KEY, 'GET', `/cases/${caseId}`);
    assert.equal(state.case.returns.stage, 'in_transit');
    assert.ok(state.case.returns.shipped_at, 'the proof of shipment is on record');
    assertNoProblems(buyer);
  });
});
