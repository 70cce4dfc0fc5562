/** Parses one typed line into a command, as the report's client did. Names are case-sensitive. */
export type Command =
  | { kind: 'message'; to: string; text: string }
  | { kind: 'broadcast'; text: string }
  | { kind: 'whoelse' }
  | { kind: 'whoelsesince'; seconds: number }
  | { kind: 'block'; user: string }
  | { kind: 'unblock'; user: string }
  | { kind: 'startprivate'; user: string }
  | { kind: 'private'; to: string; text: string }
  | { kind: 'stopprivate'; user: string }
  | { kind: 'search'; query: string }
  | { kind: 'logout' }
  | { kind: 'empty' }
  | { kind: 'invalid' };

const INVALID: Command = { kind: 'invalid' };

/** "verb rest": the verb, then everything after the first space (may be empty). */
function splitVerb(line: string): [string, string] {
  const space = line.indexOf(' ');
  return space === -1 ? [line, ''] : [line.slice(0, space), line.slice(space + 1)];
}

/** A single user name and nothing else. */
function oneUser(rest: string): string | undefined {
  const user = rest.trim();
  return user !== '' && !/\s/.test(user) ? user : undefined;
}

/** "user text", text non-blank. */
function userAndText(rest: string): { user: string; text: string } | undefined {
  const [user, text] = splitVerb(rest.trimStart());
  return user !== '' && text.trim() !== '' ? { user, text } : undefined;
}

function parseSeconds(rest: string): number | undefined {
  const value = rest.trim();
  return /^\d{1,12}$/.test(value) ? Number(value) : undefined;
}

function withUser(kind: 'block' | 'unblock' | 'startprivate' | 'stopprivate', rest: string): Command {
  const user = oneUser(rest);
  return user === undefined ? INVALID : { kind, user };
}

function withUserAndText(kind: 'message' | 'private', rest: string): Command {
  const parsed = userAndText(rest);
  return parsed === undefined ? INVALID : { kind, to: parsed.user, text: parsed.text };
}

export function parseCommand(raw: string): Command {
  const line = raw.replace(/\r$/, '');
  if (line.trim() === '') return { kind: 'empty' };
  const [verb, rest] = splitVerb(line.trimStart());
  switch (verb) {
    case 'message':
    case 'private':
      return withUserAndText(verb, rest);
    case 'broadcast':
      return rest.trim() === '' ? INVALID : { kind: 'broadcast', text: rest };
    case 'whoelse':
      return rest.trim() === '' ? { kind: 'whoelse' } : INVALID;
    case 'whoelsesince': {
      const seconds = parseSeconds(rest);
      return seconds === undefined ? INVALID : { kind: 'whoelsesince', seconds };
    }
    case 'block':
    case 'startprivate':
    case 'stopprivate':
      return withUser(verb, rest);
    case 'unblock':
    case 'unlock':
      return withUser('unblock', rest);
    case 'search':
      return rest.trim() === '' ? INVALID : { kind: 'search', query: rest.trim() };
    case 'logout':
      return rest.trim() === '' ? { kind: 'logout' } : INVALID;
    default:
      return INVALID;
  }
}
