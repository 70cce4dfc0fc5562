/** Text formatting shared by components and stores: durations, times, day labels. */

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** 90_000 → "1 minute 30 seconds"; 45_000 → "45 seconds"; 3_600_000 → "1 hour". Rounds up to whole seconds. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0)
    return minutes > 0 ? `${plural(hours, 'hour')} ${plural(minutes, 'minute')}` : plural(hours, 'hour');
  if (minutes > 0)
    return seconds > 0
      ? `${plural(minutes, 'minute')} ${plural(seconds, 'second')}`
      : plural(minutes, 'minute');
  return plural(seconds, 'second');
}

/*
 * Formatters are built once and reused: `toLocaleTimeString(locale, options)` builds a new
 * Intl.DateTimeFormat on every call (tens of µs each), which the chat view pays for every row it
 * renders. `format()` of a formatter made with the same arguments gives the same text; it throws on an
 * invalid date where toLocale*String returns "Invalid Date", hence `formatWith`.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatWith(name: string, options: Intl.DateTimeFormatOptions, at: number): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return 'Invalid Date';
  let f = formatters.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, options);
    formatters.set(name, f);
  }
  return f.format(d);
}

export function formatTime(at: number): string {
  return formatWith('time', { hour: '2-digit', minute: '2-digit' }, at);
}

export function dayKey(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function dayLabel(at: number, now = Date.now()): string {
  if (dayKey(at) === dayKey(now)) return 'Today';
  if (dayKey(at) === dayKey(now - 86_400_000)) return 'Yesterday';
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return sameYear
    ? formatWith('day', { weekday: 'long', month: 'long', day: 'numeric' }, at)
    : formatWith('day-year', { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }, at);
}

/** Short time for the conversation list: time today, else the date. */
export function formatListTime(at: number, now = Date.now()): string {
  if (dayKey(at) === dayKey(now)) return formatTime(at);
  return formatWith('list-date', { month: 'short', day: 'numeric' }, at);
}

/** The full date and time, for a timestamp's tooltip: "Monday, November 30, 2026 at 3:03 PM". */
export function formatFullDateTime(at: number): string {
  return formatWith('full', { dateStyle: 'full', timeStyle: 'short' }, at);
}

/** 512 → "512 bytes", 1536 → "1.5 KB", 20 971 520 → "20 MB" (units of 1024, as file managers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded} ${units[unit]}`;
}
