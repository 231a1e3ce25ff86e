-- wrk script: every write carries DEPTH requests for the URL's path (HTTP/1.1 pipelining).
-- Usage: wrk ... -s bench/pipeline.lua URL -- DEPTH      (DEPTH defaults to 16)
-- wrk counts each response as one request, so req/s stays comparable with plain runs.
local batch

function init(args)
  local depth = tonumber(args[1]) or 16
  local one = wrk.format(nil, wrk.path)
  batch = string.rep(one, depth)
end

function request()
  return batch
end
