#!/usr/bin/env node
/**
 * Writes a macOS .icns from PNG files, the way Apple's iconutil does: one PNG-compressed element per
 * size and scale (types icp4 … ic14). Usage: node scripts/lib/icns.mjs OUT.icns DIR, where DIR holds
 * 16x16.png, 32x32.png, 64x64.png, 128x128.png, 256x256.png, 512x512.png and 1024x1024.png.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Element type → pixel size (the @2x types hold twice the point size). */
export const ICNS_TYPES = {
  icp4: 16,
  icp5: 32,
  ic11: 32, // 16 pt @2x
  ic12: 64, // 32 pt @2x
  ic07: 128,
  ic13: 256, // 128 pt @2x
  ic08: 256,
  ic14: 512, // 256 pt @2x
  ic09: 512,
  ic10: 1024, // 512 pt @2x
};

/** The .icns bytes for `pngBySize` (pixel size → PNG bytes). */
export function icns(pngBySize) {
  const elements = Object.entries(ICNS_TYPES).map(([type, size]) => {
    const png = pngBySize.get(size);
    if (!png) throw new Error(`icns: no ${size}x${size} PNG`);
    const header = Buffer.alloc(8);
    header.write(type, 0, 'latin1');
    header.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([header, png]);
  });
  const header = Buffer.alloc(8);
  header.write('icns', 0, 'latin1');
  header.writeUInt32BE(8 + elements.reduce((sum, element) => sum + element.length, 0), 4);
  return Buffer.concat([header, ...elements]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [out, dir] = process.argv.slice(2);
  if (!out || !dir) {
    console.error('usage: node scripts/lib/icns.mjs OUT.icns DIR');
    process.exit(2);
  }
  const sizes = new Set(Object.values(ICNS_TYPES));
  writeFileSync(
    out,
    icns(new Map([...sizes].map((size) => [size, readFileSync(join(dir, `${size}x${size}.png`))]))),
  );
}
