-- wrk script: each request carries the next of 10,000 distinct tokens.
local tokens = {}
for line in io.lines(os.getenv("LOAD_TEST_DIR") .. "/distinct.txt") do
  tokens[#tokens + 1] = line
end
local next_token = 0
request = function()
  next_token = next_token % #tokens + 1
  return wrk.format("GET", "/read", { ["Authorization"] = "Bearer " .. tokens[next_token] })
end
