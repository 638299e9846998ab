// The dashboard's shell: navigation, the connection banner and a router over
// history.pushState, so every page has its own URL (the node answers every
// non-/v1 path with this app: src/rpc/static_files.h).
import './style.css';
import 'uplot/dist/uPlot.min.css';
import { h, replace } from './dom';
import { Live } from './live';
import { networkPage } from './pages/network';
import { marketPage, slotPage } from './pages/market';
import { householdPage } from './pages/household';
import { explorerPage, blockPage, txPage, accountPage } from './pages/explorer';
import { validatorsPage } from './pages/validators';
import { certificatesPage } from './pages/certificates';

export interface PageContext {
  live: Live;
  root: HTMLElement;
  navigate: (path: string) => void;
}
export type Page = (ctx: PageContext, params: string[]) => (() => void) | void;

const routes: [RegExp, Page, string][] = [
  [/^\/$/, networkPage, 'Network'],
  [/^\/market\/?$/, marketPage, 'Market'],
  [/^\/market\/slot\/([^/]+)\/?$/, slotPage, 'Slot'],
  [/^\/household\/?$/, householdPage, 'Household'],
  [/^\/explorer\/?$/, explorerPage, 'Explorer'],
  [/^\/explorer\/block\/([^/]+)\/?$/, blockPage, 'Block'],
  [/^\/explorer\/tx\/([^/]+)\/?$/, txPage, 'Transaction'],
  [/^\/explorer\/account\/([^/]+)\/?$/, accountPage, 'Account'],
  [/^\/validators\/?$/, validatorsPage, 'Validators'],
  [/^\/certificates\/?$/, certificatesPage, 'Certificates'],
];

const nav: [string, string][] = [
  ['/', 'Network'],
  ['/market', 'Market'],
  ['/household', 'Household'],
  ['/explorer', 'Explorer'],
  ['/validators', 'Validators'],
  ['/certificates', 'Certificates'],
];

const live = new Live(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/events`);
const main = h('main', { id: 'main', tabindex: -1 });
const banner = h('div', { id: 'conn', role: 'status', 'aria-live': 'polite' });
const navLinks = nav.map(([href, label]) => h('a', { href, 'data-nav': true }, label));

document.body.replaceChildren(
  h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
  h('header', { class: 'top' },
    h('a', { class: 'brand', href: '/', 'data-nav': true }, 'Wattle'),
    h('nav', { 'aria-label': 'Main' }, navLinks),
    banner),
  main,
);

function showState() {
  const s = live.state;
  banner.className = `conn ${s}`;
  banner.textContent = s === 'live' ? 'Live' : s === 'connecting' ? 'Connecting…' : 'Reconnecting to the node… figures below are stale';
  document.body.dataset.conn = s;
}
live.onState(showState);
showState();

let cleanup: (() => void) | void;
let rendered: string | null = null;

function render() {
  if (location.pathname === rendered) return; // a #fragment change (the skip link) is not a new page
  rendered = location.pathname;
  if (cleanup) cleanup();
  cleanup = undefined;
  const path = location.pathname;
  for (const a of navLinks) {
    const href = a.getAttribute('href')!;
    const current = href === '/' ? path === '/' : path.startsWith(href);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  replace(main);
  for (const [re, page, title] of routes) {
    const m = path.match(re);
    if (!m) continue;
    document.title = `${title} · Wattle`;
    const params = m.slice(1).map((x) => decodeURIComponent(x));
    cleanup = page({ live, root: main, navigate }, params);
    return;
  }
  document.title = 'Not found · Wattle';
  replace(main, h('h1', null, 'Page not found'), h('p', null, `There is no page at ${path}.`));
}

function navigate(path: string) {
  if (path !== location.pathname + location.search) history.pushState(null, '', path);
  rendered = null; // a link to the page shown reloads it
  render();
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest?.('a[data-nav]') as HTMLAnchorElement | null;
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute('href')!);
});
window.addEventListener('popstate', render);

live.start();
render();
