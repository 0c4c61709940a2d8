-- Mark a campaign's live state for rebuild: not built (the next vote or read rebuilds it from
-- the database) and a new fence, so a rebuild already counting cannot install what it counted.
-- Used when Redis may disagree with the database and the database cannot be written (a ballot
-- COMMIT whose answer was lost), or when a reader saw that Redis missed a committee change.
assert(#KEYS == 2, "invalidate.lua takes 2 keys")
local meta_key = KEYS[1]
local fence_key = KEYS[2]
redis.call("HSET", meta_key, "built", "0")
redis.call("INCR", fence_key)
return 1
