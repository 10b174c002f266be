// The marketplace mediates, then decides: the mediator writes to the shop in
// private and asks it for the proof of delivery by a deadline; the shop
// answers in private; the buyer's page never shows any of it. The mediator
// then decides for the buyer, paid by the marketplace at once and recovered
// from the shop; the shop appeals, and a second mediator (created by the
// operator's admin in the console) dismisses the appeal. The buyer is then
// offered the consumer mediator and their dossier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, api, LOGINS, OPERATOR_KEY, PASSWORD } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, visit, mainText, findOrder, staffPage, act, notice, squash, submit } from '../lib/browser.mjs';

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

test('the mediator’s private channel, a decision paid by the marketplace, an appeal heard by another mediator', async (t) => {
  const base = demo.base;
  const number = 'CMD-E2E-MEDIATION-2';
  const order = await createOrder(base, number, 'claire.martin@exemple.fr');
  const opened = await api(base, OPERATOR_KEY, 'POST', '/cases', {
    order_id: order.id, kind: 'incident', reason: 'damaged_in_transit',
    items: [{ line_id: '1', quantity: 1 }], description: 'Le pull est arrivé déchiré, le carton ouvert.',
  });
  const caseId = opened.case_id;
  await api(base, OPERATOR_KEY, 'POST', `/cases/${caseId}/escalate`, { to: 'mediation', reason: 'La boutique conteste le dommage' });
  const caseUrl = `${base}/console/cases/${caseId}`;
  const toShop = 'Bonjour, pouvez-vous me transmettre le suivi détaillé du colis ?';
  const request = 'La preuve de livraison signée par la cliente, s’il vous plaît.';
  const answer = 'Voici la preuve de livraison : le colis a été remis en main propre, sans réserve.';
  const mediator = await staffPage(browser, base, LOGINS.mediator);
  const shop = await staffPage(browser, base, LOGINS.merchantAdmin);
  const buyer = await newPage(browser);

  await t.test('the mediator writes to the shop in private and asks for the proof of delivery', async () => {
    await visit(mediator, caseUrl);
    let response = await act(mediator, 'Écrire en privé à une partie', async (form) => {
      await form.locator('input[name=channel][value=merchant]').check();
      await form.locator('textarea[name=body]').fill(toShop);
    });
    assert.equal(response.status(), 200);
    assert.equal(await notice(mediator), 'Message privé envoyé.');
    const entry = mediator.locator('.timeline li', { has: mediator.locator('.bubble', { hasText: toShop }) });
    assert.equal(await entry.count(), 1);
    assert.equal(squash(await entry.locator('.badge.private').innerText()), 'Privé — invisible pour le client');
    response = await act(mediator, 'Demander des informations', async (form) => {
      assert.ok(await form.locator('input[name=from][value=merchant]').isChecked(), 'the shop is asked by default');
      assert.match(await form.locator('input[name=due_at]').inputValue(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'a deadline is offered');
      await form.locator('textarea[name=request]').fill(request);
    });
    assert.equal(response.status(), 200);
    assert.equal(await notice(mediator), 'Demande d’information envoyée.');
  });

  await t.test('the shop reads both, with the deadline, and answers in private', async () => {
    await visit(shop, caseUrl);
    const panel = shop.locator('section', { has: shop.getByRole('heading', { name: 'Médiation et arbitrage' }) });
    assert.match(squash(await panel.innerText()), new RegExp(`À la boutique.*${request}.*À fournir avant le \\d+ \\S+ \\d{4} à \\d{2}:\\d{2}`));
    assert.match(await mainText(shop), new RegExp(toShop));
    const entry = shop.locator('.timeline li', { has: shop.locator('.bubble', { hasText: toShop }) });
    assert.equal(squash(await entry.locator('.badge.private').innerText()), 'Échange privé avec le médiateur — invisible pour le client');
    const response = await act(shop, 'Écrire au médiateur (le client ne verra pas ce message)', async (form) => {
      await form.locator('textarea[name=body]').fill(answer);
    });
    assert.equal(response.status(), 200);
    assert.equal(await notice(shop), 'Message privé envoyé.');
    assert.match(await mainText(shop), new RegExp(answer));
  });

  await t.test('the buyer’s page never shows the shop’s private exchange', async () => {
    await findOrder(buyer, base, number, 'claire.martin@exemple.fr');
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const text = await mainText(buyer);
    for (const hidden of [toShop, request, answer]) {
      assert.ok(!text.includes(hidden), `the buyer should never read « ${hidden} »`);
    }
    assert.equal(await buyer.locator('.badge.private').count(), 0);
    // The buyer has a private channel of their own.
    assert.equal(await buyer.getByRole('heading', { name: 'Écrire au médiateur (la boutique ne verra pas ce message)' }).count(), 1);
  });

  await t.test('the shop’s answer answered the request', async () => {
    await visit(mediator, caseUrl);
    const panel = mediator.locator('section', { has: mediator.getByRole('heading', { name: 'Médiation et arbitrage' }) });
    assert.match(squash(await panel.innerText()), /Réponse reçue le/);
    assert.match(await mainText(mediator), new RegExp(answer));
  });

  await t.test('the mediator decides for the buyer, paid by the marketplace and recovered from the shop', async () => {
    let response = await act(mediator, /^Transmettre/, async (form) => {
      await form.locator('input[name=reason]').fill('La médiation n’a pas abouti');
    });
    assert.equal(response.status(), 200);
    response = await act(mediator, "Rendre une décision d'arbitrage", async (form) => {
      await form.locator('select[name=outcome]').selectOption('buyer_favoured');
      await form.locator('select[name=kind]').selectOption('partial_refund');
      await form.locator('input[name=amount]').fill('89');
      await form.locator('textarea[name=rationale]').fill('La preuve de livraison ne dit rien de l’état du colis ; les photos de la cliente montrent un pull déchiré.\n\nLa plateforme rembourse le pull et le récupère auprès de la boutique.');
      await form.locator('textarea[name=cites]').fill('C. conso L216-2');
      await form.locator('input[name=paid_by]').check();
      await form.locator('input[name=recover_from_merchant]').check();
      await form.locator('input[name=confirm]').check();
    });
    assert.equal(response.status(), 200);
    assert.equal(await notice(mediator), 'Décision enregistrée.');
    const { balance } = await api(base, OPERATOR_KEY, 'GET', `/orders/${order.id}/ledger`);
    assert.equal(balance.marketplace_paid.amount_minor, 8900);
    assert.equal(balance.due_from_merchant.amount_minor, 8900);
    assert.equal(balance.refunded.amount_minor, 8900);
    // The mediator who decided does not hear an appeal.
    assert.match(await mainText(mediator), /Recours possible jusqu’au/);
  });

  await t.test('the shop owes it back, and appeals', async () => {
    await visit(shop, caseUrl);
    const money = shop.locator('section', { has: shop.getByRole('heading', { name: 'Argent de la commande' }) });
    const text = squash(await money.innerText());
    assert.match(text, /Payé par la plateforme 89,00 €/);
    assert.match(text, /Dû par la boutique à la plateforme 89,00 €/);
    const response = await act(shop, 'Former un recours contre la décision', async (form) => {
      await form.locator('textarea[name=grounds]').fill('Le colis a été remis sans réserve : le dommage est survenu après la livraison.');
    });
    assert.equal(response.status(), 200);
    assert.equal(await notice(shop), 'Recours formé : un autre médiateur va réexaminer le dossier.');
    await visit(mediator, caseUrl);
    assert.equal(await mediator.locator('details.action summary', { hasText: 'Examiner le recours' }).count(), 0,
      'the mediator who decided should not be offered to hear the appeal');
  });

  const second = { name: 'Nadia Recours', email: 'recours-e2e@marche-demo.fr' };

  await t.test('the operator’s admin adds a second mediator', async () => {
    const admin = await staffPage(browser, base, LOGINS.operator);
    await visit(admin, `${base}/console/settings`);
    const add = admin.locator('details.action', { has: admin.locator('summary', { hasText: 'Ajouter un compte' }) });
    await add.locator('summary').click();
    await add.locator('#user-name').fill(second.name);
    await add.locator('#email').fill(second.email);
    await add.locator('#role').selectOption('mediator');
    await add.locator('#password').fill(PASSWORD);
    const response = await submit(admin, add.getByRole('button', { name: 'Créer le compte' }));
    assert.equal(response.status(), 200);
    assert.match(await mainText(admin), new RegExp(second.email));
    assertNoProblems(admin);
    await admin.context().close();
  });

  await t.test('the second mediator dismisses the appeal', async () => {
    const other = await staffPage(browser, base, second.email);
    await visit(other, caseUrl);
    const response = await act(other, 'Examiner le recours', async (form) => {
      assert.match(squash(await form.innerText()), /Décision contestée : Remboursement partiel de 89,00 €/);
      assert.ok(await form.locator('input[name=appeal][value=dismissed]').isChecked());
      await form.locator('textarea[name=grounds]').fill('La remise sans réserve ne prouve pas l’état du contenu ; les photos datées du jour de la livraison l’emportent.');
    });
    assert.equal(response.status(), 200);
    assert.equal(await notice(other), 'Recours rejeté : la décision est confirmée.');
    // The recovery stands.
    const { balance } = await api(base, OPERATOR_KEY, 'GET', `/orders/${order.id}/ledger`);
    assert.equal(balance.due_from_merchant.amount_minor, 8900);
    assertNoProblems(other);
    await other.context().close();
  });

  await t.test('the buyer is told, and offered the consumer mediator with the dossier', async () => {
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const appeal = squash(await buyer.locator('#recours').innerText());
    assert.match(appeal, /La boutique a formé un recours le/);
    assert.match(appeal, /Recours rejeté : la décision est confirmée/);
    const consumer = buyer.locator('#mediateur-consommation');
    assert.match(squash(await consumer.innerText()), /Médiation du Commerce Connecté/);
    assert.equal(await consumer.getByRole('link', { name: 'Télécharger mon dossier (PDF)' }).getAttribute('href'), `/suivi/dossier/${caseId}/dossier.pdf`);
    const [download] = await Promise.all([
      buyer.waitForEvent('download'),
      consumer.getByRole('link', { name: 'Télécharger mon dossier (PDF)' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.pdf$/);
    // Still nothing of the shop's private exchange.
    const text = await mainText(buyer);
    assert.ok(!text.includes(answer) && !text.includes(request));
  });

  await t.test('in English, the shop reads what it owes and how the appeal ended', async () => {
    await visit(shop, `${base}/langue/en?next=${encodeURIComponent(`/console/cases/${caseId}`)}`);
    const money = shop.locator('section', { has: shop.getByRole('heading', { name: "The order's money" }) });
    const text = squash(await money.innerText());
    assert.match(text, /Paid by the marketplace €89\.00/);
    assert.match(text, /Owed by the shop to the marketplace €89\.00/);
    assert.match(await mainText(shop), /Appeal dismissed: the decision stands/);
    assert.match(await mainText(shop), /Private exchange with the mediator — the buyer cannot see it/);
  });

  assertNoProblems(mediator);
  assertNoProblems(shop);
  assertNoProblems(buyer);
});
