// Every page at a phone's, a tablet's and a laptop's width (390, 768, 1280 px):
// nothing runs off the side of the page, the return's steps are all in sight
// (never tucked away in a sideways scroller), a button's words stay on one line,
// and the inbox's search box shows its whole hint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, createOrder, launch, signIn, LOGINS } from '../lib/amiable.mjs';
import { newPage, assertNoProblems, visit, findOrder, requestReturn } from '../lib/browser.mjs';

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

const WIDTHS = [390, 768, 1280];

/** What does not fit on the page, described; empty when everything fits. */
async function overflow(page) {
  return page.evaluate(() => {
    const found = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1) found.push(`the page is ${root.scrollWidth} px wide for ${root.clientWidth}`);
    for (const steps of document.querySelectorAll('ol.steps')) {
      if (steps.scrollWidth > steps.clientWidth + 1) found.push('the return steps scroll sideways');
    }
    for (const button of document.querySelectorAll('button, .button')) {
      if (!button.offsetParent) continue;
      // The lines its words take: more than one rectangle per line of text.
      const range = document.createRange();
      range.selectNodeContents(button);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      const words = button.innerText.trim();
      if (tops.size > 1 && words && !words.includes('\n') && words.split(/\s+/).length <= 2) {
        found.push(`the button « ${words} » wraps`);
      }
    }
    const search = document.querySelector('#q[placeholder]');
    if (search && search.offsetParent) {
      const style = getComputedStyle(search);
      const context = document.createElement('canvas').getContext('2d');
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const needed = context.measureText(search.placeholder).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      if (needed > search.clientWidth + 1) found.push(`the search hint needs ${Math.ceil(needed)} px, has ${search.clientWidth}`);
    }
    return found;
  });
}

test('every page fits at 390, 768 and 1280 px', async () => {
  const base = demo.base;
  const number = 'CMD-E2E-WIDTHS-1';
  await createOrder(base, number, 'claire.martin@exemple.fr');
  const setup = await newPage(browser);
  await findOrder(setup, base, number, 'claire.martin@exemple.fr');
  const orderUrl = setup.url();
  const caseId = await requestReturn(setup);
  const state = await setup.context().storageState();
  const problems = [];
  for (const width of WIDTHS) {
    const viewport = { width, height: 900 };
    const buyer = await newPage(browser, { viewport, storageState: state, isMobile: width < 500 });
    for (const url of [`${base}/suivi`, orderUrl, `${base}/suivi/dossier/${caseId}`, `${base}/suivi/retractation`]) {
      await visit(buyer, url);
      for (const found of await overflow(buyer)) problems.push(`${width} px, ${url}: ${found}`);
    }
    assertNoProblems(buyer);
    const staff = await newPage(browser, { viewport, isMobile: width < 500 });
    await signIn(staff, base, LOGINS.merchantAdmin);
    for (const path of ['/console', `/console/cases/${caseId}`, '/console/policy', '/console/settings']) {
      await visit(staff, base + path);
      for (const found of await overflow(staff)) problems.push(`${width} px, ${path}: ${found}`);
    }
    assertNoProblems(staff);
    await buyer.context().close();
    await staff.context().close();
  }
  assert.deepEqual(problems, []);
});
