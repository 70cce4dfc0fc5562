import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { installMessenger, LaunchError } from './bridge/install';
import { useSettingsStore } from './stores/settings';
import './styles.css';

async function start(): Promise<void> {
  const pinia = createPinia();
  // The theme is applied before anything else, so the page never flashes in the other one.
  useSettingsStore(pinia);
  await installMessenger();
  const app = createApp(App);
  app.use(pinia);
  app.mount('#app');
}

start().catch((err: unknown) => {
  const root = document.getElementById('app');
  if (root) {
    root.setAttribute('role', 'alert');
    // The details are for developers (the console); the window says what to do.
    console.error(err);
    root.textContent =
      err instanceof LaunchError
        ? err.message
        : 'The messenger could not start. Reload the window; if that does not help, restart the app.';
  }
});
