// One bundle, two apps: the new frontend system app (App.tsx) by default,
// the legacy app with an EntityPage (legacy/) when the page is opened with
// ?legacy. Both wire the promotion plugin as docs/install.md describes.
import '@backstage/cli/asset-types';
import ReactDOM from 'react-dom/client';
import '@backstage/ui/css/styles.css';

const LEGACY = 'adopter-app-legacy';
if (new URLSearchParams(window.location.search).has('legacy')) {
  sessionStorage.setItem(LEGACY, 'true');
}
const root = ReactDOM.createRoot(document.getElementById('root')!);
// Which of the two apps runs, for the adopter test to check.
declare global {
  interface Window {
    adopterApp?: 'legacy' | 'new';
  }
}
if (sessionStorage.getItem(LEGACY)) {
  window.adopterApp = 'legacy';
  import('./legacy/App').then(({ default: App }) => root.render(<App />));
} else {
  window.adopterApp = 'new';
  import('./App').then(({ default: app }) => root.render(app.createRoot()));
}
