/**
 * Rules for files that both ends apply (docs/protocol.md, "Files"): whether a file name may be
 * stored and shown, so the server refuses it with a reason and a client can say so before uploading.
 */
import { FILE_NAME_MAX_LENGTH, textLength } from './limits.js';

/** Why this name cannot be a file's name, or undefined when it can. */
export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a file name must not be empty';
  if (name.length > FILE_NAME_MAX_LENGTH * 2 || textLength(name) > FILE_NAME_MAX_LENGTH)
    return `a file name must be at most ${FILE_NAME_MAX_LENGTH} characters`;
  // A name is shown and may be saved under on the recipient's disk: nothing that names a folder.
  if (/[/\\]/u.test(name)) return 'a file name must not contain "/" or "\\"';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/u.test(name)) return 'a file name must not contain control characters';
  if (name === '.' || name.includes('..')) return 'a file name must not contain ".."';
  if (name.trim().length === 0) return 'a file name must not be blank';
  return undefined;
}
