//! The Lua scripts that change a job's state. Each one is atomic in Redis and checks the state it expects
//! before it changes anything (who holds the claim, which stream entry is current, how many attempts were
//! made), so a script retried after a lost reply, a worker that was taken over, or a duplicate stream entry
//! can never emit a second `done` event or count an attempt twice. The event JSON is built in Rust and
//! passed in; the scripts only decide whether it is published.
//!
//! Common keys: the jobs stream, the events stream, the dead-letter stream, the job's state hash, the
//! index of job ids. `XPENDING stream group id id 1` tells the current owner of a claim.

use redis::Script;

/// Owner check shared by the scripts that act on a claim: returns true when `consumer` holds `entry`.
const OWNS: &str = r#"
local function owns(stream, group, entry, consumer)
  local p = redis.call('XPENDING', stream, group, entry, entry, 1)
  return #p == 1 and p[1][2] == consumer
end
"#;

/// KEYS: jobs, events, job hash, index.
/// ARGV: job id, job JSON, now ms, queued event JSON, force (0/1), events max length, index max length.
/// Returns {'queued', entry} or {'exists', state}.
pub fn enqueue() -> Script {
    Script::new(
        r#"
local state = redis.call('HGET', KEYS[3], 'state')
if state and (state ~= 'dead') and not (state == 'done' and ARGV[5] == '1') then
  return {'exists', state}
end
local entry = redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'job', ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'job', ARGV[2], 'state', 'queued', 'attempts', 0, 'entry', entry,
  'enqueued_at', ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[7]) + 1))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'type', 'queued', 'job', ARGV[1], 'event', ARGV[4])
return {'queued', entry}
"#,
    )
}

/// KEYS: jobs, events, job hash, index.
/// ARGV: group, entry, consumer, job id, job JSON, now ms, expected attempts so far, started event JSON,
/// events max length.
/// Returns {'run'}, {'skip', state} (done, dead, or a stale duplicate entry: acknowledged and deleted),
/// or {'changed'} when the attempts counter moved since the caller read it (read again and retry).
pub fn start() -> Script {
    Script::new(&format!(
        r#"{OWNS}
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return {{'lost'}} end
local h = redis.call('HMGET', KEYS[3], 'state', 'attempts', 'entry', 'worker')
if not h[1] then
  redis.call('HSET', KEYS[3], 'job', ARGV[5], 'state', 'queued', 'attempts', 0, 'entry', ARGV[2],
    'enqueued_at', ARGV[6])
  redis.call('ZADD', KEYS[4], ARGV[6], ARGV[4])
  h = {{'queued', '0', ARGV[2], false}}
end
if h[1] == 'done' or h[1] == 'dead' or h[3] ~= ARGV[2] then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  return {{'skip', h[1]}}
end
if h[1] == 'running' and h[4] == ARGV[3] then return {{'run'}} end
if h[2] ~= ARGV[7] then return {{'changed'}} end
redis.call('HSET', KEYS[3], 'state', 'running', 'worker', ARGV[3], 'attempts', tonumber(ARGV[7]) + 1,
  'started_at', ARGV[6], 'heartbeat_at', ARGV[6], 'progress', 0)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[9], '*', 'type', 'started', 'job', ARGV[4], 'event', ARGV[8])
return {{'run'}}
"#
    ))
}

/// KEYS: jobs, events, job hash.
/// ARGV: group, entry, consumer, now ms, progress (or ''), progress event JSON (or ''), events max length,
/// job id.
/// Renews the claim (XCLAIM by its owner resets the idle time; JUSTID leaves the delivery count alone).
/// Returns 1, or 0 when the claim is no longer ours.
pub fn heartbeat() -> Script {
    Script::new(&format!(
        r#"{OWNS}
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')
redis.call('HSET', KEYS[3], 'heartbeat_at', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[3], 'progress', ARGV[5]) end
if ARGV[6] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'type', 'progress', 'job', ARGV[8], 'event', ARGV[6])
end
return 1
"#
    ))
}

/// KEYS: jobs, events, job hash.
/// ARGV: group, entry, consumer, now ms, result JSON, done event JSON, events max length, retention
/// seconds, job id.
/// Returns 'ok', 'dup' (already done: nothing published again) or 'lost' (another worker holds the claim).
pub fn finish() -> Script {
    Script::new(&format!(
        r#"{OWNS}
if redis.call('HGET', KEYS[3], 'state') == 'done' then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  return 'dup'
end
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'lost' end
redis.call('HSET', KEYS[3], 'state', 'done', 'finished_at', ARGV[4], 'result', ARGV[5], 'progress', 100)
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'type', 'done', 'job', ARGV[9], 'event', ARGV[6])
redis.call('EXPIRE', KEYS[3], ARGV[8])
return 'ok'
"#
    ))
}

/// KEYS: jobs, events, dead, job hash.
/// ARGV: group, entry, consumer, now ms, error, job id, job JSON, failed event JSON, dead (0/1), events
/// max length, retention seconds, attempts (recorded on the dead-letter entry), requeue event JSON
/// (or '' when the attempt counts as a failure).
/// Not dead: a new entry is added for the next attempt and the state becomes `failed` (or `queued` when
/// handed back). Dead: the job goes to the dead-letter stream with its error. Returns 'ok' or 'lost'.
pub fn fail() -> Script {
    Script::new(&format!(
        r#"{OWNS}
if not owns(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) then return 'lost' end
if ARGV[9] == '1' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*', 'id', ARGV[6], 'job', ARGV[7], 'error', ARGV[5],
    'attempts', ARGV[12], 'time', ARGV[4])
  redis.call('HSET', KEYS[4], 'state', 'dead', 'error', ARGV[5], 'finished_at', ARGV[4])
  redis.call('EXPIRE', KEYS[4], ARGV[11])
else
  local entry = redis.call('XADD', KEYS[1], '*', 'id', ARGV[6], 'job', ARGV[7])
  if ARGV[13] ~= '' then
    redis.call('HINCRBY', KEYS[4], 'attempts', -1)
    redis.call('HSET', KEYS[4], 'state', 'queued', 'entry', entry)
  else
    redis.call('HSET', KEYS[4], 'state', 'failed', 'entry', entry, 'error', ARGV[5])
  end
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if ARGV[13] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[10], '*', 'type', 'requeued', 'job', ARGV[6], 'event', ARGV[13])
else
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[10], '*', 'type', 'failed', 'job', ARGV[6], 'event', ARGV[8])
end
return 'ok'
"#
    ))
}
