// Service levels in the console: the inbox's badges and its order by the
// nearest SLA deadline; a case's « Délais » panel, its clocks' pauses and an
// automation rule firing on its timeline; the SLA settings refusing
// overlapping opening hours beside the day, in French and in English, then
// saving; a shop under watch with what to improve, re-evaluated on demand;
// and the axe-core pass on the new pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, api, LOGINS, OPERATOR_KEY } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, assertAccessible, submit, visit, mainText, staffPage, notice, squash, shot } from '../lib/browser.mjs';

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

/** A case the rule « Nouvelles avant le 7ᵉ jour » wrote to when the demo was seeded. */
async function automatedCase(base) {
  const { items } = await api(base, OPERATOR_KEY, 'GET', '/cases?status=open&limit=200');
  for (const c of items) {
    const { timeline } = await api(base, OPERATOR_KEY, 'GET', `/cases/${c.case_id}`);
    if (timeline.some((e) => e.type === 'status_update_sent')) return c.case_id;
  }
  assert.fail('the demo should hold a case the silence rule wrote to');
}

test('the inbox shows each case’s service levels in words, nearest deadline first', async () => {
  const base = demo.base;
  const operator = await staffPage(browser, base, LOGINS.operator);
  await visit(operator, `${base}/console?sort=sla`);
  assert.equal(await operator.locator('#sort').inputValue(), 'sla');
  assert.equal(squash(await operator.locator('#sort option:checked').innerText()), 'Échéance SLA la plus proche');
  const badges = operator.locator('#results .sla-badge');
  assert.ok((await badges.count()) > 10, 'the open cases should carry SLA badges');
  const texts = (await badges.evaluateAll((bs) => bs.map((b) => b.firstChild.textContent))).map(squash);
  // Words, not colours: due, late, silent, paused — each with its title.
  assert.ok(texts.some((t) => /^(1ʳᵉ réponse|Réponse suivante|Prise en charge|Résolution) dans \d/.test(t)), texts.join(' | '));
  assert.ok(texts.some((t) => /^(1ʳᵉ réponse|Réponse suivante|Prise en charge|Résolution) en retard de \d/.test(t)), texts.join(' | '));
  assert.ok(texts.includes('En pause (attente du client)'), texts.join(' | '));
  assert.ok(texts.includes('En pause (attente du transporteur)'), texts.join(' | '));
  const late = operator.locator('#results .sla-badge.sla-late').first();
  assert.match(squash(await late.getAttribute('title')), /^Échéance : .+ — politique « .+ »$/);
  assert.match(squash(await late.locator('.visually-hidden').innerText()), /^\(Échéance : /);
  // Nearest first: the first case's deadline is past (an overdue one leads the list).
  assert.ok((await operator.locator('#results tbody tr').first().locator('.sla-badge.sla-late').count()) >= 1);
  await shot(operator, 'console-inbox-sla');
  // In English.
  await submit(operator, operator.locator('a.lang-switch'));
  const english = (await operator.locator('#results .sla-badge').evaluateAll((bs) => bs.map((b) => b.firstChild.textContent))).map(squash);
  assert.ok(english.some((t) => /^(1st response|Next response|Marketplace response|Resolution) (due in \d.*|.+ late)$/.test(t)), english.join(' | '));
  assert.ok(english.includes('Paused (waiting on the customer)'), english.join(' | '));
  await submit(operator, operator.locator('a.lang-switch'));
  // The next page keeps the order: the cases without a due date come last.
  const next = operator.locator('.pager a', { hasText: 'Page suivante' });
  if (await next.count()) {
    await submit(operator, next);
    assert.match(operator.url(), /sort=sla/);
    assert.ok((await operator.locator('#results tr[data-href]').count()) > 0);
  }
  assertNoProblems(operator);
});

test('the case page shows its targets, its clocks’ pauses and an automation firing', async () => {
  const base = demo.base;
  const caseId = await automatedCase(base);
  const operator = await staffPage(browser, base, LOGINS.operator);
  await visit(operator, `${base}/console/cases/${caseId}`);
  const panel = operator.locator('section#sla');
  assert.equal(squash(await panel.locator('h2').innerText()), 'Délais');
  const panelText = squash(await panel.innerText());
  assert.match(panelText, /1ʳᵉ réponse/);
  assert.match(panelText, /Nouvelles au client/);
  assert.match(panelText, /Politique Engagement du Marché des Créateurs/);
  assert.match(panelText, /(en cours|tenu|manqué)/);
  const timeline = operator.locator('ol.timeline');
  const fired = timeline.locator('li', { hasText: 'Règle automatique « Nouvelles avant le 7ᵉ jour »' });
  assert.equal(await fired.count(), 1, 'the rule’s firing should be on the timeline once');
  assert.match(squash(await fired.innerText()), /Envoyer un point d’étape au client/);
  const update = timeline.locator('li', { hasText: 'Point d’étape envoyé au client' });
  assert.equal(await update.count(), 1);
  assert.match(squash(await update.locator('.bubble').innerText()), /^Votre demande est entre les mains de /);
  // The clocks' pauses, among the events, staff only.
  const pauses = timeline.locator('li', { hasText: /Horloge «\s.+\s» en pause \(en attente (du client|du transporteur|de la place de marché)\)/ });
  assert.ok((await pauses.count()) >= 1, 'a pause of the case’s clocks should be on the timeline');
  assert.match(await pauses.first().getAttribute('class'), /internal/);
  await shot(operator, 'console-case-sla');
  assertNoProblems(operator);
});

test('the SLA settings refuse overlapping hours beside the day, in French and in English, then save', async () => {
  const base = demo.base;
  const admin = await staffPage(browser, base, LOGINS.operator);
  await visit(admin, `${base}/console/settings/sla`);
  assert.equal(squash(await admin.locator('h1').innerText()), 'Délais de service · Le Marché des Créateurs');
  assert.equal(await admin.inputValue('#week_monday_0_from'), '09:00');
  assert.equal(await admin.inputValue('#week_monday_1_from'), '13:30');
  const save = admin.locator('form[action="/console/settings/sla"] button[type=submit]');

  // 09:00–12:30 and 12:00–18:00 overlap.
  await admin.fill('#week_monday_1_from', '12:00');
  let response = await submit(admin, save);
  assert.equal(response.status(), 422);
  assert.equal(squash(await admin.locator('#week_monday-error').innerText()), 'Les créneaux d’une même journée ne doivent pas se chevaucher.');
  assert.equal(await admin.locator('#week_monday_1_from').getAttribute('aria-invalid'), 'true');
  assert.equal(await admin.inputValue('#week_monday_1_from'), '12:00', 'what was typed stays');
  const summary = admin.locator('#form-errors a[href="#week_monday"]');
  assert.equal(squash(await summary.innerText()), 'Les créneaux d’une même journée ne doivent pas se chevaucher.');

  // The same refusal in English.
  await submit(admin, admin.locator('a.lang-switch'));
  assert.equal(squash(await admin.locator('h1').innerText()), 'Service levels · Le Marché des Créateurs');
  await admin.fill('#week_monday_1_from', '12:00');
  response = await submit(admin, save);
  assert.equal(response.status(), 422);
  assert.equal(squash(await admin.locator('#week_monday-error').innerText()), 'Shifts of one day must not overlap.');

  // Inverted hours are refused beside the shift itself; a blank closure row adds nothing.
  await admin.fill('#week_monday_1_from', '13:30');
  await admin.fill('#week_tuesday_1_to', '13:00');
  response = await submit(admin, save);
  assert.equal(response.status(), 422);
  assert.equal(squash(await admin.locator('#week_tuesday_1_from-error').innerText()), 'A shift ends after it starts (09:00-12:00).');

  // Valid hours, a Saturday morning and a closure: saved, and shown back.
  await admin.fill('#week_tuesday_1_to', '18:00');
  await admin.fill('#week_saturday_0_from', '10h');
  await admin.fill('#week_saturday_0_to', '12h30');
  await admin.fill('#closure_0_from', '2026-12-24');
  await admin.fill('#closure_0_to', '2026-12-26');
  await admin.fill('#closure_0_label', 'Noël');
  response = await submit(admin, save);
  assert.equal(response.status(), 200);
  assert.match(admin.url(), /\/console\/settings\/sla\?fait=sla-saved$/);
  assert.equal(await notice(admin), 'Service levels saved; the due dates of open cases are recomputed.');
  assert.equal(await admin.inputValue('#week_saturday_0_from'), '10:00');
  assert.equal(await admin.inputValue('#week_saturday_0_to'), '12:30');
  assert.equal(await admin.inputValue('#closure_0_label'), 'Noël');
  assert.equal(await admin.locator('#closure_1_from').count(), 1, 'a blank row for the next closure');
  const { hours } = await api(base, OPERATOR_KEY, 'GET', '/sla/settings');
  assert.deepEqual(hours.week.saturday, ['10:00-12:30']);
  assert.deepEqual(hours.week.monday, ['09:00-12:30', '13:30-18:00']);
  await submit(admin, admin.locator('a.lang-switch'));
  assertNoProblems(admin);
});

test('a shop under watch: its badge, its figures, what to improve, re-evaluated on demand', async () => {
  const base = demo.base;
  const operator = await staffPage(browser, base, LOGINS.operator);
  await visit(operator, `${base}/console/merchants`);
  const row = operator.locator('tr', { has: operator.locator('a.case-link', { hasText: 'Comptoir Provençal' }) });
  assert.equal(squash(await row.locator('.badge.standing-under_watch').innerText()), 'sous surveillance');
  for (const other of ['Maison Colette', 'Le Grenier de Louise', 'Électron Libre']) {
    const line = operator.locator('tr', { has: operator.locator('a.case-link', { hasText: other }) });
    assert.equal(squash(await line.locator('.badge.standing-good').innerText()), 'en règle', other);
  }
  await submit(operator, row.locator('a.badge'));
  const section = operator.locator('section#quality');
  assert.equal(squash(await section.locator('.card-head .badge').innerText()), 'sous surveillance');
  const findings = squash(await section.locator('ul.findings').innerText());
  assert.match(findings, /1ʳᵉ réponse hors délai : \d+(,\d)? % \(\d+ sur \d+\), seuil 40 %\./);
  assert.match(findings, /Ce qu’il faut améliorer : Répondez à chaque nouveau dossier dans le délai/);
  const figures = squash(await section.locator('dl.facts').innerText());
  assert.match(figures, /1ʳᵉ réponse, médiane \(heures ouvrées\)/);
  assert.match(figures, /Satisfaction des clients \d,\d\d \/ 5 \(\d+ avis\)/);
  assert.match(squash(await section.locator('ul.history').innerText()), /en règle → sous surveillance/);
  await shot(operator, 'console-merchant-quality');
  const response = await submit(operator, section.getByRole('button', { name: 'Réévaluer maintenant' }));
  assert.equal(response.status(), 200);
  assert.equal(await notice(operator), 'Qualité réévaluée.');
  assert.equal(squash(await operator.locator('section#quality .card-head .badge').innerText()), 'sous surveillance');
  assertNoProblems(operator);

  // A shop's administrator reads its own quality from the console's navigation.
  const shop = await staffPage(browser, base, LOGINS.merchantAdmin);
  await submit(shop, shop.getByRole('navigation').getByRole('link', { name: 'Qualité' }));
  assert.match(shop.url(), /\/console\/quality$/);
  assert.equal(squash(await shop.locator('h1').innerText()), 'Qualité de service · Maison Colette');
  assert.equal(squash(await shop.locator('section#quality .card-head .badge').innerText()), 'en règle');
  assert.match(await mainText(shop), /Tous les indicateurs sont sous les seuils de la place de marché\./);
  // Its settings are its own: no marketplace response target, no automation rules.
  await visit(shop, `${base}/console/settings/sla`);
  assert.equal(squash(await shop.locator('h1').innerText()), 'Délais de service · Maison Colette');
  assert.equal(await shop.locator('[name$="_marketplace_response_within"]').count(), 0);
  await visit(shop, `${base}/console/settings/automation`, 404);
  assertNoProblems(shop);
});

test('the service-level pages pass axe-core', async () => {
  const base = demo.base;
  const caseId = await automatedCase(base);
  const page = await newPage(browser, { bypassCSP: true });
  const { signIn } = await import('../lib/amiable.mjs');
  await signIn(page, base, LOGINS.operator);
  const merchants = await api(base, OPERATOR_KEY, 'GET', '/merchants');
  const list = merchants.items;
  const comptoir = list.find((m) => m.slug === 'comptoir-provencal');
  for (const [path, what] of [
    ['/console?sort=sla', 'the inbox by SLA deadline'],
    [`/console/cases/${caseId}`, 'a case with its service levels'],
    ['/console/settings/sla', 'the SLA settings'],
    ['/console/settings/automation', 'the automation rules'],
    ['/console/settings/quality', 'the quality thresholds'],
    [`/console/merchants/${comptoir.id}`, 'a shop under watch'],
  ]) {
    await visit(page, base + path);
    await assertAccessible(page, what);
  }
  // With errors beside the fields.
  await visit(page, `${base}/console/settings/sla`);
  await page.fill('#week_monday_1_from', '12:00');
  await page.fill('#policy_0_name', '');
  const response = await submit(page, page.locator('form[action="/console/settings/sla"] button[type=submit]'));
  assert.equal(response.status(), 422);
  await assertAccessible(page, 'the SLA settings with errors');
  await shot(page, 'console-settings-sla');
  assertNoProblems(page);
});
