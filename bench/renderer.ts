export async function renderer(_options: { quick: boolean; root: string }): Promise<{ figures: Record<string, number> }> {
  throw new Error('not yet');
}
