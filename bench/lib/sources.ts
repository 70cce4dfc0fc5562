/** Source addresses for the load: several 127.0.0.x give each its own range of ephemeral ports. */
export const LOOPBACK_SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
