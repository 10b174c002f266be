// The interface in English: the language link switches every string, and
// money and dates are written the English way (€178.00, 3 Dec 2026, 14:05),
// in the marketplace's time zone; the link back to French keeps the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, LOGINS } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, submit, visit, mainText, findOrder, requestReturn, staffPage, act, notice, squash } from '../lib/browser.mjs';

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

const EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FR = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];

/** The day and time of `iso` in Paris, as numbers (computed here, independently of the server). */
function paris(iso) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris', year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return { day: Number(parts.day), month: Number(parts.month), year: Number(parts.year), time: `${parts.hour}:${parts.minute}` };
}
const shortDay = (iso, names) => { const p = paris(iso); return `${p.day} ${names[p.month - 1]} ${p.year}`; };

/** Every <time datetime> of the timeline reads as `format` says. */
async function assertTimelineTimes(page, format) {
  const times = await page.locator('.timeline time').evaluateAll((ts) => ts.map((t) => ({ iso: t.getAttribute('datetime'), text: t.textContent })));
  assert.ok(times.length >= 2, 'the timeline should have dated entries');
  for (const { iso, text } of times) assert.equal(squash(text), format(iso), `the time ${iso}`);
}

test('the portal and the console in English', async (t) => {
  const base = demo.base;
  const number = 'CMD-E2E-ENGLISH-1';
  const order = await createOrder(base, number, 'claire.martin@exemple.fr');
  const buyer = await newPage(browser);
  let caseId;

  await t.test('the language link switches the lookup page to English', async () => {
    await visit(buyer, base + '/suivi');
    assert.equal(await buyer.getAttribute('html', 'lang'), 'fr');
    assert.equal(squash(await buyer.locator('h1').innerText()), 'Suivre ma commande');
    const link = buyer.locator('a.lang-switch');
    assert.equal(squash(await link.innerText()), 'English');
    assert.equal(await link.getAttribute('lang'), 'en');
    await submit(buyer, link);
    assert.equal(buyer.url(), `${base}/suivi`, 'the switch should come back to the same page');
    assert.equal(await buyer.getAttribute('html', 'lang'), 'en');
    assert.equal(squash(await buyer.locator('h1').innerText()), 'Track my order');
    assert.equal(await buyer.getByLabel('Order number').count(), 1);
    assert.equal(await buyer.getByRole('button', { name: 'Find my order' }).count(), 1);
    assert.equal(squash(await buyer.locator('a.lang-switch').innerText()), 'Français');
    assert.doesNotMatch(await mainText(buyer), /commande|Accéder/);
  });

  await t.test('the order page writes money and dates in English', async () => {
    await findOrder(buyer, base, number, 'claire.martin@exemple.fr');
    const text = await mainText(buyer);
    assert.match(text, new RegExp(`Order ${number}`));
    const placed = shortDay(order.placed_at, EN);
    assert.match(text, new RegExp(`placed on ${placed} · total €206\\.90`));
    assert.match(text, /2 items · €89\.00/);
    assert.match(text, /1 item · €24\.00/);
    assert.match(text, new RegExp(`Colissimo parcel delivered on ${shortDay(order.shipments[0].delivered_at, EN)}`));
    assert.equal(await buyer.getByRole('link', { name: 'Return items' }).count(), 1);
    assert.doesNotMatch(text, /Retourner|Signaler|,00 €/);
  });

  await t.test('the buyer asks for a return in English', async () => {
    caseId = await requestReturn(buyer);
    assert.equal(await notice(buyer), 'Your return request has been recorded.');
    await assertTimelineTimes(buyer, (iso) => { const p = paris(iso); return `${p.day} ${EN[p.month - 1]} ${p.year}, ${p.time}`; });
  });

  await t.test('the merchant handles it in the English console', async () => {
    const merchant = await staffPage(browser, base, LOGINS.merchantAdmin);
    await visit(merchant, `${base}/console/cases/${caseId}`);
    await submit(merchant, merchant.locator('a.lang-switch', { hasText: 'English' }));
    assert.equal(merchant.url(), `${base}/console/cases/${caseId}`);
    assert.equal(await merchant.getAttribute('html', 'lang'), 'en');
    const text = await mainText(merchant);
    assert.match(text, new RegExp(`Order ${number}`));
    assert.match(text, /Captured €206\.90/);
    await act(merchant, 'Accept the return');
    assert.equal(await notice(merchant), 'Return accepted.');
    await act(merchant, 'Parcel receipt');
    assert.equal(await notice(merchant), 'Receipt recorded.');
    await act(merchant, 'Inspection');
    assert.equal(await notice(merchant), 'Inspection recorded.');
    const refused = await act(merchant, 'Refund');
    assert.equal(refused.status(), 422);
    assert.equal(squash(await merchant.locator('details.action.money[open] .field.confirm .error').innerText()), 'Tick the box to confirm.');
    await act(merchant, 'Refund', (form) => form.locator('input[name=confirm]').check());
    assert.equal(await notice(merchant), 'Refund recorded.');
    assert.match(await mainText(merchant), /Refunded €178\.00/);
    assertNoProblems(merchant);
    await merchant.context().close();
  });

  await t.test('the buyer sees the refund in English, then in French', async () => {
    await visit(buyer, `${base}/suivi/dossier/${caseId}`);
    const refunds = buyer.locator('section', { has: buyer.getByRole('heading', { name: 'Your refunds' }) });
    assert.match(squash(await refunds.innerText()), /€178\.00/);

    await submit(buyer, buyer.locator('a.lang-switch'));
    assert.equal(buyer.url(), `${base}/suivi/dossier/${caseId}`, 'the switch back should keep the page');
    assert.equal(await buyer.getAttribute('html', 'lang'), 'fr');
    const remboursements = buyer.locator('section', { has: buyer.getByRole('heading', { name: 'Vos remboursements' }) });
    assert.match(squash(await remboursements.innerText()), /178,00 €/);
    await assertTimelineTimes(buyer, (iso) => { const p = paris(iso); return `${p.day} ${FR[p.month - 1]} ${p.year} à ${p.time}`; });
  });

  assertNoProblems(buyer);
});
