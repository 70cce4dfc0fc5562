/**
 * The Lua scripts of the Redis bus (./redis-bus.ts). Each runs atomically in Redis, which is what
 * makes a claim race have one winner and a dead node's users be reported by one sweeper only.
 *
 * Keys (P is the key prefix):
 *   P online              hash: username → JSON DirectoryEntry (./redis-wire.ts)
 *   P nodes               set: ids of the nodes that announced themselves
 *   P node:<id>:alive     string with a TTL, renewed by the node's heartbeat
 *   P node:<id>:users     set: the usernames the node holds (an index into `online`)
 *   P node:<id>:lost      string with a TTL: set when the node was swept as dead, read by the node
 *                         when it comes back, so it knows its users were announced offline
 * A directory value that does not decode counts as held by no node: a claim replaces it.
 */

/** Returns the node of a directory value, or nil. Prepended to the scripts that need it. */
const HOLDER = `
local function holder(value)
  local ok, entry = pcall(cjson.decode, value)
  if ok and type(entry) == 'table' and type(entry.node) == 'string' then return entry.node end
  return nil
end
`;

export interface ScriptDefinition {
  readonly keys: number;
  readonly lua: string;
}

/**
 * KEYS: online, node users. ARGV: username, entry JSON, node id.
 * Succeeds when the name is free or already this node's (a claim whose reply was lost in a
 * timeout may have written it). Returns 1 or 0.
 */
export const CLAIM: ScriptDefinition = {
  keys: 2,
  lua: `${HOLDER}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local node = holder(current)
  if node and node ~= ARGV[3] then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`,
};

/** KEYS: online, node users. ARGV: username, node id. Removes the entry only if this node holds it. */
export const RELEASE: ScriptDefinition = {
  keys: 2,
  lua: `${HOLDER}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and holder(current) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`,
};

/**
 * KEYS: online, node users. ARGV: node id, then username and entry JSON pairs.
 * Claims each pair as CLAIM does; returns the usernames another node holds now.
 */
export const RECLAIM: ScriptDefinition = {
  keys: 2,
  lua: `${HOLDER}
local taken = {}
for i = 2, #ARGV, 2 do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  local node = current and holder(current)
  if node and node ~= ARGV[1] then
    taken[#taken + 1] = ARGV[i]
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    redis.call('SADD', KEYS[2], ARGV[i])
  end
end
return taken
`,
};

/**
 * KEYS: node alive, nodes, node lost. ARGV: node id, alive TTL in ms.
 * Returns 0 when the node was alive already, 1 when its alive key had gone (it expired while the
 * node was cut off, or Redis lost its data): its users must be claimed again; 2 when it was swept
 * as dead meanwhile: its users were announced offline.
 */
export const HEARTBEAT: ScriptDefinition = {
  keys: 3,
  lua: `
local fresh = redis.call('EXISTS', KEYS[1]) == 0
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('DEL', KEYS[3]) == 1 then return 2 end
if fresh then return 1 end
return 0
`,
};

/**
 * KEYS: online, nodes, node alive, node users, node lost. ARGV: node id, 'sweep' or 'close',
 * lost-marker TTL in ms.
 * Takes a node and its users out. A sweep does so only while the node is still listed and its
 * alive key is gone, so of several sweepers exactly one gets the entries, and a node that came back
 * in time is left alone; it then marks the node lost. Returns the removed entries' JSON, or nil
 * when a sweep found nothing to do.
 */
export const REMOVE_NODE: ScriptDefinition = {
  keys: 5,
  lua: `${HOLDER}
if ARGV[2] == 'sweep' then
  if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 or redis.call('EXISTS', KEYS[3]) == 1 then
    return false
  end
end
local removed = {}
for _, name in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local current = redis.call('HGET', KEYS[1], name)
  if current and holder(current) == ARGV[1] then
    redis.call('HDEL', KEYS[1], name)
    removed[#removed + 1] = current
  end
end
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('SREM', KEYS[2], ARGV[1])
if ARGV[2] == 'sweep' then redis.call('SET', KEYS[5], '1', 'PX', ARGV[3]) end
return removed
`,
};

/**
 * KEYS: online. ARGV: username, message, channel prefix.
 * Looks the user up and publishes to their node's channel in one step, so a frame never goes to a
 * node that released the user before the publish. Returns how many subscribers received it (0
 * when the user is offline).
 */
export const DELIVER: ScriptDefinition = {
  keys: 1,
  lua: `${HOLDER}
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local node = holder(current)
if not node then return 0 end
return redis.call('PUBLISH', ARGV[3] .. node, ARGV[2])
`,
};
