/**
 * The installer configuration (electron-builder.yml) checked without an Electron binary, with
 * electron-builder's own code wherever it has some:
 *
 * - the file loads and passes electron-builder's validation (`Packager.validateConfig`: the JSON schema
 *   of every option, package.json metadata), which rejects a typo'd key and a wrong type;
 * - deb, rpm and AppImage (Linux), dmg (macOS) and NSIS (Windows) are configured;
 * - the desktop entry and the deb/rpm metadata are the ones electron-builder computes from it;
 * - every icon it names exists, at the pixel sizes its format needs;
 * - the app ships only what the Electron main process loads: packing it for real (target `dir`, with a
 *   stand-in for the Electron binary) gives an app.asar holding out/main, out/preload, out/renderer,
 *   package.json and the main process's runtime dependencies, and nothing of the server.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { AppInfo, LinuxPackager, Packager, build, type Configuration } from 'electron-builder';
import type { LinuxTargetHelper as LinuxTargetHelperClass } from 'app-builder-lib/out/targets/LinuxTargetHelper';
import type FpmTargetClass from 'app-builder-lib/out/targets/FpmTarget';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAppBuilt } from '../../scripts/lib/build.js';
import { REPO_ROOT } from '../helpers/server.js';

const CONFIG_FILE = join(REPO_ROOT, 'electron-builder.yml');
const ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

// electron-builder's internals (the desktop entry and deb/rpm metadata code), from its own copy of
// app-builder-lib.
const requireFromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
const { LinuxTargetHelper } = requireFromBuilder('app-builder-lib/out/targets/LinuxTargetHelper') as {
  LinuxTargetHelper: typeof LinuxTargetHelperClass;
};
const FpmTarget = (
  requireFromBuilder('app-builder-lib/out/targets/FpmTarget') as { default: typeof FpmTargetClass }
).default;
const asar = createRequire(requireFromBuilder.resolve('app-builder-lib'))('@electron/asar') as {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, file: string): Buffer;
};

const temporary: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

/** Loads and validates the configuration like `electron-builder` does; `config` = another file. */
async function validated(config?: string): Promise<Packager> {
  const packager = new Packager({ projectDir: REPO_ROOT, ...(config ? { config } : {}) });
  await packager.validateConfig();
  return packager;
}

/** A copy of electron-builder.yml with `from` replaced by `to`, as a file. */
async function brokenCopy(from: string, to: string): Promise<string> {
  const text = readFileSync(CONFIG_FILE, 'utf8');
  expect(text, `electron-builder.yml no longer contains ${JSON.stringify(from)}`).toContain(from);
  const file = join(await tempDir('electron-builder-config-'), 'electron-builder.yml');
  writeFileSync(file, text.replace(from, to));
  return file;
}

function targetNames(target: unknown): string[] {
  const list = Array.isArray(target) ? target : target == null ? [] : [target];
  return list.map((entry: unknown) =>
    typeof entry === 'string' ? entry : String((entry as { target: string }).target),
  );
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(
    true,
  );
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The images of a Windows .ico: entry size and the size of the image stored there (PNG or BMP). */
function icoImages(bytes: Buffer): { size: number; width: number; height: number; png: boolean }[] {
  expect(bytes.readUInt16LE(0)).toBe(0); // reserved
  expect(bytes.readUInt16LE(2)).toBe(1); // 1 = icon
  return Array.from({ length: bytes.readUInt16LE(4) }, (_, i) => {
    const entry = 6 + 16 * i;
    const size = bytes[entry] === 0 ? 256 : (bytes[entry] as number);
    const length = bytes.readUInt32LE(entry + 8);
    const image = bytes.subarray(bytes.readUInt32LE(entry + 12), bytes.readUInt32LE(entry + 12) + length);
    if (image[0] === 0x89) return { size, ...pngSize(image), png: true };
    // BITMAPINFOHEADER: the height counts the colour and the mask bitmaps.
    expect(image.readUInt32LE(0)).toBe(40);
    return { size, width: image.readInt32LE(4), height: image.readInt32LE(8) / 2, png: false };
  });
}

/** The elements of a macOS .icns: type → PNG size. */
function icnsElements(bytes: Buffer): Map<string, { width: number; height: number }> {
  expect(bytes.toString('latin1', 0, 4)).toBe('icns');
  expect(bytes.readUInt32BE(4)).toBe(bytes.length);
  const elements = new Map<string, { width: number; height: number }>();
  for (let offset = 8; offset < bytes.length;) {
    const length = bytes.readUInt32BE(offset + 4);
    elements.set(
      bytes.toString('latin1', offset, offset + 4),
      pngSize(bytes.subarray(offset + 8, offset + length)),
    );
    offset += length;
  }
  return elements;
}

/**
 * The packages the Electron main process and preload load at run time: bare imports (not `import
 * type`) of every module reachable from src/main/index.ts and src/preload/index.ts.
 */
function mainProcessPackages(): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+'([^']+)'/gms),
      ...source.matchAll(/^\s*import\s+'([^']+)'/gm),
      ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ].map((match) => match[1] as string);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        const base = resolve(dirname(file), specifier).replace(/\.js$/, '');
        const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
        if (!target) throw new Error(`${relative(REPO_ROOT, file)}: cannot resolve ${specifier}`);
        visit(target);
      } else if (!specifier.startsWith('node:')) {
        const parts = specifier.split('/');
        packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string));
      }
    }
  };
  visit(join(REPO_ROOT, 'src/main/index.ts'));
  visit(join(REPO_ROOT, 'src/preload/index.ts'));
  return packages;
}

