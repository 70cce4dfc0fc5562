import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { installMessenger } from './bridge/install';
import './styles.css';

async function start(): Promise<void> {
  await installMessenger();
  const app = createApp(App);
  app.use(createPinia());
  app.mount('#app');
}

start().catch((err: unknown) => {
  const root = document.getElementById('app');
  if (root) {
    root.setAttribute('role', 'alert');
    // The details are for developers (the console); the window says what to do.
    console.error(err);
    root.textContent =
      'The messenger could not start. Reload the window; if that does not help, restart the app.';
  }
});
