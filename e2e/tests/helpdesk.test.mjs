// The helpdesk in a browser: an agent takes a case and hands it on from the
// case page; a bulk reply with a canned reply from the inbox; and the live
// collision warning — two people of the same shop on one case, the second
// sees the first writing within seconds (htmx heartbeats, no reload).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, api, LOGINS, MERCHANT_KEY } from '../lib/amiable.mjs';
import { assertNoProblems, submit, visit, staffPage, mainText, notice, shot } from '../lib/browser.mjs';

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

/** A fresh Maison Colette order with an incident the shop must answer; resolves with the case id. */
async function openCase(number) {
  const order = await createOrder(demo.base, number, 'claire.martin@exemple.fr');
  const opened = await api(demo.base, MERCHANT_KEY, 'POST', '/cases', {
    order_id: order.id,
    kind: 'incident',
    reason: 'damaged_in_transit',
    items: [{ line_id: '1', quantity: 1 }],
    description: 'Un pull est arrivé avec un accroc sur la manche.',
  });
  return opened.case_id;
}

test('an agent takes a case, then hands it to a colleague and to the team', async () => {
  const caseId = await openCase('CMD-E2E-HD-1');
  const page = await staffPage(browser, demo.base, LOGINS.merchantAgent);
  await visit(page, `${demo.base}/console/cases/${caseId}`);
  const panel = page.locator('section[aria-labelledby=assign-h]');
  assert.match(await panel.innerText(), /Non attribué/);

  await submit(page, panel.getByRole('button', { name: 'Me l’attribuer' }));
  assert.equal(await notice(page), 'Attribution enregistrée.');
  assert.match(await page.locator('#assignee-now').innerText(), /Attribué à Léa Garnier/);
  assert.equal(await panel.getByRole('button', { name: 'Me l’attribuer' }).count(), 0, 'already hers');

  await page.selectOption('#assignee', { label: 'Hugo Marchand' });
  await submit(page, panel.getByRole('button', { name: 'Attribuer', exact: true }));
  assert.match(await page.locator('#assignee-now').innerText(), /Attribué à Hugo Marchand/);
  assert.match(await mainText(page), /Attribué à Hugo Marchand/, 'the timeline says so too');

  // To the team: its next member in turn.
  await page.selectOption('#assignee', { label: 'Service client (au suivant de l’équipe)' });
  await submit(page, panel.getByRole('button', { name: 'Attribuer', exact: true }));
  assert.match(await page.locator('#assignee-now').innerText(), /· Service client/);

  // « Mes dossiers » lists what is hers.
  await visit(page, `${demo.base}/console?assignee=me&status=open&sort=activity`);
  assert.equal(await page.getByRole('link', { name: 'Mes dossiers' }).getAttribute('aria-current'), 'page');
  assertNoProblems(page);
  await page.context().close();
});

test('a bulk reply with a canned reply from the inbox', async () => {
  const first = await openCase('CMD-E2E-HD-B1');
  const second = await openCase('CMD-E2E-HD-B2');
  const page = await staffPage(browser, demo.base, LOGINS.merchantAgent);
  await visit(page, `${demo.base}/console?q=CMD-E2E-HD-B&status=open&sort=activity`);
  await page.getByLabel('Cocher le dossier CMD-E2E-HD-B1').check();
  await page.getByLabel('Cocher le dossier CMD-E2E-HD-B2').check();
  await page.selectOption('#bulk-macro', { label: 'Délai de traitement' });
  await shot(page, 'console-inbox-bulk', { fullPage: false });
  await submit(page, page.getByRole('button', { name: 'Envoyer la réponse type' }));
  assert.match(await mainText(page), /2 sur 2 fait\(s\)\./);

  for (const [caseId, number] of [[first, 'CMD-E2E-HD-B1'], [second, 'CMD-E2E-HD-B2']]) {
    await visit(page, `${demo.base}/console/cases/${caseId}`);
    const text = await mainText(page);
    assert.match(text, /Bonjour Claire Martin, Merci pour votre patience\.|Bonjour Claire Martin,/);
    assert.match(text, new RegExp(`commande ${number}\\) est entre les mains de Léa Garnier`));
    assert.doesNotMatch(text, /\{(client|commande|agent|echeance)\}/, 'every variable is filled in');
  }
  assertNoProblems(page);
  await page.context().close();
});

test('the second person on a case sees the first one writing, live', async () => {
  const caseId = await openCase('CMD-E2E-HD-C1');
  const agent = await staffPage(browser, demo.base, LOGINS.merchantAgent);
  const manager = await staffPage(browser, demo.base, LOGINS.merchantAdmin);
  await visit(agent, `${demo.base}/console/cases/${caseId}`);
  await visit(manager, `${demo.base}/console/cases/${caseId}`);
  // The manager arrived second: the agent was already there.
  assert.match(await manager.locator('#presence-notes').innerText(), /Léa Garnier consulte aussi ce dossier\./);
  // The agent sees the manager at their next heartbeat.
  await agent.locator('#presence-notes').getByText('Camille Roux consulte aussi ce dossier.').waitFor({ timeout: 12_000 });

  // The agent starts a reply: within a few seconds, without reloading, the manager is warned.
  await agent.locator('#reply-body').click();
  await agent.keyboard.type('Bonjour Claire, nous regardons votre colis');
  const started = Date.now();
  await manager.locator('#presence-notes').getByText('Léa Garnier est en train d’écrire une réponse.').waitFor({ timeout: 12_000 });
  assert.ok(Date.now() - started < 12_000);
  await shot(manager, 'console-case-collision', { fullPage: false });
  assertNoProblems(agent);
  assertNoProblems(manager);
  await agent.context().close();
  await manager.context().close();
});
