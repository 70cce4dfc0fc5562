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
    root.textContent = `The messenger could not start: ${err instanceof Error ? err.message : String(err)}`;
  }
});
