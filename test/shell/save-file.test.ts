/**
 * "Save as…" in the Electron shell: the page names a received file by its transfer id, main asks
 * where with the save dialog of the asking window and copies the core's verified file there; a
 * copy that fails is said in an error box. `electron` is mocked (its binary cannot be installed
 * here) and the core is the harness's fake, given one received file on a real disk.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startShell, type ShellUnderTest } from './electron-shell-harness.js';
import { electron } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const TRANSFER = 'AAAAAAAAAAAAAAAAAAAAAA';
const BYTES = Buffer.from('%PDF-1.7 the report, byte for byte\n');

let dir: string;
let app: ShellUnderTest;

beforeEach(async () => {
  electron.reset();
  dir = await mkdtemp(join(tmpdir(), 'save-file-'));
  await writeFile(join(dir, 'received.part'), BYTES);
  app = await startShell();
  const received = {
    path: join(dir, 'received.part'),
    name: 'report.pdf',
    size: BYTES.length,
    mime: 'application/pdf',
  };
  Object.assign(app.core, { receivedFile: (id: string) => (id === TRANSFER ? received : undefined) });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Save as… in the Electron shell', () => {
  it('copies the received file, byte for byte, where the save dialog of the asking window says', async () => {
    electron.dialog.nextSave = { canceled: false, filePath: join(dir, 'saved.pdf') };
    expect((await app.callFromMain('saveFile', [TRANSFER])).ok).toBe(true);
    await vi.waitFor(async () => expect(await readFile(join(dir, 'saved.pdf'))).toEqual(BYTES));
    const [owner, options] = electron.dialog.showSaveDialog.mock.calls[0] ?? [];
    expect(owner).toBe(app.main);
    expect(options).toMatchObject({ defaultPath: 'report.pdf', title: 'Save report.pdf' });
    expect(electron.dialog.showMessageBox).not.toHaveBeenCalled();
  });

  it('writes nothing when the dialog is cancelled, and asks nothing for a transfer it does not have', async () => {
    await app.callFromMain('saveFile', [TRANSFER]);
    await vi.waitFor(() => expect(electron.dialog.showSaveDialog).toHaveBeenCalledTimes(1));
    await app.callFromMain('saveFile', ['BBBBBBBBBBBBBBBBBBBBBB']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(electron.dialog.showSaveDialog).toHaveBeenCalledTimes(1);
    expect(electron.dialog.showMessageBox).not.toHaveBeenCalled();
  });

  it('says in an error box, with what to do, when the copy fails', async () => {
    electron.dialog.nextSave = { canceled: false, filePath: join(dir, 'no-such-folder', 'saved.pdf') };
    await app.callFromMain('saveFile', [TRANSFER]);
    await vi.waitFor(() => expect(electron.dialog.showMessageBox).toHaveBeenCalledTimes(1));
    const [owner, box] = electron.dialog.showMessageBox.mock.calls[0] ?? [];
    expect(owner).toBe(app.main);
    expect(box).toMatchObject({
      type: 'error',
      message: 'Could not save report.pdf',
      detail:
        'That folder no longer exists, or the received file was removed. Choose another folder and try Save as… again.',
    });
  });
});
