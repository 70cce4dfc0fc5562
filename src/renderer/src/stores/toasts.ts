import { defineStore } from 'pinia';
import { ref } from 'vue';

export type ToastKind = 'info' | 'presence' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

const TOAST_MS = 5000;
const MAX_TOASTS = 5;

export const useToastsStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([]);
  let nextId = 1;

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  function show(
    text: string,
    kind: ToastKind = 'info',
    durationMs = kind === 'error' ? TOAST_MS * 2 : TOAST_MS,
  ) {
    const toast: Toast = { id: nextId++, kind, text };
    toasts.value = [...toasts.value, toast].slice(-MAX_TOASTS);
    if (durationMs > 0) setTimeout(() => dismiss(toast.id), durationMs);
    return toast.id;
  }

  function reset(): void {
    toasts.value = [];
  }

  return { toasts, show, dismiss, reset };
});
