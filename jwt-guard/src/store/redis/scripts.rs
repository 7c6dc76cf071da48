//! The Lua scripts of [`RedisStore`](super::RedisStore): each a step that
//! must be taken at once, whole, whatever other instances do meanwhile.

use std::sync::LazyLock;

use redis::Script;

/// Rotates a refresh token, atomically: the steps of
/// `FamilyState::step` and `FamilyState::after`, in Lua, and the family's
/// list of the tokens it remembers, whose oldest beyond the last
/// `REMEMBERED_TOKENS` are forgotten; a reuse revokes the family's
/// session, as `revoke` does (the member written as serde writes a
/// `Revoked::Session`), and then ends the family. Redis undoes none of a
/// script's writes when a later command fails: each script writes the
/// revocation first, and a rotation the next token's key before it makes
/// it the family's current one, so that a failure leaves the family alive,
/// the presented token current, and the step to be taken again. A family
/// unused for longer than the idle timeout is ended, as an ended one
/// stays. KEYS: the presented token's key, the revocations' key. ARGV:
/// presented hash, next hash, now, grace, the prefix of family keys, the
/// prefix of token keys, the prefix of the lists, `REMEMBERED_TOKENS`,
/// until when a reuse revokes the session, the revocations' channel, the
/// idle timeout in seconds (0 for none).
const ROTATE: &str = r#"
local id = redis.call('GET', KEYS[1])
if not id then return {'unknown'} end
local family = ARGV[5] .. id
local f = redis.call('HMGET', family, 'subject', 'grant', 'created_at', 'expires_at', 'current', 'previous',
                     'rotated_at', 'ended')
local now, grace = tonumber(ARGV[3]), tonumber(ARGV[4])
if not f[1] or tonumber(f[4]) <= now then return {'unknown'} end
local record = {id, f[1], f[2], f[3], f[4]}
if f[8] == '1' then return {'ended', unpack(record)} end
local idle = tonumber(ARGV[11])
if idle > 0 and now > tonumber(f[7]) + idle then
  redis.call('HSET', family, 'ended', '1')
  return {'ended', unpack(record)}
end
local retry = f[6] == ARGV[1] and now <= tonumber(f[7]) + grace
if f[5] == ARGV[1] or (grace > 0 and retry) then
  redis.call('SET', ARGV[6] .. ARGV[2], id, 'EXAT', f[4])
  local issued = ARGV[7] .. id
  redis.call('RPUSH', issued, ARGV[2])
  redis.call('EXPIREAT', issued, f[4])
  if f[5] == ARGV[1] then
    redis.call('HSET', family, 'current', ARGV[2], 'previous', ARGV[1], 'rotated_at', ARGV[3])
  else
    redis.call('HSET', family, 'current', ARGV[2])
  end
  for _ = 1, redis.call('LLEN', issued) - tonumber(ARGV[8]) do
    redis.call('DEL', ARGV[6] .. redis.call('LPOP', issued))
  end
  return {'rotated', unpack(record)}
end
local member = cjson.encode({session = id})
redis.call('ZADD', KEYS[2], 'GT', ARGV[9], member)
redis.call('PUBLISH', ARGV[10], '{"revoked":' .. member .. ',"until":' .. ARGV[9] .. '}')
redis.call('HSET', family, 'ended', '1')
return {'reused', unpack(record)}
"#;

/// Ends a family, if it is known, answering its record, and revokes its
/// session, as `revoke` does. KEYS: the family's key, the revocations'
/// key. ARGV: the session's revocation's until, its member, the channel,
/// the message.
const END_FAMILY: &str = r"
redis.call('ZADD', KEYS[2], 'GT', ARGV[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
local f = redis.call('HMGET', KEYS[1], 'subject', 'grant', 'created_at', 'expires_at')
if not f[1] then return {} end
redis.call('HSET', KEYS[1], 'ended', '1')
return {f[1], f[2], f[3], f[4]}
";

/// Reserves a login attempt: the twin of `LoginThrottle::reserve`. KEYS:
/// the key of the count. ARGV: now, and the throttle's `after`, `longest`
/// and `forget_after`. Answers the wait, and the live count and the date
/// of the last failure before (the count 0 when none was live): a wait of
/// 0 when the attempt is counted. Redis forgets the count `forget` seconds
/// from now by its own clock, so that a clock of the instance behind
/// Redis's forgets no failure early.
const RESERVE_ATTEMPT: &str = r"
local now, after, longest, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local f = redis.call('HMGET', KEYS[1], 'count', 'last', 'forget_at')
local count, last = tonumber(f[1] or '0'), tonumber(f[2] or '0')
if tonumber(f[3] or '0') <= now then count = 0 end
if after > 0 and count >= after then
  local wait = math.min(2 ^ math.min(count - after, 63), longest)
  if now < last + wait then return {last + wait - now, count, last} end
end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now, 'forget_at', now + forget)
redis.call('EXPIRE', KEYS[1], forget)
return {0, count, last}
";

/// Takes back a reserved attempt: the twin of `Reservation::released`.
/// KEYS: the key of the count. ARGV: the count and date that the
/// reservation counted, the count and date before it (the count 0 when
/// none was live), and the throttle's `forget_after`. The key's time to
/// live is left as the reservation set it, which outlasts `forget_at`.
const RELEASE_ATTEMPT: &str = r"
local f = redis.call('HMGET', KEYS[1], 'count', 'last')
if not f[1] then return 0 end
local count, last = tonumber(f[1]), tonumber(f[2] or '0')
if count == tonumber(ARGV[1]) and last == tonumber(ARGV[2]) then
  local before, before_last = tonumber(ARGV[3]), tonumber(ARGV[4])
  if before == 0 then
    redis.call('DEL', KEYS[1])
  else
    redis.call('HSET', KEYS[1], 'count', before, 'last', before_last, 'forget_at', before_last + tonumber(ARGV[5]))
  end
elseif count > 0 then
  redis.call('HSET', KEYS[1], 'count', count - 1)
end
return 0
";

/// The scripts, hashed once; Redis runs them by hash, loading them when
/// it does not know them yet.
pub(super) struct Scripts {
    pub(super) rotate: Script,
    pub(super) end_family: Script,
    pub(super) reserve_attempt: Script,
    pub(super) release_attempt: Script,
}

pub(super) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    rotate: Script::new(ROTATE),
    end_family: Script::new(END_FAMILY),
    reserve_attempt: Script::new(RESERVE_ATTEMPT),
    release_attempt: Script::new(RELEASE_ATTEMPT),
});
