/// <reference types="vite/client" />
// Global declarations for the renderer. `window.messenger` is installed by the Electron preload or by
// the browser shell's bridge (src/renderer/src/bridge/install.ts) before the app mounts.

interface Window {
  messenger: import('../../shared/api').MessengerApi;
}
