-- wrk: GET /api/search with a different query each request: digit strings of 6 to 12 digits,
-- half of them taken from pi's first decimals (so found), half random (mostly not found).
local pi = "1415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679"
local counter = 0

request = function()
  counter = counter + 1
  local length = 6 + counter % 7
  local query
  if counter % 2 == 0 then
    local start = 1 + (counter * 7) % (#pi - length)
    query = pi:sub(start, start + length - 1)
  else
    local digits = {}
    local seed = counter * 2654435761
    for i = 1, length do
      seed = (seed * 1103515245 + 12345) % 2147483648
      digits[i] = tostring(math.floor(seed / 65536) % 10)
    end
    query = table.concat(digits)
  end
  return wrk.format("GET", "/api/search?q=" .. query)
end
