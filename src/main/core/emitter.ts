/** A minimal typed listener set: `on` returns the unsubscribe function; a throwing listener never breaks the others. */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>();

  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        process.emitWarning(
          `event listener threw: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