describe('electron-builder.yml', () => {
  let packager: Packager;
  let config: Configuration;
  beforeAll(async () => {
    packager = await validated();
    config = packager.config;
  });

  it('is the configuration electron-builder uses, and its validation accepts it', () => {
    // A "build" key in package.json would be used instead of this file.
    const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(packageJson).not.toHaveProperty('build');
    expect(config.appId).toBe('dev.greatest-messenger.app');
    expect(config.productName).toBe('Greatest Messenger');
  });

  it.each([
    ['a typo in a top-level key', 'npmRebuild: false', 'npmRebuilt: false', /unknown property 'npmRebuilt'/],
    [
      'a typo in a nested key',
      'syncDesktopName: true',
      'syncDesktopNames: true',
      /configuration\.linux should be one of these/,
    ],
    [
      'a wrong type',
      'oneClick: false',
      'oneClick: sometimes',
      /configuration\.nsis\.oneClick should be a boolean/,
    ],
    [
      'a wrong type (string expected)',
      'category: Network;InstantMessaging;Chat',
      'category: [Network, Chat]',
      /configuration\.linux\.category should be:\s+null \| string/,
    ],
  ])('rejects %s (proved on a broken copy)', async (_what, from, to, error) => {
    await expect(validated(await brokenCopy(from, to))).rejects.toThrow(error);
  });

  it('accepts an unbroken copy the same way (the control for the broken ones)', async () => {
    await expect(
      validated(await brokenCopy('npmRebuild: false', 'npmRebuild: false')),
    ).resolves.toBeDefined();
  });

  it('configures deb, rpm and AppImage for Linux, dmg for macOS and NSIS for Windows', () => {
    expect(targetNames(config.linux?.target)).toEqual(['deb', 'rpm', 'AppImage']);
    expect(targetNames(config.mac?.target)).toEqual(['dmg']);
    expect(targetNames(config.win?.target)).toEqual(['nsis']);
    expect(config.publish).toBeNull(); // release.yml uploads the installers
  });

  it('writes the desktop entry and the deb/rpm metadata electron-builder requires', async () => {
    // What Packager.build() does first; then the Linux packager and its .desktop and fpm helpers.
    packager._appInfo = new AppInfo(packager, null);
    const linux = new LinuxPackager(packager);
    const helper = new LinuxTargetHelper(linux);
    for (const name of ['deb', 'rpm']) {
      const target = new FpmTarget(name, linux, helper, join(tmpdir(), 'unused'));
      // Throws "Please specify project homepage" or "author email" when deb/rpm would fail.
      expect(await target.checkOptions()).toEqual({
        name: 'greatest-messenger',
        maintainer: 'Greatest Messenger contributors <maintainers@greatest-messenger.dev>',
        vendor: 'Greatest Messenger contributors',
        url: 'https://greatest-messenger.dev',
      });
      const entry = Object.fromEntries(
        (await helper.computeDesktopEntry(target.options))
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      expect(entry).toMatchObject({
        Name: 'Greatest Messenger',
        Type: 'Application',
        Icon: 'greatest-messenger',
        Categories: 'Network;InstantMessaging;Chat;',
        // Electron's Wayland app_id is desktopName without ".desktop"; its X11 WM_CLASS is the app
        // name from the packaged package.json ("greatest-messenger", no productName there).
        StartupWMClass: 'greatest-messenger',
        Comment: expect.stringMatching(/private chats/),
      });
      expect(entry.Exec).toMatch(/greatest-messenger" %U$/);
    }
    expect(packager.metadata.desktopName).toBe('greatest-messenger.desktop');
    expect(helper.getDesktopFileName()).toBe('greatest-messenger');
    await packager.tempDirManager.cleanup();
  });

  it('names icons that exist at the sizes each platform needs', () => {
    // Linux: a directory of NxN.png files (the size is read from the name, so check the pixels too).
    const linuxIcons = join(REPO_ROOT, config.linux?.icon as string);
    expect(readdirSync(linuxIcons).sort()).toEqual(ICON_SIZES.map((size) => `${size}x${size}.png`).sort());
    for (const size of ICON_SIZES) {
      expect(pngSize(readFileSync(join(linuxIcons, `${size}x${size}.png`)))).toEqual({
        width: size,
        height: size,
      });
    }
    expect(pngSize(readFileSync(join(REPO_ROOT, 'resources/icon.png')))).toEqual({
      width: 1024,
      height: 1024,
    });

    // Windows: 16 … 256 px (electron-builder requires 256), each image the size its entry says.
    for (const file of [config.win?.icon, config.nsis?.installerIcon, config.nsis?.uninstallerIcon]) {
      const images = icoImages(readFileSync(join(REPO_ROOT, file as string)));
      expect(images.map((image) => image.size)).toEqual([16, 24, 32, 48, 64, 128, 256]);
      for (const image of images) expect([image.width, image.height]).toEqual([image.size, image.size]);
    }

    // macOS: 16 … 512 pt at 1x and 2x (up to 1024 px), PNG elements.
    const icns = icnsElements(readFileSync(join(REPO_ROOT, config.mac?.icon as string)));
    expect(Object.fromEntries([...icns].map(([type, size]) => [type, size.width]))).toEqual({
      icp4: 16,
      icp5: 32,
      ic11: 32,
      ic12: 64,
      ic07: 128,
      ic13: 256,
      ic08: 256,
      ic14: 512,
      ic09: 512,
      ic10: 1024,
    });
    for (const size of icns.values()) expect(size.height).toBe(size.width);
  });

  it('packs exactly the production dependencies the main process imports, and rebuilds nothing', () => {
    const imported = mainProcessPackages();
    expect(imported.has('electron')).toBe(true);
    const needed = [...imported].filter((name) => name !== 'electron').sort();
    const patterns = (config.files as string[] | { filter: string[] }[]).flatMap((entry) =>
      typeof entry === 'string' ? [entry] : entry.filter,
    );
    const dropAll = patterns.indexOf('!node_modules/**');
    expect(dropAll, 'files must drop node_modules before naming what to keep').toBeGreaterThanOrEqual(0);
    const kept = patterns
      .slice(dropAll + 1)
      .map((pattern) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\/\*\*$/.exec(pattern)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    expect(kept).toEqual(needed);
    expect(kept).not.toContain('better-sqlite3');
    expect(config.npmRebuild).toBe(false);
  });
});

describe('the packed app (electron-builder --linux dir, a stand-in Electron binary)', () => {
  it('holds out/main, out/preload, out/renderer, package.json and zod, and nothing else', async () => {
    await ensureAppBuilt(REPO_ROOT, (line) => console.log(`[electron-builder test] ${line}`));
    // electron-builder copies an unpacked Electron from electronDist instead of downloading one.
    const fakeElectron = await tempDir('fake-electron-');
    mkdirSync(join(fakeElectron, 'resources'));
    writeFileSync(join(fakeElectron, 'electron'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(fakeElectron, 'electron'), 0o755);
    writeFileSync(join(fakeElectron, 'LICENSE'), '');
    writeFileSync(join(fakeElectron, 'version'), '');
    const output = await tempDir('electron-builder-out-');

    await build({
      projectDir: REPO_ROOT,
      linux: ['dir'],
      publish: 'never',
      config: { electronDist: fakeElectron, directories: { output } },
    });

    const unpacked = join(output, readdirSync(output).find((name) => name.endsWith('-unpacked')) as string);
    expect(existsSync(join(unpacked, 'greatest-messenger'))).toBe(true);
    expect(readdirSync(join(unpacked, 'resources'))).toEqual(['app.asar']); // nothing unpacked: no native module
    const entries = asar.listPackage(join(unpacked, 'resources', 'app.asar'), { isPack: false });
    const topLevel = new Set(entries.map((entry) => entry.split('/').slice(1, 3).join('/')));
    expect([...topLevel].sort()).toEqual([
      'node_modules',
      'node_modules/zod',
      'out',
      'out/main',
      'out/preload',
      'out/renderer',
      'package.json',
    ]);
    expect(entries).toContain('/out/main/index.js');
    expect(entries).toContain('/out/renderer/index.html');
    // The packaged package.json carries what Electron and the Linux targets read.
    const packed = JSON.parse(
      asar.extractFile(join(unpacked, 'resources', 'app.asar'), 'package.json').toString('utf8'),
    ) as Record<string, unknown>;
    expect(packed).toMatchObject({ main: './out/main/index.js', desktopName: 'greatest-messenger.desktop' });
    expect(packed).not.toHaveProperty('productName'); // Electron's app name, hence WM_CLASS, stays greatest-messenger
    expect(packed).not.toHaveProperty('devDependencies');
  }, 180_000);
});
