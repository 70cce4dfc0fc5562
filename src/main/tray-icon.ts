/**
 * The tray icon, drawn in code (no image file to package or find at run time): a chat bubble in the
 * app's accent colour, with a red dot when there are unread messages. Raw 32×32 BGRA pixels, the
 * format `nativeImage.createFromBitmap` takes. No Electron import, so it is tested under plain Node.
 */

export const TRAY_ICON_SIZE = 32;

type Rgba = readonly [red: number, green: number, blue: number, alpha: number];

interface Disk {
  x: number;
  y: number;
  radius: number;
  color: Rgba;
}

const ACCENT: Rgba = [0x3b, 0x5b, 0xdb, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const ALERT: Rgba = [0xe0, 0x31, 0x31, 255];

/** Back to front: the bubble, its three dots, and the unread dot in the top right corner. */
function disks(unread: boolean): Disk[] {
  const bubble: Disk = { x: 16, y: 16, radius: 14, color: ACCENT };
  const dots = [9.5, 16, 22.5].map((x): Disk => ({ x, y: 16, radius: 2.5, color: WHITE }));
  const alert: Disk[] = unread
    ? [
        { x: 25, y: 7, radius: 7, color: WHITE },
        { x: 25, y: 7, radius: 5.5, color: ALERT },
      ]
    : [];
  return [bubble, ...dots, ...alert];
}

/** The colour of the front-most disk covering the pixel's centre; transparent outside them all. */
function colorAt(px: number, py: number, shapes: readonly Disk[]): Rgba {
  let color: Rgba = [0, 0, 0, 0];
  for (const disk of shapes) {
    if (Math.hypot(px + 0.5 - disk.x, py + 0.5 - disk.y) <= disk.radius) color = disk.color;
  }
  return color;
}

export function trayIconBitmap(unread: boolean): Buffer {
  const shapes = disks(unread);
  const pixels = Buffer.alloc(TRAY_ICON_SIZE * TRAY_ICON_SIZE * 4);
  for (let y = 0; y < TRAY_ICON_SIZE; y++) {
    for (let x = 0; x < TRAY_ICON_SIZE; x++) {
      const [red, green, blue, alpha] = colorAt(x, y, shapes);
      pixels.set([blue, green, red, alpha], (y * TRAY_ICON_SIZE + x) * 4);
    }
  }
  return pixels;
}
