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

export function formatTime(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function dayKey(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function dayLabel(at: number, now = Date.now()): string {
  if (dayKey(at) === dayKey(now)) return 'Today';
  if (dayKey(at) === dayKey(now - 86_400_000)) return 'Yesterday';
  const d = new Date(at);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(undefined, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

/** Short time for the conversation list: time today, else the date. */
export function formatListTime(at: number, now = Date.now()): string {
  if (dayKey(at) === dayKey(now)) return formatTime(at);
  return new Date(at).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}
