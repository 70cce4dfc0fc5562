/**
 * The renderer's only door to the client core: `window.messenger` (see src/shared/api.ts).
 * Stores call `call()`; components never do.
 */
import type { ApiArgs, ApiMethod, ApiResult, ApiValues, AppEvent } from '../../shared/api';

export async function call<M extends ApiMethod>(
  method: M,
  ...args: ApiArgs<M>
): Promise<ApiResult<ApiValues[M]>> {
  try {
    return await window.messenger.call(method, ...args);
  } catch (err) {
    return {
      ok: false,
      error: { code: 'not_connected', message: err instanceof Error ? err.message : String(err) },
    };
  }
}

export function onEvent(listener: (event: AppEvent) => void): () => void {
  return window.messenger.onEvent(listener);
}
