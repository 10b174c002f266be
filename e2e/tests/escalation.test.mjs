// The buyer calls the marketplace in, once the shop had its say (before, the
// page says from when they may); an operator finds the case in the console
// inbox, opens it and writes to the buyer as the platform.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, api, LOGINS, OPERATOR_KEY, MERCHANT_KEY } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, submit, visit, mainText, findOrder, requestReturn, staffPage, notice, squash } from '../lib/browser.mjs';

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

test('an operator steps into a case the buyer escalated', async (t) => {
  const base = demo.base;
  const number = 'CMD-E2E-MEDIATION-1';
  await createOrder(base, number, 'claire.martin@exemple.fr');
  const buyer = await newPage(browser);
  await findOrder(buyer, base, number, 'claire.martin@exemple.fr');
  const caseId = await requestReturn(buyer);
  const reason = 'La boutique ne répond pas à ma demande de retour.';
  const message = 'Bonjour, la plateforme prend le relais : nous demandons à la boutique de vous répondre sous 48 heures.';

  await t.test('until the shop answers, the buyer is told from when the platform can step in', async () => {
    const from = squash(await buyer.locator('.next-step .escalate-from').innerText());
    assert.match(from, /^Vous pourrez demander l’intervention du Marché des Créateurs à partir du \d+ \S+ \d{4} à \d{2}:\d{2}, si la boutique ne vous a pas répondu d’ici là\.$/);
    assert.equal(await buyer.locator('details.action summary', { hasText: /^Faire appel au / }).count(), 0);
    // The shop answers, without settling it.
    await api(base, MERCHANT_KEY, 'POST', `/cases/${caseId}/messages`, { body: 'Bonjour, nous étudions votre demande de retour.' });
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    assert.equal(await buyer.locator('.escalate-from').count(), 0);
  });

  await t.test('the buyer asks the platform to step in', async () => {
    const details = buyer.locator('details.action', { has: buyer.locator('summary', { hasText: /^Faire appel au / }) });
    assert.equal(await details.count(), 1, 'the buyer should be offered to call the platform in');
    assert.equal(squash(await details.locator('summary').innerText()), 'Faire appel au Marché des Créateurs');
    await details.locator('summary').click();
    assert.match(squash(await details.innerText()), /peut intervenir comme médiateur entre vous/);
    await details.locator('input[name=reason]').fill(reason);
    const response = await submit(buyer, details.getByRole('button', { name: "Demander l'intervention" }));
    assert.equal(response.status(), 200);
    assert.equal(await notice(buyer), "Votre demande d'intervention est transmise à la plateforme.");
    assert.match(await mainText(buyer), new RegExp(reason));
    // What is offered next is the following stage: a decision of the platform (arbitration).
    const next = buyer.locator('details.action', { has: buyer.locator('summary', { hasText: /^Demander une décision au Marché des Créateurs$/ }) });
    assert.equal(await next.count(), 1, 'the next step is a decision of the platform');
    assert.match(squash(await next.textContent()), /sa décision s'impose à la boutique/);
    // The message form now speaks to both.
    assert.ok(await buyer.getByRole('heading', { name: 'Écrire à la boutique et à la plateforme' }).count() === 1);
    const { case: escalated } = await api(base, OPERATOR_KEY, 'GET', `/cases/${caseId}`);
    assert.equal(escalated.stage, 'mediation');
  });

  const operator = await staffPage(browser, base, LOGINS.operator);

  await t.test('the operator finds it in the inbox', async () => {
    await visit(operator, base + '/console');
    const rows = operator.locator('#results tr[data-href]');
    assert.ok((await rows.count()) > 1, 'the inbox should list the demo cases');
    // The search box filters as one types (htmx), keeping the URL in step.
    const search = operator.getByRole('search').getByLabel('Rechercher');
    await search.pressSequentially(number);
    await operator.waitForURL(/[?&]q=CMD-E2E-MEDIATION-1/);
    await operator.waitForFunction(
      (n) => { const r = document.querySelectorAll('#results tr[data-href]'); return r.length === 1 && r[0].textContent.includes(n); },
      number,
    );
    const row = rows.first();
    assert.equal(await row.getAttribute('data-href'), `/console/cases/${caseId}`);
    assert.match(squash(await row.innerText()), /Médiation/);
    // Keyboard: j selects the first row, o opens it (leaving the search box fetches nothing more).
    await operator.evaluate(() => document.querySelector('#q').blur());
    await operator.keyboard.press('j');
    assert.equal(await row.getAttribute('aria-selected'), 'true');
    await Promise.all([operator.waitForURL(`${base}/console/cases/${caseId}`), operator.keyboard.press('o')]);
    assert.match(await mainText(operator), new RegExp(`Commande ${number}`));
    assert.match(await mainText(operator), new RegExp(reason));
  });

  await t.test('the same search works without JavaScript, from the URL', async () => {
    await visit(operator, `${base}/console?q=${number}&status=open`);
    assert.deepEqual(
      await operator.locator('#results tr[data-href]').evaluateAll((rs) => rs.map((r) => r.dataset.href)),
      [`/console/cases/${caseId}`],
    );
    await visit(operator, `${base}/console?q=CMD-E2E-INCONNUE`);
    assert.equal(await operator.locator('#results tr[data-href]').count(), 0);
  });

  await t.test('a case is found by the buyer’s surname, part of the order number, or the RMA', async () => {
    const found = async (q) => {
      await visit(operator, `${base}/console?status=all&q=${encodeURIComponent(q)}`);
      return operator.locator('#results tr[data-href]').evaluateAll((rs) => rs.map((r) => r.dataset.href));
    };
    // The surname (any letter case), narrowed by a word of the order number.
    assert.deepEqual(await found('MARTIN médiation'), [`/console/cases/${caseId}`]);
    assert.deepEqual(await found('cmd-e2e-mediation'), [`/console/cases/${caseId}`]);
    // The return's authorisation number, as printed on the label.
    // (Two jumpers are over the shop's automatic limit: the marketplace authorises the return.)
    const { case: state } = await api(base, OPERATOR_KEY, 'POST', `/cases/${caseId}/return/authorise`, {});
    assert.ok(state.returns.rma, 'the return has its RMA number');
    assert.deepEqual(await found(state.returns.rma), [`/console/cases/${caseId}`]);
    assert.deepEqual(await found(state.returns.rma.toLowerCase()), [`/console/cases/${caseId}`]);
  });

  await t.test('the operator writes to the buyer', async () => {
    await visit(operator, `${base}/console/cases/${caseId}`);
    await operator.fill('#reply-body', message);
    const response = await submit(operator, operator.getByRole('button', { name: 'Envoyer au client' }));
    assert.equal(response.status(), 200);
    assert.match(await notice(operator), /\S/);
    assert.equal(await operator.inputValue('#reply-body'), '', 'the reply box should be emptied once sent');
    assert.match(await mainText(operator), new RegExp(message));
  });

  await t.test('the buyer reads the message from the platform', async () => {
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const entry = buyer.locator('.timeline li', { has: buyer.locator('.bubble', { hasText: message }) });
    assert.equal(await entry.count(), 1, 'the message should be on the buyer’s timeline once');
    assert.equal(squash(await entry.locator('.who').innerText()), 'La plateforme');
    assert.match(await entry.getAttribute('class'), /party-operator/);
  });

  assertNoProblems(buyer);
  assertNoProblems(operator);
});
